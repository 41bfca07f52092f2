/**
 * The envelope every host↔webview message shares. Panels extend it with their own
 * discriminated unions (see the sibling files); both sides validate what they receive
 * with these schemas, so a malformed message is dropped and reported, never acted on.
 * This module must stay importable from the webview bundle: zod only, no node, no vscode.
 */
import { z } from 'zod';

/** Request ids are per-webview counters; replies carry the id back. */
export const RequestId = z.number().int().nonnegative();

export const ReadyMessage = z.object({ type: z.literal('ready') });

/** A plot exported by the user: PNG as a base64 data URL, SVG as markup. */
export const ExportMessage = z.object({
  type: z.literal('export'),
  format: z.enum(['png', 'svg']),
  fileName: z.string().min(1).max(200),
  data: z.string().min(1).max(50_000_000),
});

/** Errors inside the webview surface in the host's log and a notification. */
export const WebviewErrorMessage = z.object({ type: z.literal('webviewError'), message: z.string().max(10_000) });

/** `ok: false` carries `error` (one sentence for the user); `ok: true` carries `result`. */
export const ReplyMessage = z.object({
  type: z.literal('reply'),
  id: RequestId,
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: z.string().optional(),
});
export type ReplyMessage = z.infer<typeof ReplyMessage>;

/** Shown as a banner in the panel, e.g. "This run was deleted." */
export const NoticeMessage = z.object({
  type: z.literal('notice'),
  level: z.enum(['info', 'warning', 'error']),
  text: z.string(),
});

/** Host → webview messages every panel understands. */
export const commonToWebview = [ReplyMessage, NoticeMessage] as const;
/** Webview → host messages every panel may send. */
export const commonToHost = [ReadyMessage, ExportMessage, WebviewErrorMessage] as const;

/** A request from the webview: `method` and `params` are typed per panel. */
export function requestSchema<M extends string, P extends z.ZodType>(method: M, params: P) {
  return z.object({ type: z.literal('request'), id: RequestId, method: z.literal(method), params });
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Validates an incoming message; the error names the first offending field. */
export function parseMessage<T>(schema: z.ZodType<T>, raw: unknown): ParseResult<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  const type = raw && typeof raw === 'object' && 'type' in raw ? String((raw as { type: unknown }).type) : '?';
  return { ok: false, error: `invalid "${type}" message${where}: ${issue?.message ?? 'unknown error'}` };
}

/** Points of one plotted series; x and y have the same length. */
export const Series = z
  .object({
    label: z.string(),
    x: z.array(z.number()),
    y: z.array(z.number().nullable()),
    dashed: z.boolean().optional(),
  })
  .refine((s) => s.x.length === s.y.length, { message: 'x and y differ in length' });
export type Series = z.infer<typeof Series>;
