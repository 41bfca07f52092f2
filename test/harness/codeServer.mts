// Starts code-server (a real VS Code workbench + Node extension host) on 127.0.0.1 with
// fresh, throw-away state and stops it by process group. See
// ../shared/notes/vscode-testing.md for why each flag is here.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNoise, log, pipeLines } from './log.mjs';
import { freePort, killGroup, onTeardown, ownedEnv, portInUse, spawnGroup } from './procs.mjs';
import { ensureTools } from './tools.mjs';

export interface CodeServerOptions {
  port?: number;
  /** Needed for the `payload` URL parameter (extension-host tests). */
  smokeTestDriver?: boolean;
  /** .vsix files installed into the throw-away extensions dir before start. */
  vsix?: string[];
  /** Echo code-server's own log lines (noise filtered) to stderr. */
  verbose?: boolean;
  /** Keep state in this dir instead of a temp one (still wiped first). */
  stateDir?: string;
}

export interface CodeServer {
  port: number;
  origin: string;
  stateDir: string;
  logFile: string;
  pgid: number;
  /** Workbench URL opening `folder`, optionally with a smoke-test `payload`. */
  url(folder: string, payload?: Array<[string, string]>): string;
  /** `vscode-remote://` URI of a local path, as the payload wants it. */
  remoteUri(path: string): string;
  stop(): Promise<void>;
}

const SETTINGS = {
  'chat.disableAIFeatures': true, // no agent/chat processes
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden', // the (empty) chat side bar
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

export async function startCodeServer(opts: CodeServerOptions = {}): Promise<CodeServer> {
  const tools = ensureTools();
  const port = opts.port ?? (await freePort());
  if (await portInUse(port)) throw new Error(`port ${port} is already in use`);
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'seqlab-cs-'));
  if (opts.stateDir) rmSync(stateDir, { recursive: true, force: true });
  const ud = join(stateDir, 'ud');
  const ext = join(stateDir, 'ext');
  mkdirSync(join(ud, 'User'), { recursive: true });
  mkdirSync(ext, { recursive: true });
  writeFileSync(join(ud, 'User/settings.json'), JSON.stringify(SETTINGS, null, 2));
  writeFileSync(join(stateDir, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  // XDG dirs inside the state dir: otherwise code-server writes into ~/.config.
  const env = { XDG_CONFIG_HOME: join(stateDir, 'xdg-config'), XDG_DATA_HOME: join(stateDir, 'xdg-data'), XDG_CACHE_HOME: join(stateDir, 'xdg-cache') };
  const common = ['--config', join(stateDir, 'config.yaml'), '--user-data-dir', ud, '--extensions-dir', ext];

  for (const vsix of opts.vsix ?? []) {
    const r = spawnSync(tools.node24, [tools.codeServer, ...common, '--install-extension', vsix], { env: ownedEnv(env), encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`installing ${vsix} failed:\n${r.stdout}\n${r.stderr}`);
    log(`installed ${vsix}`);
  }

  const args = [
    tools.codeServer, ...common,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    ...(opts.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
  ];
  const logFile = join(stateDir, 'code-server.log');
  const out = createWriteStream(logFile);
  const child = spawnGroup(tools.node24, args, { env });
  const pgid = child.pid!;
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  if (opts.verbose) {
    pipeLines(child.stdout!, '[code-server] ');
    pipeLines(child.stderr!, '[code-server] ');
  }
  let exited: string | undefined;
  child.once('exit', (code, sig) => { exited = `exited (${code ?? sig})`; });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killGroup(pgid);
    out.end();
    if (!opts.stateDir) rmSync(stateDir, { recursive: true, force: true });
  };
  onTeardown(stop);

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server ${exited} before it answered:\n${tail(logFile)}`);
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`code-server did not answer /healthz within 60 s:\n${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    port, origin, stateDir, logFile, pgid, stop,
    remoteUri: (p) => `vscode-remote://127.0.0.1:${port}${p}`,
    url(folder, payload) {
      const q = new URLSearchParams({ folder });
      if (payload) q.set('payload', JSON.stringify(payload));
      return `${origin}/?${q}`;
    },
  };
}

/** Last lines of a log, noise removed: for error messages. */
export function tail(file: string, n = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() && !isNoise(l)).slice(-n).join('\n');
  } catch { return '(no log)'; }
}
