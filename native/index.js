'use strict';
// Loads the compiled addon; throws when it is absent (Seqlab then falls back quietly).
if (process.env.SEQLAB_NATIVE === 'off') throw new Error('seqlab-native disabled by SEQLAB_NATIVE=off');
const path = require('node:path');
const candidates = ['build/Release/seqlab_native.node', 'build/Debug/seqlab_native.node'];
let lastErr;
for (const c of candidates) {
  try {
    module.exports = require(path.join(__dirname, c));
    return;
  } catch (e) {
    lastErr = e;
  }
}
throw lastErr;
