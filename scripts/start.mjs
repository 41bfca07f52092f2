// `npm start`: build, package the .vsix (data bundled), install it into the harness'
// code-server and serve a real VS Code with a sample workspace on http://127.0.0.1:PORT
// until Ctrl+C. Env: SEQLAB_PORT (default 8080; a free port is used if it is taken).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
register();
const { ensureTools } = await import('../test/harness/tools.mts');
const { startCodeServer } = await import('../test/harness/codeServer.mts');
const { installSignalHandlers, portInUse, freePort, teardown, verifyClean } = await import('../test/harness/procs.mts');
const { sampleWorkspace, toolsDir } = await import('../test/harness/paths.mts');

installSignalHandlers();
ensureTools();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsix = join(root, `${pkg.name}-${pkg.version}.vsix`);
const r = spawnSync(process.execPath, [join(root, 'scripts/package.mjs'), '--out', vsix], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
if (r.status !== 0) process.exit(1);

let port = Number(process.env.SEQLAB_PORT || 8080);
if (await portInUse(port)) {
  const alt = await freePort();
  console.log(`port ${port} is taken, using ${alt}`);
  port = alt;
}
// The workspace persists between starts (it holds what you create); editor state does not.
const workspace = join(toolsDir, 'workspace/seqlab-sample');
if (!existsSync(workspace)) cpSync(sampleWorkspace, workspace, { recursive: true });

let cs;
try {
  cs = await startCodeServer({ port, vsix: [vsix], verbose: process.env.SEQLAB_VERBOSE === '1' });
} catch (e) {
  console.error(`start: ${e.message}`);
  await teardown();
  process.exit(1);
}
console.log(`
  Seqlab is running in VS Code (code-server) at:

      ${cs.url(workspace)}

  Press F1 and type "Seqlab". Ctrl+C stops it.
  Desktop VS Code: code --install-extension ${vsix}
`);
// Stay up until a signal; installSignalHandlers tears down and exits. If code-server dies
// on its own, say so and clean up.
const timer = setInterval(async () => {
  try { process.kill(-cs.pgid, 0); } catch {
    clearInterval(timer);
    console.error('start: code-server exited');
    await teardown();
    await verifyClean(port);
    process.exit(1);
  }
}, 2000);
