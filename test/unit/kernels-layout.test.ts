/**
 * The kernels' argument structs have one source, src/core/kernels/layout.json: the C header
 * native/src/layout.h generated from it is current, the JS slots follow it, and the native addon
 * reports the layout it was built from (the loader refuses another one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ARGS_BUFS, ARGS_SLOT, ARGS_SLOTS, LAYOUT_HASH } from '../../src/core/kernels/layout';
import { loadNativeKernel } from '../../src/core/kernels/native-kernel';

const root = join(__dirname, '../..');
const gen = createRequire(__filename)(join(root, 'native/gen-layout.js')) as { render(): string; HEADER: string };

test('native/src/layout.h is generated from layout.json (node native/gen-layout.js)', () => {
  assert.equal(readFileSync(gen.HEADER, 'utf8'), gen.render(), 'native/src/layout.h is stale: run node native/gen-layout.js');
});

test('the JS slots follow the layout: 8 ints, then the pointers (x at 8, db last), wh after them for the addon', () => {
  assert.equal(ARGS_SLOT.kind, 0);
  assert.equal(ARGS_SLOT.x, 8);
  assert.equal(ARGS_SLOT.db, ARGS_SLOTS - 1);
  assert.equal(ARGS_BUFS[ARGS_BUFS.length - 1], 'wh');
  assert.match(readFileSync(gen.HEADER, 'utf8'), new RegExp(`SEQLAB_LAYOUT_HASH "${LAYOUT_HASH}"`));
});

test('the native addon was built from this layout', (t) => {
  let k;
  try {
    k = loadNativeKernel();
  } catch (e) {
    t.skip(`native addon unavailable: ${(e as Error).message}`);
    return;
  }
  assert.equal(k.addon.info().layout, LAYOUT_HASH);
});
