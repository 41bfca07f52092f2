/**
 * One recurrent layer between PyTorch's parameters and Seqlab's packed layout.
 *
 * PyTorch (torch.nn.RNN / GRU / LSTM): weight_ih_l{k}[_reverse] [G·H, I] and weight_hh [G·H, H]
 * with gate blocks in rows, GRU r, z, n and LSTM i, f, g, o; bias_ih and bias_hh [G·H].
 * Seqlab (../kernels/types.ts): wx [I, G·H], wh [H, G·H] with blocks in columns, GRU z, r, h̃ and
 * LSTM i, f, o, c̃; one bias b [G·H], plus b_hn [H] for PyTorch's GRU variant.
 *
 * The two biases add (they always meet in one sum), except PyTorch's GRU candidate, whose b_hn
 * sits inside the reset product and stays separate. A zero added bias leaves the other one's
 * bits untouched (−0 stays −0), so export then import returns every weight bit for bit.
 */
import type { CellKind, GruVariant } from '../kernels/types';
import { GATES } from '../kernels/types';
import type { NamedArray } from './safetensors';

/** Seqlab's gate block k is PyTorch's block TORCH_BLOCK[kind][k]. */
export const TORCH_BLOCK: Readonly<Record<CellKind, readonly number[]>> = { rnn: [0], gru: [1, 0, 2], lstm: [0, 1, 3, 2] };

export interface TorchLayer {
  weight_ih: NamedArray;
  weight_hh: NamedArray;
  bias_ih: NamedArray;
  bias_hh: NamedArray;
}

export interface PackedLayer {
  wx: NamedArray;
  wh: NamedArray;
  b: NamedArray;
  bhn?: NamedArray;
}

/** W [G·H, n] (PyTorch rows) → [n, G·H] (Seqlab columns), blocks reordered. */
function packMatrix(kind: CellKind, H: number, w: NamedArray): NamedArray {
  const G = GATES[kind];
  const n = w.shape[1];
  const out = new Float32Array(n * G * H);
  TORCH_BLOCK[kind].forEach((src, k) => {
    for (let j = 0; j < H; j++) {
      const row = (src * H + j) * n;
      for (let i = 0; i < n; i++) out[i * G * H + k * H + j] = w.data[row + i];
    }
  });
  return { shape: [n, G * H], data: out };
}

/** The inverse of packMatrix: [n, G·H] → [G·H, n]. */
function unpackMatrix(kind: CellKind, H: number, w: NamedArray): NamedArray {
  const G = GATES[kind];
  const n = w.shape[0];
  const out = new Float32Array(G * H * n);
  TORCH_BLOCK[kind].forEach((src, k) => {
    for (let j = 0; j < H; j++) {
      const row = (src * H + j) * n;
      for (let i = 0; i < n; i++) out[row + i] = w.data[i * G * H + k * H + j];
    }
  });
  return { shape: [G * H, n], data: out };
}

/** a + b, except that a zero b leaves a's bits as they are. */
const addBias = (a: number, b: number): number => (b === 0 ? a : Math.fround(a + b));

/** A PyTorch layer in Seqlab's layout (shapes already checked by the caller). */
export function packTorchLayer(kind: CellKind, H: number, t: TorchLayer, variant: GruVariant = 'd2l'): PackedLayer {
  const G = GATES[kind];
  const resetAfter = kind === 'gru' && variant === 'pytorch';
  const b = new Float32Array(G * H);
  TORCH_BLOCK[kind].forEach((src, k) => {
    for (let j = 0; j < H; j++) {
      const ih = t.bias_ih.data[src * H + j];
      const hh = t.bias_hh.data[src * H + j];
      b[k * H + j] = resetAfter && k === 2 ? ih : addBias(ih, hh);
    }
  });
  const out: PackedLayer = { wx: packMatrix(kind, H, t.weight_ih), wh: packMatrix(kind, H, t.weight_hh), b: { shape: [G * H], data: b } };
  if (resetAfter) out.bhn = { shape: [H], data: t.bias_hh.data.slice(2 * H, 3 * H) };
  return out;
}

/** Seqlab's layer in PyTorch's names' layout: the bias in bias_ih, bias_hh zero but for b_hn. */
export function unpackToTorch(kind: CellKind, H: number, p: PackedLayer): TorchLayer {
  const G = GATES[kind];
  const bih = new Float32Array(G * H);
  const bhh = new Float32Array(G * H);
  TORCH_BLOCK[kind].forEach((src, k) => bih.set(p.b.data.subarray(k * H, (k + 1) * H), src * H));
  if (p.bhn) bhh.set(p.bhn.data, 2 * H);
  return {
    weight_ih: unpackMatrix(kind, H, p.wx),
    weight_hh: unpackMatrix(kind, H, p.wh),
    bias_ih: { shape: [G * H], data: bih },
    bias_hh: { shape: [G * H], data: bhh },
  };
}

/** nn.Linear's weight [out, in] ↔ Seqlab's [in, out]. */
export function transpose2d(w: NamedArray): NamedArray {
  const [r, c] = w.shape;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = w.data[i * c + j];
  return { shape: [c, r], data: out };
}
