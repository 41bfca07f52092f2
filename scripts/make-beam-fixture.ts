/**
 * Writes test/fixtures/beam/previous-beam.json: greedy and beam-search results (tokens, Σ log P,
 * final score, tree shape) of fixed seeded translators, a plain seq2seq and a Bahdanau attention
 * model with a 600-word target vocabulary, on the pure TypeScript kernel. test/unit/beam-fast.test.ts
 * checks that today's decoders reproduce them on every kernel path.
 *
 * The committed file was made by the beam search before its C top-k (commit e08c803), so it pins
 * that implementation's results:
 *
 *   git archive e08c803 | tar -x -C /tmp/old && ln -s "$PWD/node_modules" /tmp/old/node_modules
 *   npx tsx scripts/make-beam-fixture.ts /tmp/old e08c803
 *
 * Without an argument it runs this tree's sources (a check that nothing changed, not a new pin).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The fixture's models and searches (the test rebuilds the same models from these). */
export const BEAM_FIXTURE = {
  config: { srcVocabSize: 97, tgtVocabSize: 600, embedSize: 16, numHiddens: 32, numLayers: 2, dropout: 0 },
  seeds: [3, 4],
  sources: [
    { ids: [5, 9, 3, 1, 1, 1, 1, 1], validLen: 3 },
    { ids: [17, 40, 8, 22, 3, 1, 1, 1], validLen: 5 },
  ],
  searches: [
    { beam: 1, tree: false },
    { beam: 4, tree: false },
    { beam: 4, tree: true },
    { beam: 4, tree: true, treeChildren: 6, lengthPenalty: 'wu', minLen: 3 },
    { beam: 3, tree: false, noRepeatNgram: 2 },
  ],
  decode: { bos: 2, eos: 3, maxLen: 20, alpha: 0.75 },
} as const;

async function main(): Promise<void> {
  const root = resolve(process.argv[2] ?? join(__dirname, '..'));
  const { initBackend } = await import(join(root, 'src/core/backend'));
  const { Seq2Seq } = await import(join(root, 'src/core/translation/seq2seq/model'));
  const { Seq2SeqAttention } = await import(join(root, 'src/core/translation/attention/model'));
  const { beamSearch } = await import(join(root, 'src/core/decoding/beam'));
  const { greedySearch } = await import(join(root, 'src/core/decoding/greedy'));
  await initBackend({ backend: 'wasm' });
  const cases: unknown[] = [];
  for (const [arch, Model] of [['seq2seq', Seq2Seq], ['attention', Seq2SeqAttention]] as const) {
    for (const seed of BEAM_FIXTURE.seeds) {
      const model = new Model(BEAM_FIXTURE.config, seed);
      for (const [s, src] of BEAM_FIXTURE.sources.entries()) {
        for (const [q, search] of BEAM_FIXTURE.searches.entries()) {
          const dec = model.startDecoding(src.ids, src.validLen);
          const opts = { ...BEAM_FIXTURE.decode, ...search };
          const hyps = search.beam === 1 ? [greedySearch(dec.step, dec.init, opts)] : beamSearch(dec.step, dec.init, opts).hypotheses;
          const tree = search.tree ? beamSearch(dec.step, dec.init, opts).tree : undefined;
          cases.push({
            arch, seed, source: s, search: q,
            hypotheses: hyps.map((h: { tokens: number[]; logProb: number; score: number; finished: boolean }) => ({ tokens: h.tokens, logProb: h.logProb, score: h.score, finished: h.finished })),
            ...(tree ? { tree: tree.nodes.map((n: { parent: number | null; token: number; status: string }) => [n.parent, n.token, n.status]) } : {}),
          });
          dec.dispose();
        }
      }
      model.dispose();
    }
  }
  const out = join(__dirname, '../test/fixtures/beam');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'previous-beam.json'), JSON.stringify({ madeFrom: process.argv[3] ?? 'this tree', cases }) + '\n');
  console.log(`wrote ${cases.length} cases to ${join(out, 'previous-beam.json')}`);
}

if (require.main === module) void main();
