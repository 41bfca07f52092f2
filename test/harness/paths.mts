// Where the harness keeps things. Tools live outside the clone so CI runs on the same
// machine reuse them; per-run state lives in a throw-away temp dir.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const toolsDir = resolve(process.env.SEQLAB_TOOLS_DIR || join(homedir(), '.cache/seqlab'));
export const dataDir = resolve(process.env.SEQLAB_DATA_DIR || join(repoRoot, '../shared/data'));
export const screenshotsDir = join(repoRoot, 'test/screenshots');
export const sampleWorkspace = join(repoRoot, 'test/harness/sample-workspace');

export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
