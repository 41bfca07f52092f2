/**
 * The safetensors format, read and written directly (it is small and fully specified, and no
 * npm reader is both maintained and dependency-free): an 8-byte little-endian header length n,
 * n bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}}
 * padded with spaces, then the raw little-endian tensor bytes, offsets relative to their start.
 *
 * Reading converts F32, F16, BF16 and F64 to float32 (Seqlab computes in float32; F64 rounds
 * once). Writing produces float32 exactly as `safetensors.torch.save_file` lays it out: tensors
 * ordered by dtype alignment then name, compact JSON with `__metadata__` first, padded to 8 bytes.
 */
import { SeqlabError } from '../util/errors';

export const SAFETENSORS_DTYPES = ['F32', 'F16', 'BF16', 'F64'] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];
const BYTES: Readonly<Record<SafetensorsDtype, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  /** every tensor as float32, in the header's order */
  tensors: Map<string, NamedArray>;
  /** the dtype each tensor had in the file */
  dtypes: Map<string, SafetensorsDtype>;
  metadata: Record<string, string>;
}

/** The header may not exceed 100 MB (the reference implementation's limit). */
const MAX_HEADER = 100_000_000;

function bad(what: string, sentence: string): SeqlabError {
  return new SeqlabError(`${what} is not a valid safetensors file: ${sentence}`, 'interop');
}

/** IEEE half → float. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function decode(dtype: SafetensorsDtype, bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / BYTES[dtype];
  const out = new Float32Array(n);
  if (dtype === 'F32') for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  else if (dtype === 'F64') for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
  else if (dtype === 'F16') for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  else {
    // bfloat16 is the top half of a float32
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) u[i] = view.getUint16(2 * i, true) << 16;
  }
  return out;
}

/** Parses a safetensors file's bytes; `what` names it in error sentences. */
export function parseSafetensors(buf: Uint8Array, what = 'The file'): SafetensorsFile {
  if (buf.byteLength < 8) throw bad(what, `it has ${buf.byteLength} bytes, fewer than the 8-byte header length.`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n < 2 || n > MAX_HEADER || 8 + n > buf.byteLength) throw bad(what, `its header length ${n} does not fit its ${buf.byteLength} bytes.`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch {
    throw bad(what, 'its header is not UTF-8 JSON.');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw bad(what, 'its header is not a JSON object.');
  const data = buf.subarray(8 + n);
  const tensors = new Map<string, NamedArray>();
  const dtypes = new Map<string, SafetensorsDtype>();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw) || Object.values(raw).some((v) => typeof v !== 'string')) throw bad(what, '__metadata__ must map strings to strings.');
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!e || typeof e !== 'object') throw bad(what, `the entry of tensor ${name} is not an object.`);
    if (!(SAFETENSORS_DTYPES as readonly unknown[]).includes(e.dtype)) {
      throw new SeqlabError(`Tensor ${name} has dtype ${String(e.dtype)}; Seqlab reads ${SAFETENSORS_DTYPES.join(', ')}.`, 'interop');
    }
    const dtype = e.dtype as SafetensorsDtype;
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw bad(what, `tensor ${name} has no valid shape.`);
    const shape = e.shape as number[];
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((o) => !Number.isSafeInteger(o) || o < 0) || off[0] > off[1] || off[1] > data.byteLength) {
      throw bad(what, `tensor ${name}'s data_offsets lie outside its ${data.byteLength} data bytes.`);
    }
    const [b0, b1] = off as [number, number];
    const count = shape.reduce((a, d) => a * d, 1);
    if (b1 - b0 !== count * BYTES[dtype]) throw bad(what, `tensor ${name} is ${dtype} [${shape}] (${count * BYTES[dtype]} bytes) but spans ${b1 - b0} bytes.`);
    spans.push([b0, b1, name]);
    tensors.set(name, { shape: shape.slice(), data: decode(dtype, data.subarray(b0, b1)) });
    dtypes.set(name, dtype);
  }
  // The format forbids overlaps and holes: the tensors tile the data exactly.
  spans.sort((a, b) => a[0] - b[0]);
  let end = 0;
  for (const [b0, b1, name] of spans) {
    if (b0 !== end) throw bad(what, `tensor ${name}'s data starts at byte ${b0}, expected ${end} (overlap or gap).`);
    end = b1;
  }
  if (end !== data.byteLength) throw bad(what, `its tensors cover ${end} of ${data.byteLength} data bytes.`);
  return { tensors, dtypes, metadata };
}

/**
 * Float32 tensors (any iteration order) → safetensors bytes, identical to what
 * `safetensors.torch.save_file(tensors, path, metadata)` writes for float32 tensors.
 */
export function serializeSafetensors(tensors: Iterable<[string, NamedArray]>, metadata?: Record<string, string>): Uint8Array {
  const list = [...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of list) {
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (count !== t.data.length) throw new Error(`serializeSafetensors: ${name} is [${t.shape}] but has ${t.data.length} values`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const [, t] of list) {
    for (let i = 0; i < t.data.length; i++) view.setFloat32(p + 4 * i, t.data[i], true);
    p += 4 * t.data.length;
  }
  return out;
}
