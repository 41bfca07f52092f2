import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { seqDataIterRandom, seqDataIterSequential, splitCorpus } from '../../src/core/data/batches';
import { loadCorpusText, parseRangeCorpus, readTextFile } from '../../src/core/data/corpus';
import { resolveDataset, sha1 } from '../../src/core/data/resolve';
import { DATASETS } from '../../src/core/data/registry';
import { lagFeatures, noisySine } from '../../src/core/data/sine';
import { Rng } from '../../src/core/util/random';

const tmp = () => mkdtempSync(join(tmpdir(), 'seqlab-test-'));

describe('minibatches (d2l 8.3.4) on range:35, batch 2, 5 steps', () => {
  const corpus = parseRangeCorpus('range:35')!;
  test('random partitioning: Y = X + 1 and each subsequence appears once per epoch', () => {
    for (let seed = 0; seed < 20; seed++) {
      const batches = [...seqDataIterRandom(corpus, 2, 5, new Rng(seed))];
      assert.equal(batches.length, 3);
      const starts = batches.flatMap((b) => b.X.map((x) => x[0]));
      assert.equal(new Set(starts).size, starts.length, 'no subsequence twice');
      const offset = Math.min(...starts) % 5;
      assert.ok(starts.every((s) => (s - offset) % 5 === 0), 'non-overlapping, on one grid');
      for (const b of batches) {
        b.X.forEach((x, i) => {
          assert.equal(x.length, 5);
          assert.deepEqual(b.Y[i], x.map((v) => v + 1));
          assert.deepEqual(x, Array.from({ length: 5 }, (_, k) => x[0] + k), 'contiguous');
        });
      }
    }
  });
  test('sequential partitioning: row i of each batch continues row i of the previous one', () => {
    for (let seed = 0; seed < 20; seed++) {
      const batches = [...seqDataIterSequential(corpus, 2, 5, new Rng(seed))];
      assert.ok(batches.length >= 2);
      for (let k = 1; k < batches.length; k++) {
        for (let r = 0; r < 2; r++) assert.equal(batches[k].X[r][0], batches[k - 1].X[r][4] + 1);
      }
      for (const b of batches) b.X.forEach((x, i) => assert.deepEqual(b.Y[i], x.map((v) => v + 1)));
    }
  });
  test('the same seed gives the same batches', () => {
    assert.deepEqual([...seqDataIterRandom(corpus, 2, 5, new Rng(7))], [...seqDataIterRandom(corpus, 2, 5, new Rng(7))]);
  });
  test('steps longer than the corpus: a clear error', () => {
    assert.throws(() => [...seqDataIterRandom(corpus, 2, 40, new Rng(0))], /too short/);
    assert.throws(() => [...seqDataIterSequential(corpus, 0, 5, new Rng(0))], /batch size must be a positive/);
  });
  test('split by position', () => {
    assert.deepEqual(splitCorpus([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0.9), { train: [0, 1, 2, 3, 4, 5, 6, 7, 8], valid: [9] });
    assert.throws(() => splitCorpus([1], 0), /split must be/);
  });
});

describe('noisy sine (d2l 8.1)', () => {
  test('T = 1000 around sin(0.01 t) with noise 0.2, τ-lag features', () => {
    const x = noisySine(1000, 0);
    assert.equal(x.length, 1000);
    let sq = 0;
    for (let t = 1; t <= 1000; t++) sq += (x[t - 1] - Math.sin(0.01 * t)) ** 2;
    const std = Math.sqrt(sq / 1000);
    assert.ok(std > 0.17 && std < 0.23, `noise std ${std}`);
    const { features, labels } = lagFeatures(x, 4);
    assert.equal(features.length, 996);
    assert.deepEqual([...features[0]], [...x.slice(0, 4)]);
    assert.equal(labels[0], x[4]);
    assert.throws(() => lagFeatures(x, 0), /τ must be/);
  });
});

describe('corpus files and bad input', () => {
  test('missing, binary, huge, folder', () => {
    const dir = tmp();
    assert.throws(() => readTextFile(join(dir, 'nope.txt')), /does not exist/);
    writeFileSync(join(dir, 'bin.dat'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2]));
    assert.throws(() => readTextFile(join(dir, 'bin.dat')), /binary/);
    writeFileSync(join(dir, 'big.txt'), 'x'.repeat(2048));
    assert.throws(() => readTextFile(join(dir, 'big.txt'), 1024), /reads text files up to/);
    assert.throws(() => readTextFile(dir), /is a folder/);
  });
  test('fra-eng corpus is its English side by default and French with :fr', async () => {
    const en = await loadCorpusText('fra-eng');
    const fr = await loadCorpusText('fra-eng:fr');
    assert.equal(en.text.split('\n')[0], 'Go.');
    assert.equal(fr.text.split('\n')[0], 'Va !');
  });
});

