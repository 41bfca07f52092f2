import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeqlabError } from './util/errors';

export type BackendChoice = 'auto' | 'node' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** tfjs's own name for the backend that runs. */
  name: BackendName;
  requested: BackendChoice;
  /** Why a faster backend was skipped, for the status bar and `seqlab info`. */
  notes: string[];
  /**
   * Set when the backend the user asked for (node or wasm) could not start and another one runs
   * instead: one sentence for a warning line, `seqlab info` and the run's engine label.
   */
  fallback?: string;
}

/** The backend as a run's info shows it: `cpu (node unavailable)` after a fallback. */
export function backendLabel(info: BackendInfo): string {
  return info.fallback ? `${info.name} (${info.requested} unavailable)` : info.name;
}

let current: BackendInfo | undefined;

/** Where the wasm backend's binaries are: dist/wasm when bundled, node_modules in tests. */
function wasmDirectory(): string | undefined {
  const candidates = [
    join(__dirname, 'wasm'),
    join(__dirname, '..', 'dist', 'wasm'),
    join(__dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
    join(process.cwd(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
  ];
  return candidates.find((d) => existsSync(join(d, 'tfjs-backend-wasm.wasm')));
}

async function tryNode(notes: string[]): Promise<boolean> {
  try {
    // Optional native dependency: present only where its install could download libtensorflow.
    require('@tensorflow/tfjs-node');
    return await tf.setBackend('tensorflow');
  } catch (err) {
    notes.push(`tfjs-node is not available (${(err as Error).message.split('\n')[0]}).`);
    return false;
  }
}

/** tfjs fetches the wasm binaries, and Node's fetch cannot read files: serve local paths from disk. */
function allowFileFetch(): void {
  const platform = tf.env().platform as { fetch: (path: string, init?: unknown) => Promise<Response> } & { seqlabPatched?: boolean };
  if (platform.seqlabPatched) return;
  const original = platform.fetch.bind(platform);
  platform.fetch = async (path: string, init?: unknown) => {
    if (typeof path === 'string' && path.startsWith('/') && existsSync(path)) {
      return new Response(readFileSync(path), { headers: { 'content-type': 'application/wasm' } });
    }
    return original(path, init);
  };
  platform.seqlabPatched = true;
}

async function tryWasm(notes: string[]): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = wasmDirectory();
    if (!dir) throw new Error('its .wasm files are missing');
    allowFileFetch();
    wasm.setWasmPaths(
      {
        'tfjs-backend-wasm.wasm': join(dir, 'tfjs-backend-wasm.wasm'),
        'tfjs-backend-wasm-simd.wasm': join(dir, 'tfjs-backend-wasm-simd.wasm'),
        'tfjs-backend-wasm-threaded-simd.wasm': join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'),
      },
      true,
    );
    return await tf.setBackend('wasm');
  } catch (err) {
    notes.push(`The WebAssembly backend failed to start (${(err as Error).message.split('\n')[0]}).`);
    return false;
  }
}

/**
 * Picks the TensorFlow.js backend once per process: `auto` = tfjs-node if it loads, else
 * WebAssembly, else plain JavaScript. `SEQLAB_BACKEND` overrides the argument (tests, CI).
 */
export async function initBackend(opts: { backend?: BackendChoice } = {}): Promise<BackendInfo> {
  const requested = (process.env.SEQLAB_BACKEND as BackendChoice | undefined) || opts.backend || 'auto';
  if (!['auto', 'node', 'wasm', 'cpu'].includes(requested)) throw new SeqlabError(`Unknown backend "${requested}"; use auto, node, wasm or cpu.`);
  if (current && current.requested === requested) return current;
  const notes: string[] = [];
  await import('@tensorflow/tfjs-backend-cpu');
  // tfjs's production mode silences its "install tfjs-node" banner, which would land in the
  // CLI's stderr and every test log; we report the backend ourselves (`seqlab info`).
  if (process.env.SEQLAB_DEBUG !== '1') tf.env().set('PROD', true);
  let ok = false;
  if (requested === 'node' || requested === 'auto') ok = await tryNode(notes);
  if (!ok && (requested === 'wasm' || requested === 'auto')) ok = await tryWasm(notes);
  let fallback: string | undefined;
  if (!ok && requested !== 'auto' && requested !== 'cpu') {
    fallback = `The ${requested} backend is not available here (${notes.at(-1)?.replace(/\.$/, '') ?? 'it failed to start'}); Seqlab runs on the plain-JavaScript cpu backend instead, which is slower.`;
  }
  if (!ok) await tf.setBackend('cpu');
  await tf.ready();
  current = { name: tf.getBackend() as BackendName, requested, notes, ...(fallback ? { fallback } : {}) };
  return current;
}

export function backendInfo(): BackendInfo | undefined {
  return current;
}
