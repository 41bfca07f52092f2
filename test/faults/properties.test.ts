/**
 * Property tests (fast-check): laws that must hold for every input, not just the textbook's.
 * Tokenizers (BPE round-trips arbitrary Unicode; offsets tile the input), Vocab order (d2l:
 * <unk>, reserved, then by falling frequency, ties in first-seen order), d2l's random and
 * sequential partitions (Y is X shifted by one in the corpus; sequential rows continue), and
 * every webview message schema (random messages are rejected or parsed, never thrown on).
 * A failure prints the seed and the shrunk counterexample; `FC_SEED=… npm run test:faults` replays it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import { BpeTokenizer } from '../../src/core/text/bpe';
import { charTokenizer, wordTokenizer, type Tokenizer } from '../../src/core/text/tokenizer';
import { Vocab, UNK } from '../../src/core/text/vocab';
import { seqDataIterRandom, seqDataIterSequential } from '../../src/core/data/batches';
import { Rng } from '../../src/core/util/random';
import * as protocol from '../../src/protocol';
import { parseMessage } from '../../src/protocol';

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;
const params = (numRuns: number) => ({ numRuns, seed });
console.log(`fast-check seed ${seed}`);

/** Any Unicode text: full code points (astral planes, combining marks, controls, lone surrogates excluded). */
const unicode = fc.string({ unit: 'grapheme', maxLength: 60 });
const anyText = fc.oneof(unicode, fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ maxLength: 60 }));

function assertTiles(tokenizer: Tokenizer, line: string, covered: (gap: string) => boolean): void {
  const tokens = tokenizer.tokenizeLine(line);
  let pos = 0;
  let prev: { start: number; end: number } | undefined;
  for (const t of tokens) {
    // BPE's byte fallback spells one character as several <0xNN> tokens sharing its span.
    if (prev && /^<0x[0-9A-F]{2}>$/.test(t.text) && t.start === prev.start && t.end === prev.end) continue;
    prev = t;
    assert.ok(t.start >= pos && t.end > t.start && t.end <= line.length, `bad span [${t.start},${t.end}) after ${pos} in ${JSON.stringify(line)}`);
    assert.ok(covered(line.slice(pos, t.start)), `uncovered ${JSON.stringify(line.slice(pos, t.start))}`);
    pos = t.end;
  }
  assert.ok(covered(line.slice(pos)), `uncovered tail ${JSON.stringify(line.slice(pos))}`);
}

describe('tokenizers on arbitrary Unicode', () => {
  test('BPE: decode(tokens) is the input, and the offsets tile it without gaps', () => {
    fc.assert(
      fc.property(anyText, anyText, fc.integer({ min: 0, max: 40 }), (train, line, merges) => {
        const bpe = BpeTokenizer.train(train, merges);
        const tokens = bpe.tokenizeLine(line);
        assert.equal(bpe.decode(tokens.map((t) => t.text)), line);
        assertTiles(bpe, line, (gap) => gap === '');
      }),
      params(300),
    );
  });
  test('char: one token per code point, covering the input exactly', () => {
    fc.assert(
      fc.property(anyText, (line) => {
        const tokens = charTokenizer.tokenizeLine(line);
        assert.equal(tokens.map((t) => t.text).join(''), line);
        assertTiles(charTokenizer, line, (gap) => gap === '');
        for (const t of tokens) assert.equal(line.slice(t.start, t.end), t.text);
      }),
      params(300),
    );
  });
  test('word: tokens are their source slices and only whitespace lies between them', () => {
    fc.assert(
      fc.property(anyText, (line) => {
        for (const t of wordTokenizer.tokenizeLine(line)) assert.equal(line.slice(t.start, t.end), t.text);
        assertTiles(wordTokenizer, line, (gap) => /^\s*$/u.test(gap));
      }),
      params(300),
    );
  });
});

describe('Vocab order (d2l 9.2)', () => {
  test('<unk> first, reserved next, then by falling count with ties in first-seen order; ids round-trip', () => {
    const token = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'the', 'é', '𝒳', '<pad>', UNK);
    fc.assert(
      fc.property(fc.array(token, { maxLength: 80 }), fc.uniqueArray(fc.constantFrom<string>('<pad>', '<bos>', '<eos>'), { maxLength: 3 }), fc.integer({ min: 0, max: 4 }), (tokens, reserved, minFreq) => {
        const v = Vocab.build(tokens, { reserved, minFreq });
        assert.equal(v.idxToToken[0], UNK);
        assert.deepEqual(v.idxToToken.slice(1, 1 + reserved.filter((t) => t !== UNK).length), reserved.filter((t) => t !== UNK));
        const counts = new Map<string, number>();
        const first = new Map<string, number>();
        tokens.forEach((t, i) => {
          counts.set(t, (counts.get(t) ?? 0) + 1);
          if (!first.has(t)) first.set(t, i);
        });
        const rest = v.idxToToken.slice(1 + reserved.filter((t) => t !== UNK).length);
        for (let i = 1; i < rest.length; i++) {
          const [a, b] = [rest[i - 1], rest[i]];
          const ca = counts.get(a)!;
          const cb = counts.get(b)!;
          assert.ok(ca > cb || (ca === cb && first.get(a)! < first.get(b)!), `${a}(${ca}) before ${b}(${cb})`);
        }
        for (const t of counts.keys()) {
          const expected = counts.get(t)! >= minFreq || reserved.includes(t) || t === UNK;
          assert.equal(v.has(t) && v.indexOf(t) !== v.unk ? true : t === UNK, expected || t === UNK ? true : false, t);
        }
        assert.deepEqual(v.toTokens(v.toIndices(rest)), rest);
        assert.deepEqual(Vocab.fromJSON(JSON.parse(JSON.stringify(v.toJSON()))).idxToToken, v.idxToToken);
      }),
      params(300),
    );
  });
});

