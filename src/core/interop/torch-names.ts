/**
 * PyTorch's parameter names for the textbook's models, found in a safetensors file's tensors:
 * a recurrent module's `weight_ih_l{k}[_reverse]`, `weight_hh_…`, `bias_ih_…`, `bias_hh_…`
 * under whatever prefix the model gives it (d2l 0.17's RNNModel: `rnn.`; d2l 1.0's RNNLM and
 * Seq2Seq wrap nn.GRU once more: `rnn.rnn.`, `encoder.rnn.rnn.`), `linear.weight/bias`
 * (RNNModel's output layer), `dense.weight/bias` (Seq2SeqDecoder's), `embedding.weight`.
 *
 * Every tensor must be used and every needed one present with its shape, or one sentence says
 * which is not.
 */
import { SeqlabError } from '../util/errors';
import type { CellKind } from '../kernels/types';
import { GATES } from '../kernels/types';
import type { NamedArray } from './safetensors';
import type { TorchLayer } from './torch-layout';

const KIND_OF_G: Readonly<Record<number, CellKind>> = { 1: 'rnn', 3: 'gru', 4: 'lstm' };

/** The tensors of a file, taken one by one so the leftovers can be named. */
export class TensorPool {
  private readonly left: Map<string, NamedArray>;

  constructor(tensors: Map<string, NamedArray>) {
    this.left = new Map(tensors);
  }

  names(): string[] {
    return [...this.left.keys()];
  }

  has(name: string): boolean {
    return this.left.has(name);
  }

  peek(name: string): NamedArray | undefined {
    return this.left.get(name);
  }

  /** The tensor `name` with this shape (−1 = any size there), removed from the pool. */
  take(name: string, shape: number[], why: string): NamedArray {
    const t = this.left.get(name);
    if (!t) throw new SeqlabError(`Tensor ${name} is missing (${why}).`, 'interop');
    if (t.shape.length !== shape.length || t.shape.some((d, i) => shape[i] >= 0 && d !== shape[i])) {
      throw new SeqlabError(`Tensor ${name} is [${t.shape}]; ${why} needs [${shape.map((d) => (d < 0 ? '?' : d))}].`, 'interop');
    }
    this.left.delete(name);
    return t;
  }

  /** Throws naming the first tensor nobody took. */
  assertEmpty(model: string): void {
    const [first] = this.left.keys();
    if (first !== undefined) throw new SeqlabError(`Tensor ${first} is not part of ${model}; nothing was imported.`, 'interop');
  }
}

export interface RecurrentShape {
  /** the names' common prefix, e.g. "rnn." or "encoder.rnn.rnn." */
  prefix: string;
  kind: CellKind;
  layers: number;
  dirs: 1 | 2;
  hidden: number;
  /** input size of layer 0 */
  inputSize: number;
}

/** Finds the recurrent module whose names start with `scope` (e.g. "" or "encoder."). */
export function findRecurrent(pool: TensorPool, scope: string, what: string): RecurrentShape {
  const re = /^(.*)weight_ih_l(\d+)(_reverse)?$/;
  const hits = pool.names().flatMap((n) => {
    const m = re.exec(n);
    return m && n.startsWith(scope) ? [{ prefix: m[1], layer: Number(m[2]), reverse: Boolean(m[3]) }] : [];
  });
  if (hits.length === 0) throw new SeqlabError(`Tensor ${scope}rnn.weight_ih_l0 is missing: the file has no recurrent layer for ${what}.`, 'interop');
  const prefixes = [...new Set(hits.map((h) => h.prefix))];
  if (prefixes.length > 1) throw new SeqlabError(`Tensor ${prefixes[1]}weight_ih_l0 belongs to a second recurrent module (besides ${prefixes[0]}); ${what} has one.`, 'interop');
  const prefix = prefixes[0];
  const layers = Math.max(...hits.map((h) => h.layer)) + 1;
  const dirs = hits.some((h) => h.reverse) ? 2 : 1;
  const hh = pool.peek(`${prefix}weight_hh_l0`);
  if (!hh || hh.shape.length !== 2) throw new SeqlabError(`Tensor ${prefix}weight_hh_l0 is ${hh ? `[${hh.shape}]` : 'missing'}; the first recurrent layer of ${what} needs [gates·hidden, hidden].`, 'interop');
  const H = hh.shape[1];
  const G = hh.shape[0] / H;
  const kind = KIND_OF_G[G];
  if (!kind) throw new SeqlabError(`Tensor ${prefix}weight_hh_l0 is [${hh.shape}]: ${hh.shape[0]} rows are not 1, 3 or 4 gates of ${H} units.`, 'interop');
  const ih = pool.peek(`${prefix}weight_ih_l0`);
  if (!ih || ih.shape.length !== 2) throw new SeqlabError(`Tensor ${prefix}weight_ih_l0 is ${ih ? `[${ih.shape}]` : 'missing'}; the first recurrent layer of ${what} needs [gates·hidden, inputs].`, 'interop');
  const inputSize = ih.shape[1];
  return { prefix, kind, layers, dirs, hidden: H, inputSize };
}

/** Layer l, direction d (1 = `_reverse`) of a recurrent module, every tensor checked. */
export function takeLayer(pool: TensorPool, r: RecurrentShape, l: number, d: number, what: string): TorchLayer {
  const N = GATES[r.kind] * r.hidden;
  const I = l === 0 ? r.inputSize : r.dirs * r.hidden;
  const sfx = `_l${l}${d ? '_reverse' : ''}`;
  const why = `layer ${l}${d ? ' (reverse)' : ''} of ${what}`;
  return {
    weight_ih: pool.take(`${r.prefix}weight_ih${sfx}`, [N, I], why),
    weight_hh: pool.take(`${r.prefix}weight_hh${sfx}`, [N, r.hidden], why),
    bias_ih: pool.take(`${r.prefix}bias_ih${sfx}`, [N], why),
    bias_hh: pool.take(`${r.prefix}bias_hh${sfx}`, [N], why),
  };
}

/** Names of a module's layer tensors (for writing). */
export function layerNames(prefix: string, l: number, d: number): Record<keyof TorchLayer, string> {
  const sfx = `_l${l}${d ? '_reverse' : ''}`;
  return { weight_ih: `${prefix}weight_ih${sfx}`, weight_hh: `${prefix}weight_hh${sfx}`, bias_ih: `${prefix}bias_ih${sfx}`, bias_hh: `${prefix}bias_hh${sfx}` };
}

/** The first of `candidates` present in the pool, else the first (so the error names it). */
export function pick(pool: TensorPool, candidates: string[]): string {
  return candidates.find((c) => pool.has(c)) ?? candidates[0];
}
