import { initBackend, type BackendChoice, type BackendInfo } from '../core/backend';
import { oneOf, type ParsedArgs } from './command';

const BACKENDS: readonly BackendChoice[] = ['auto', 'node', 'wasm', 'cpu'];

/** `--backend auto|node|wasm|cpu`, for every command that runs TensorFlow.js. */
export const backendOption = { backend: { type: 'string' } } as const;

/** Starts the backend `--backend` names (auto when absent); a bad value is a usage error. */
export function initBackendArg(args: ParsedArgs): Promise<BackendInfo> {
  return initBackend({ backend: oneOf<BackendChoice>(args, 'backend', BACKENDS, 'auto') });
}
