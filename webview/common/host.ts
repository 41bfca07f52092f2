/**
 * The webview's side of the protocol: validated receive, typed post, request/reply with
 * ids, and getState/setState so a panel survives being hidden or the window reloading.
 */
import { z } from 'zod';
import { parseMessage } from '../../src/protocol/common';

// No eval under our CSP: zod must not even probe for it (the probe would log a CSP violation).
z.config({ jitless: true });

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

// acquireVsCodeApi may be called once per page load.
const api: VsCodeApi = acquireVsCodeApi();

export interface Host<In, Out> {
  post(message: Out): void;
  /** Sends a request and resolves with the host's result; rejects with its one-sentence error. */
  request<R = unknown>(method: string, params: unknown): Promise<R>;
  getState<S>(schema: z.ZodType<S>): S | undefined;
  setState(state: unknown): void;
  onMessage(handler: (message: In) => void): void;
}

export function connectHost<In extends { type: string }, Out>(schema: z.ZodType<In>): Host<In, Out> {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const handlers: ((m: In) => void)[] = [];
  window.addEventListener('message', (event: MessageEvent) => {
    const parsed = parseMessage(schema, event.data);
    if (!parsed.ok) {
      api.postMessage({ type: 'webviewError', message: parsed.error });
      return;
    }
    const msg = parsed.value as In & { id?: number; ok?: boolean; result?: unknown; error?: string };
    if (msg.type === 'reply' && typeof msg.id === 'number') {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.ok) p?.resolve(msg.result);
      else p?.reject(new Error(msg.error ?? 'The request failed.'));
      return;
    }
    for (const h of handlers) {
      try {
        h(msg);
      } catch (err) {
        api.postMessage({ type: 'webviewError', message: `while handling "${msg.type}": ${(err as Error).message}` });
      }
    }
  });
  window.addEventListener('error', (e) => api.postMessage({ type: 'webviewError', message: String(e.message) }));
  return {
    post: (m) => api.postMessage(m),
    request<R>(method: string, params: unknown) {
      const id = nextId++;
      api.postMessage({ type: 'request', id, method, params });
      return new Promise<R>((resolve, reject) => pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    },
    getState<S>(s: z.ZodType<S>) {
      const r = s.safeParse(api.getState());
      return r.success ? r.data : undefined;
    },
    setState: (state) => api.setState(state),
    onMessage: (h) => void handlers.push(h),
  };
}
