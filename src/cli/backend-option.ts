import { initBackend, type BackendChoice, type BackendInfo } from '../core/backend';
import { oneOf, type CliIO, type ParsedArgs } from './command';

const BACKENDS: readonly BackendChoice[] = ['auto', 'node', 'wasm', 'cpu'];

/** `--backend auto|node|wasm|cpu`, for every command that runs TensorFlow.js. */
export const backendOption = { backend: { type: 'string' } } as const;

/**
 * Starts the backend `--backend` names (auto when absent); a bad value is a usage error. When
 * the asked-for backend cannot start, a warning line on stderr says which one runs instead.
 */
export async function initBackendArg(args: ParsedArgs, io?: Pick<CliIO, 'err'>): Promise<BackendInfo> {
  const info = await initBackend({ backend: oneOf<BackendChoice>(args, 'backend', BACKENDS, 'auto') });
  if (info.fallback && io) io.err(`seqlab: warning: ${info.fallback}`);
  return info;
}
