// The d2l 8.1 and 8.7 experiments from the extension: Sequence Model Lab's k-step errors and
// the BPTT explorer's gradient norms, computed off the extension host's thread.
import * as assert from 'node:assert/strict';
import { api, closeAll, expectUserError, run } from './helpers';

suite('Sequence Model Lab and BPTT explorer', function () {
  this.timeout(180_000);
  teardown(closeAll);

  test('sine MLP (τ = 4): errors grow with the prediction horizon k = 1, 4, 16, 64 (d2l 8.1)', async () => {
    const a = await api();
    const r = await run<{ trainMse: number; onestepMse: number; multistepMse: number; kStepMse: Record<string, number> }>(a, 'seqlab.sequenceModelLab', { tau: 4, epochs: 5, seed: 0 });
    assert.deepEqual(Object.keys(r.kStepMse).sort((x, y) => Number(x) - Number(y)), ['1', '4', '16', '64']);
    // 1-step predictions are about as good as the noise allows (σ² = 0.04); far horizons are not.
    assert.ok(r.onestepMse < 0.1, `1-step MSE ${r.onestepMse}`);
    assert.ok(r.kStepMse['1'] < r.kStepMse['16'] && r.kStepMse['16'] < r.kStepMse['64'], JSON.stringify(r.kStepMse));
    assert.ok(r.multistepMse > r.onestepMse);
  });

  test('BPTT: gradient norms for RNN, GRU and LSTM over 50 steps', async () => {
    const a = await api();
    const r = await run<{ kind: string; ratio: number; steps: number }[]>(a, 'seqlab.bpttExplorer', { steps: 50, hidden: 32, seed: 0 });
    assert.deepEqual(r.map((x) => x.kind), ['rnn', 'gru', 'lstm']);
    for (const x of r) {
      assert.equal(x.steps, 50);
      assert.ok(Number.isFinite(x.ratio) && x.ratio > 0, `${x.kind} ratio ${x.ratio}`);
    }
  });

  test('bad lab parameters: clear message', async () => {
    const a = await api();
    const msg = await expectUserError(a, 'seqlab.sequenceModelLab', { tau: 0 });
    assert.equal(msg, 'τ must be a whole number from 1 to 64, got 0.');
  });
});
