import * as tf from '@tensorflow/tfjs';

/**
 * nn.Embedding's lookup: rows of `table` [V, E] for int32 ids of any shape → [...ids, E].
 * The gradient is a scatter-add of the output gradient into the rows that were read, done
 * here in plain JS: tfjs's own (gather's UnsortedSegmentSum) costs O(V · ids) on the cpu
 * backend — over a second per batch at the book's sizes — and is missing on wasm.
 */
export function embeddingLookup(table: tf.Tensor2D | tf.Variable, ids: tf.Tensor): tf.Tensor {
  const [V, E] = table.shape as [number, number];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, i] = args as [tf.Tensor, tf.Tensor];
    const value = tf.gather(t, i.flatten()).reshape([...i.shape, E]);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
      const idx = i.dataSync();
      const g = (Array.isArray(dy) ? dy[0] : dy).dataSync();
      const out = new Float32Array(V * E);
      for (let r = 0; r < idx.length; r++) {
        const o = idx[r] * E;
        const s = r * E;
        for (let j = 0; j < E; j++) out[o + j] += g[s + j];
      }
      return [tf.tensor2d(out, [V, E]), tf.zerosLike(i)];
    };
    return { value, gradFunc };
  });
  return op(table, ids) as tf.Tensor;
}