describe("d2l's partitions (8.3.4)", () => {
  const shape = fc.record({ n: fc.integer({ min: 2, max: 400 }), batch: fc.integer({ min: 1, max: 8 }), steps: fc.integer({ min: 1, max: 12 }), seed: fc.integer({ min: 0, max: 1000 }) });
  const corpusOf = (n: number) => Array.from({ length: n }, (_, i) => i);
  const batchesOf = (gen: () => Generator<{ X: number[][]; Y: number[][] }>) => {
    try {
      return [...gen()];
    } catch (err) {
      assert.match((err as Error).message, /too short/);
      return null;
    }
  };
  test('random: every row is a window of the corpus, Y = X + 1, no window twice', () => {
    fc.assert(
      fc.property(shape, ({ n, batch, steps, seed: s }) => {
        const corpus = corpusOf(n);
        const batches = batchesOf(() => seqDataIterRandom(corpus, batch, steps, new Rng(s)));
        if (!batches) return;
        const starts = new Set<number>();
        for (const { X, Y } of batches) {
          assert.equal(X.length, batch);
          X.forEach((x, r) => {
            assert.equal(x.length, steps);
            x.forEach((v, t) => assert.equal(v, x[0] + t));
            assert.deepEqual(Y[r], x.map((v) => v + 1));
            assert.ok(!starts.has(x[0]), 'a window served twice');
            starts.add(x[0]);
          });
        }
      }),
      params(300),
    );
  });
  test('sequential: row r of a batch continues row r of the previous batch, Y = X + 1', () => {
    fc.assert(
      fc.property(shape, ({ n, batch, steps, seed: s }) => {
        const corpus = corpusOf(n);
        const batches = batchesOf(() => seqDataIterSequential(corpus, batch, steps, new Rng(s)));
        if (!batches) return;
        batches.forEach(({ X, Y }, b) => {
          X.forEach((x, r) => {
            assert.equal(x.length, steps);
            x.forEach((v, t) => assert.equal(v, x[0] + t));
            assert.deepEqual(Y[r], x.map((v) => v + 1));
            if (b > 0) assert.equal(x[0], batches[b - 1].X[r][steps - 1] + 1);
          });
        });
      }),
      params(300),
    );
  });
});

describe('webview message schemas', () => {
  const schemas = (Object.entries(protocol) as [string, unknown][]).filter((e): e is [string, z.ZodType] => e[1] instanceof z.ZodType);
  /** The `type` literals a discriminated union accepts, so random messages often get past the tag. */
  const typesOf = (s: z.ZodType): string[] => {
    const opts = (s as unknown as { options?: z.ZodType[] }).options;
    if (!Array.isArray(opts)) return [];
    return opts.flatMap((o) => {
      const t = (o as unknown as { shape?: { type?: { value?: unknown } } }).shape?.type?.value;
      return typeof t === 'string' ? [t] : [];
    });
  };
  const message = (types: string[]) =>
    fc.oneof(
      fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }),
      fc.record({
        type: types.length ? fc.constantFrom(...types) : fc.string(),
        id: fc.oneof(fc.nat(), fc.double(), fc.string()),
        method: fc.constantFrom('control', 'record', 'decode', 'run', 'compute', 'x'),
        params: fc.anything({ withNullPrototype: true }),
      }, { requiredKeys: ['type'] }),
    );
  test(`every schema (${schemas.length}) rejects or parses random messages, never throws`, () => {
    assert.ok(schemas.length >= 20, `found only ${schemas.length} schemas in src/protocol`);
    for (const [name, schema] of schemas) {
      fc.assert(
        fc.property(message(typesOf(schema)), (raw) => {
          let r: ReturnType<typeof parseMessage>;
          try {
            r = parseMessage(schema, raw);
          } catch (err) {
            assert.fail(`${name} threw on ${fc.stringify(raw)}: ${(err as Error).message}`);
          }
          if (r.ok) assert.equal(schema.safeParse(r.value).success, true, `${name}: a parsed message re-parses`);
          else assert.match(r.error, /^invalid "/);
        }),
        params(150),
      );
    }
  });
});
