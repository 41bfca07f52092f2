/**
 * Issue 15's engine/CLI cases, each as the user meets it: a wrong answer refused, a run kept,
 * one sentence instead of a stack trace. Process-level cases (kills, signals, EPIPE, two
 * writers at once, full disk) are in test/faults/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { initBackend } from '../../src/core/backend';
import { readCheckpoint } from '../../src/core/training/checkpoint';
import { LOCK_FILE, prepareOutDir } from '../../src/core/training/out-dir';
import { describeInternalError } from '../../src/cli/main';
import { estimateLMBytes, parseLMConfig } from '../../src/core/training/lm-config';
import { LIMITS } from '../../src/core/util/limits';
import { runCli } from './helpers/cli';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'seqlab-trust-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
before(async () => {
  await initBackend({ backend: 'cpu' });
});

const LM = ['train-lm', '--corpus', 'timemachine', '--max-tokens', '2000', '--hidden', '8', '--batch', '4', '--steps', '10', '--sample-length', '0', '--backend', 'cpu'];
const MT = ['train-mt', '--pairs', 'fra-eng', '--num-examples', '60', '--hidden', '8', '--embed', '8', '--layers', '1', '--backend', 'cpu'];

describe('5. a diverged loss stops the run with one sentence and keeps the last good checkpoint', () => {
  test('train-lm --lr 1e30: exit 1, "diverged at epoch E, step S", the epoch-1 checkpoint intact', async () => {
    const out = tmp();
    assert.equal((await runCli(...LM, '--epochs', '1', '--out', out, '--json')).code, 0);
    const r = await runCli(...LM, '--epochs', '3', '--lr', '1e30', '--out', out, '--resume', '--json');
    assert.equal(r.code, 1);
    assert.match(r.err, /^seqlab: The loss diverged at epoch 2, step \d+; lower the learning rate\.$/m);
    assert.equal(readCheckpoint(out).epoch, 1);
  });
  test('train-mt --lr 1e30: the same sentence, non-zero exit', async () => {
    const r = await runCli(...MT, '--epochs', '3', '--lr', '1e30', '--out', join(tmp(), 'mt'), '--json');
    assert.equal(r.code, 1);
    assert.match(r.err, /The loss diverged at epoch \d+, step \d+; lower the learning rate\./);
  });
});

describe('6. strict UTF-8 over the whole file, with the first bad byte', () => {
  test('a file that turns Latin-1 after 64 KB is refused at that byte', async () => {
    const file = join(tmp(), 'late-latin1.txt');
    const head = Buffer.from('the time traveller '.repeat(4000)); // 76 KB of ASCII
    writeFileSync(file, Buffer.concat([head, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])]));
    const r = await runCli('tokenize', '--file', file, '--json');
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`not UTF-8 text: the byte 0xE9 at offset ${(head.length + 3).toLocaleString('en-US')} is not valid UTF-8`));
    const t = await runCli(...LM, '--corpus', file, '--epochs', '1');
    assert.match(t.err, /not UTF-8 text/);
  });
  test('a short Latin-1 "café" is refused, not tokenized as "caf"', async () => {
    const file = join(tmp(), 'cafe.txt');
    writeFileSync(file, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    const r = await runCli('tokenize', '--token', 'word', '--mode', 'raw', '--file', file, '--json');
    assert.equal(r.code, 1);
    assert.match(r.err, /the byte 0xE9 at offset 3 is not valid UTF-8/);
    const ok = join(tmp(), 'cafe-utf8.txt');
    writeFileSync(ok, 'café');
    const good = await runCli('tokenize', '--token', 'word', '--mode', 'raw', '--file', ok, '--json');
    assert.deepEqual(JSON.parse(good.out).tokens, ['café']);
  });
});

describe('7. every checkpoint file is checksummed (translator)', () => {
  test('translate and train-mt --resume refuse swapped target-vocabulary tokens', async () => {
    const out = join(tmp(), 'mt');
    assert.equal((await runCli(...MT, '--epochs', '1', '--out', out, '--json')).code, 0);
    const path = join(readCheckpoint(out).dir, 'tgt-vocab.json');
    const vocab = JSON.parse(readFileSync(path, 'utf8'));
    [vocab.idxToToken[4], vocab.idxToToken[5]] = [vocab.idxToToken[5], vocab.idxToToken[4]];
    writeFileSync(path, JSON.stringify(vocab));
    const tr = await runCli('translate', '--checkpoint', out, '--backend', 'cpu', 'go .');
    assert.equal(tr.code, 1);
    assert.match(tr.err, /^seqlab: The checkpoint is corrupted: tgt-vocab.json does not match its checksum/);
    const re = await runCli(...MT, '--epochs', '2', '--out', out, '--resume');
    assert.match(re.err, /tgt-vocab.json does not match its checksum/);
  });
});

describe('8. the node backend falling back to cpu says so', () => {
  test('seqlab info --backend node names the fallback; the training warning line too', async () => {
    const r = await runCli('info', '--backend', 'node');
    assert.match(r.out, /backend: cpu \(requested node\)\n {2}fallback: The node backend is not available here .*cpu backend instead/);
    const t = await runCli('generate', '--checkpoint', join(tmp(), 'none'), '--backend', 'node');
    assert.match(t.err, /^seqlab: warning: The node backend is not available here/m);
    await initBackend({ backend: 'cpu' });
  });
});

describe('9 and 17. --out is checked before any training', () => {
  test('train-lm refuses a folder holding a checkpoint without --resume or --force; --force replaces it', async () => {
    const out = tmp();
    assert.equal((await runCli(...LM, '--epochs', '1', '--out', out)).code, 0);
    const again = await runCli(...LM, '--epochs', '1', '--out', out);
    assert.equal(again.code, 1);
    assert.match(again.err, /already holds a checkpoint \(epoch 1\); pass --resume to continue it, --force to replace it/);
    assert.equal(readCheckpoint(out).epoch, 1);
    const forced = await runCli(...LM, '--epochs', '2', '--out', out, '--force');
    assert.equal(forced.code, 0);
    assert.match(forced.err, /--force: the checkpoint \(epoch 1\)/);
    assert.equal(readCheckpoint(out).epoch, 2);
  });
  test('--out naming a file fails at once, before the backend, the corpus or any epoch', async () => {
    const file = join(tmp(), 'a-file');
    writeFileSync(file, 'x');
    const t0 = performance.now();
    const r = await runCli(...LM, '--epochs', '50', '--out', file);
    assert.equal(r.code, 2);
    assert.equal(r.err, `seqlab: --out ${file} is a file; checkpoints need a folder.`);
    assert.ok(performance.now() - t0 < 1000);
    const m = await runCli(...MT, '--epochs', '50', '--out', file);
    assert.equal(m.err, `seqlab: --out ${file} is a file; checkpoints need a folder.`);
  });
});

describe('10. --resume with other options', () => {
  test('a changed model size or tokenizer is refused naming the options; epochs and lr apply and are listed', async () => {
    const out = tmp();
    assert.equal((await runCli(...LM, '--epochs', '1', '--out', out)).code, 0);
    const bad = await runCli(...LM, '--epochs', '2', '--out', out, '--resume', '--hidden', '16', '--token', 'word');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /resuming cannot change token "word" \(the checkpoint has "char"\), hidden 16 \(the checkpoint has 8\); resume without them/);
    const ok = await runCli(...LM, '--epochs', '2', '--lr', '0.5', '--out', out, '--resume');
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /Resuming with lr 0.5 \(was 1\), epochs 2 \(was 1\)\./);
    const saved = JSON.parse(readFileSync(join(readCheckpoint(out).dir, 'config.json'), 'utf8'));
    assert.equal(saved.config.lr, 0.5);
  });
  test('train-mt --resume refuses a changed model size', async () => {
    const out = join(tmp(), 'mt');
    assert.equal((await runCli(...MT, '--epochs', '1', '--out', out)).code, 0);
    const bad = await runCli(...MT, '--epochs', '2', '--out', out, '--resume', '--hidden', '16');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /resuming cannot change numHiddens 16 \(the checkpoint has 8\)/);
  });
});

describe('12. one writer per --out', () => {
  test('a live owner refuses a second run with one sentence; a dead owner\'s lock is taken over with a note', () => {
    const out = tmp();
    // A live pid that is not ours: this test's parent.
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: (require('node:os') as typeof import('node:os')).hostname(), started: 'then' }));
    assert.throws(() => prepareOutDir(out, { resume: false, force: false }), new RegExp(`is in use by another training run \\(pid ${process.ppid}, started then\\)`));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: dead, host: (require('node:os') as typeof import('node:os')).hostname(), started: 'then' }));
    const notes: string[] = [];
    const lock = prepareOutDir(out, { resume: false, force: false }, notes);
    assert.deepEqual(notes, [`Took over the lock of ${out} from a training run that is no longer running (pid ${dead}).`]);
    assert.equal(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')).pid, process.pid);
    lock.release();
    assert.equal(existsSync(join(out, LOCK_FILE)), false);
  });
});

describe('13. every count option is capped, from one table', () => {
  const cases: [string[], RegExp][] = [
    [['translate', '--checkpoint', '/nonexistent', '--beam', '100000', 'go .'], /--beam is 100,000; Seqlab accepts at most 100 \(the beam size\)/],
    [['translate', '--checkpoint', '/nonexistent', '--max-len', '5000', 'go .'], /--max-len is 5,000; Seqlab accepts at most 1,000/],
    [['generate', '--checkpoint', '/nonexistent', '--length', '1000000'], /--length is 1,000,000; Seqlab accepts at most 100,000/],
    [['sine', '--epochs', '1000000'], /--epochs is 1,000,000; Seqlab accepts at most 1,000/],
    [['ngram-lm', '--generate', '10000000'], /--generate is 10,000,000; Seqlab accepts at most 100,000/],
    [['train-lm', '--epochs', '1000000000'], /The number of epochs is 1,000,000,000; Seqlab accepts at most 100,000/],
    [['train-mt', '--pairs', 'fra-eng', '--epochs', '1000000000', '--out', '/tmp/x'], /--epochs is 1,000,000,000; Seqlab accepts at most 100,000/],
    [['bleu', '--pred', 'a', '--label', 'a', '--k', '1000'], /--k is 1,000; Seqlab accepts at most 100/],
  ];
  for (const [argv, re] of cases) {
    test(`seqlab ${argv.slice(0, 1).concat(argv.filter((a) => a.startsWith('--') && !['--checkpoint', '--pairs', '--out', '--pred', '--label'].includes(a))).join(' ')}`, async () => {
      const r = await runCli(...argv);
      assert.notEqual(r.code, 0);
      assert.match(r.err, re);
      assert.doesNotMatch(r.err, /\n\s+at /);
    });
  }
  test('the extension path (a job config) meets the same limits', () => {
    assert.throws(() => parseLMConfig({ hidden: LIMITS.hidden.max + 1 }), /The number of hidden units is 8,193; Seqlab accepts at most 8,192/);
  });
});

describe('14. sizes are checked before allocating: one sentence, never a stack trace', () => {
  const cases: [string[], RegExp][] = [
    [['train-lm', '--hidden', '1e9', '--epochs', '1'], /^seqlab: The number of hidden units is 1,000,000,000; Seqlab accepts at most 8,192/],
    [['train-lm', '--hidden', '8000', '--layers', '30', '--epochs', '1', '--backend', 'cpu'], /would need about 1\d\d\.\d GB of memory, more than the .* GB Seqlab allows itself here; choose smaller sizes\./],
    [['bptt', '--steps', '1000000'], /^seqlab: --steps is 1,000,000; Seqlab accepts at most 2,000/],
    [['batches', '--corpus', 'range:100000000'], /^seqlab: range:100000000 is 100,000,000; Seqlab accepts at most 1,000,000 \(the length of a range corpus\)/],
  ];
  for (const [argv, re] of cases) {
    test(`seqlab ${argv.join(' ')}`, async () => {
      const r = await runCli(...argv);
      assert.notEqual(r.code, 0);
      assert.match(r.err, re);
      assert.doesNotMatch(r.err, /\n\s+at |RangeError|internal error/);
    });
  }
  test('the estimate grows with the shapes (a 256-unit GRU is a few MB; 8000×30 layers is far beyond)', () => {
    const small = estimateLMBytes({ model: 'gru', hidden: 256, layers: 1, bidirectional: false, embedding: 0, batch: 32, steps: 35 }, 28);
    assert.ok(small > 1e6 && small < 5e7, String(small));
    const big = estimateLMBytes({ model: 'gru', hidden: 8000, layers: 30, bidirectional: false, embedding: 0, batch: 32, steps: 35 }, 28);
    assert.ok(big > 1e11, String(big));
  });
  test('an allocation failure that slips through is a sentence; other internal errors show no stack unless SEQLAB_DEBUG=1', () => {
    assert.equal(describeInternalError(new RangeError('Array buffer allocation failed')), 'this needs more memory than is available; choose smaller sizes.');
    assert.equal(describeInternalError(new RangeError('Invalid typed array length: 4000000000000')), 'this needs more memory than is available; choose smaller sizes.');
    assert.equal(describeInternalError(new TypeError('x is undefined')), 'internal error: x is undefined (set SEQLAB_DEBUG=1 for details)');
  });
});

describe('17. messages that said the wrong thing', () => {
  test('range:1e12 is a too-large range, not a missing file', async () => {
    const r = await runCli('batches', '--corpus', 'range:1e12');
    assert.match(r.err, /^seqlab: range:1e12 is 1,000,000,000,000; Seqlab accepts at most 1,000,000/);
    assert.doesNotMatch(r.err, /does not exist/);
    assert.match((await runCli('batches', '--corpus', 'range:abc')).err, /A range corpus needs a whole number/);
  });
  test('tokenize tells CLI users about --mode raw, not a VS Code setting', async () => {
    const r = await runCli('tokenize', '--text', '123 !!');
    assert.match(r.err, /keeps only letters A–Z\); pass --mode raw for other text\./);
    assert.doesNotMatch(r.err, /seqlab\.tokenize/);
  });
  test('bleu --pred together with --pred-file is an error', async () => {
    const dir = tmp();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'p'), 'a b\n');
    writeFileSync(join(dir, 'l'), 'a b\n');
    const r = await runCli('bleu', '--pred', 'x y', '--label', 'x y', '--pred-file', join(dir, 'p'), '--label-file', join(dir, 'l'));
    assert.equal(r.code, 2);
    assert.match(r.err, /Give either --pred and --label or --pred-file and --label-file, not both\./);
  });
});