describe('data set resolution', () => {
  const SAVED = process.env.SEQLAB_DATA_DIR;
  const withoutEnv = async (fn: () => Promise<void>) => {
    delete process.env.SEQLAB_DATA_DIR;
    try {
      await fn();
    } finally {
      if (SAVED !== undefined) process.env.SEQLAB_DATA_DIR = SAVED;
    }
  };
  test('order: setting, environment, bundled, cache', async () => {
    const [a, b, c] = [tmp(), tmp(), tmp()];
    for (const d of [a, b, c]) writeFileSync(join(d, 'timemachine.txt'), 'x');
    process.env.SEQLAB_DATA_DIR = b;
    try {
      assert.equal((await resolveDataset('timemachine', { dataDirectory: a, bundledDirectory: c })).source, 'setting');
      assert.equal((await resolveDataset('timemachine', { bundledDirectory: c })).source, 'environment');
    } finally {
      if (SAVED !== undefined) process.env.SEQLAB_DATA_DIR = SAVED;
      else delete process.env.SEQLAB_DATA_DIR;
    }
    await withoutEnv(async () => {
      assert.equal((await resolveDataset('timemachine', { bundledDirectory: c, cacheDirectory: a })).source, 'bundled');
      assert.equal((await resolveDataset('timemachine', { bundledDirectory: tmp(), cacheDirectory: a })).source, 'cache');
    });
  });
  test('offline with no copy: a clear error that says where to put the file, no partial file', async () => {
    await withoutEnv(async () => {
      const cache = tmp();
      await assert.rejects(
        resolveDataset('timemachine', { cacheDirectory: cache, fetchBytes: async () => Promise.reject(new Error('getaddrinfo ENOTFOUND')) }),
        /Offline\? Put timemachine.txt into/,
      );
      await assert.rejects(resolveDataset('timemachine', {}), /seqlab.dataDirectory setting or SEQLAB_DATA_DIR/);
      assert.deepEqual(readdirSync(cache), []);
    });
  });
  test('download from a local server: checksum verified, zip unpacked, corrupt download refused', async () => {
    const tm = readFileSync(join(process.env.SEQLAB_DATA_DIR!, 'timemachine.txt'));
    const fake = zipSync({ 'fra-eng/fra.txt': new TextEncoder().encode('Go.\tVa !\n') });
    const server = createServer((req, res) => res.end(req.url?.endsWith('timemachine.txt') ? tm : Buffer.from(fake)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const local = (url: string) => `http://127.0.0.1:${port}/${url.split('/').pop()}`;
    const fetchBytes = async (url: string, ms: number) => new Uint8Array(await (await fetch(local(url), { signal: AbortSignal.timeout(ms) })).arrayBuffer());
    try {
      await withoutEnv(async () => {
        const cache = tmp();
        const r = await resolveDataset('timemachine', { cacheDirectory: cache, fetchBytes });
        assert.equal(r.source, 'download');
        assert.equal(sha1(readFileSync(r.path)), DATASETS.timemachine.fileSha1);
        assert.equal((await resolveDataset('timemachine', { cacheDirectory: cache, fetchBytes })).source, 'cache');
        // The fake zip's checksum is not the textbook's: refused, nothing written.
        await assert.rejects(resolveDataset('fra-eng', { cacheDirectory: cache, fetchBytes }), /corrupt \(SHA-1 mismatch\)/);
        assert.deepEqual(readdirSync(cache), ['timemachine.txt']);
      });
    } finally {
      server.close();
    }
  });
});
