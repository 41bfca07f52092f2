// `node --import tsx test/harness/tools-cli.mts`: installs the harness' tools if missing
// and prints where they are. The orchestrator runs it as its own timed phase.
import { ensureTools } from './tools.mjs';
import { toolsDir } from './paths.mjs';

const t = ensureTools();
console.log(`tools (${toolsDir}): node ${t.node24}, code-server ${t.codeServer}, chromium ${t.chromium}`);
