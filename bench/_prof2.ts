import { initBackend } from '../src/core/backend';
import { selectKernelPath, currentKernel } from '../src/core/kernels';
import { attentionLoopKernel, attentionWtsSize } from '../src/core/kernels/attention-kernel';
async function main() {
  await initBackend({ backend: 'wasm' });
  await selectKernelPath();
  const k = attentionLoopKernel(currentKernel())!;
  const d = { T: 9, B: 128, Tk: 9, E: 256, H: 256, L: 2 };
  const r = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 0.1);
  const x = { emb: r(d.T * d.B * d.E), enc: r(d.B * d.Tk * d.H), pk: r(d.B * d.Tk * d.H), vlen: new Int32Array(d.B).fill(7), h0: r(d.L * d.B * d.H), wq: r(d.H * d.H), wv: r(d.H), wts: r(attentionWtsSize(d)), attMask: null, layerMask: null };
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const f = k.forward(d, x);
    const t1 = performance.now();
    k.backward(d, f, r(d.T * d.B * d.H), null);
    const t2 = performance.now();
    console.log(`forward ${(t1 - t0).toFixed(1)} ms, backward ${(t2 - t1).toFixed(1)} ms`);
  }
}
void main();
