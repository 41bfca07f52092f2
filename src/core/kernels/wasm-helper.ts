/**
 * The WASM kernels' second thread: a worker_thread on the same shared WebAssembly.Memory that
 * claims pieces of each job (rows, weight-gradient panels) alongside the calling thread.
 *
 * Claim protocol (the same as native/src/addon.c run_chunks; this is its only JS copy):
 *
 *   ctl[WORD] = (pieces << 16) | next   the one word every claim goes through (0: no job)
 *   ctl[OP], ctl[ARGS], ctl[N], ctl[CHUNK]   the job's fields, plain memory
 *   ctl[FINISHED]   pieces that have run; ctl[DONE..DONE+7]   which ones (bitmap)
 *
 *   caller, per job:  (1) write the fields, FINISHED = 0, DONE = 0   (2) WORD = pieces << 16
 *                     (3) ring DOOR   (4) claim and run pieces   (5) wait FINISHED == pieces
 *   anyone, a piece:  c = CAS WORD next → next + 1 (only while next < pieces); then read the
 *                     fields, run piece c, set DONE bit c, FINISHED += 1
 *
 * Why no thread can mix two jobs: fields are read only after a successful claim, and a claim
 * succeeds only on the current word. The caller writes the next job's fields only after (5):
 * every piece of this job was claimed (the word says next == pieces, so no further claim can
 * succeed) and every claimer has added its FINISHED, which it does after its last field read.
 * Atomics are sequentially consistent, so (5) happens after those reads, and (2) publishes the
 * new fields to whoever's CAS reads the new word. A helper that stalls between loading the word
 * and its CAS either fails the CAS or, if the word holds an equal value again (a later job with
 * the same pieces and next), claims that piece of that later job, legitimately, and reads that
 * job's fields. No tag, no wrap-around. DOOR only wakes the helper; it carries no job state.
 *
 * Liveness: the worker sets READY = EXITED when it exits (its process 'exit' hook also runs on
 * process.exit and uncaught errors), so the caller's wait is bounded: a dead helper's pieces
 * (DONE bit unset) are re-run by the caller (pieces write disjoint outputs from read-only
 * inputs, so a re-run gives the same bits), the helper is dropped and a notice says so.
 * An exception in a piece is posted on a MessagePort and rethrown by the caller with its message.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { kernelNotice } from './notices';

/** ctl slots (Int32 each); CTL_INTS of them at the engine's ctl offset. */
const DOOR = 0, WORD = 1, OP = 2, ARGS = 3, N = 4, CHUNK = 5, QUIT = 6, READY = 7, SPIN = 8, ERROR = 9, FINISHED = 10, DONE = 16;
export const CTL_INTS = 24;
const EXITED = 2;
/** Most pieces per job (next and pieces share the word, 16 bits each; the bitmap holds 256). */
export const MAX_PIECES = 255;

/** Test-only faults and delays of the helper (never set in production). */
export interface HelperHooks {
  /** random busy-waits of up to this many µs around each claim (stress tests of the protocol) */
  maxDelayMicros?: number;
  /** the worker exits (process.exit) right after claiming its n-th piece, without running it */
  dieAfterPieces?: number;
  /** the worker's n-th piece throws this message */
  throwAt?: { piece: number; message: string };
}

/**
 * Op 9, the protocol's test op: at args (i32) [salt, out], out[i] += salt + i for i in the
 * piece. Shared by the worker (as source) and the caller, so both run the same code.
 */
export function testOp(v: Int32Array, a: number, lo: number, hi: number): void {
  const salt = v[a >> 2], out = v[(a >> 2) + 1] >> 2;
  for (let i = lo; i < hi; i++) v[out + i] = (v[out + i] + salt + i) | 0;
}

/** One claim (self-contained: the worker runs its source too). */
function claimNext(ctl: Int32Array, word: number): number {
  for (;;) {
    const v = Atomics.load(ctl, word);
    const next = v & 0xffff;
    if (next >= v >>> 16) return -1;
    if (Atomics.compareExchange(ctl, word, v, v + 1) === v) return next;
  }
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl: ctlOff, stackTop, port, hooks } = workerData;
const ctl = new Int32Array(memory.buffer, ctlOff, ${CTL_INTS});
process.on('exit', () => { Atomics.store(ctl, ${READY}, ${EXITED}); Atomics.notify(ctl, ${FINISHED}); });
const testOp = ${testOp.toString()};
const claimNext = ${claimNext.toString()};
const WORD = ${WORD}, FINISHED = ${FINISHED};
const inst = new WebAssembly.Instance(module, { env: { memory } });
const ex = inst.exports;
ex.__stack_pointer.value = stackTop;
const delay = hooks.maxDelayMicros > 0 ? () => {
  if (Math.random() < 0.75) return;
  const until = performance.now() + Math.random() * hooks.maxDelayMicros / 1000;
  while (performance.now() < until);
} : () => {};
let ran = 0;
function run(op, a, lo, hi) {
  if (hooks.throwAt && ran === hooks.throwAt.piece + 1) throw new Error(hooks.throwAt.message);
  if (op === 1) ex.forward(a, lo, hi);
  else if (op === 2) ex.backward(a, lo, hi);
  else if (op === 3) ex.wgrad(a, lo, hi);
  else if (op === 4) ex.dense_forward(a, lo, hi);
  else if (op === 5) ex.dense_backward(a, lo, hi);
  else if (op === 6) ex.adam_pieces(a, lo, hi);
  else if (op === 7) ex.xproj(a, lo, hi);
  else if (op === 8) ex.dx(a, lo, hi);
  else if (op === 9) testOp(new Int32Array(memory.buffer), a, lo, hi);
  else throw new Error('unknown op ' + op);
}
Atomics.store(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
let seen = Atomics.load(ctl, ${DOOR});
for (;;) {
  let s = Atomics.load(ctl, ${DOOR});
  if (s === seen) {
    const t0 = performance.now();
    let n = 0;
    while ((s = Atomics.load(ctl, ${DOOR})) === seen) {
      if ((++n & 1023) === 0 && performance.now() - t0 > ctl[${SPIN}] / 1000) Atomics.wait(ctl, ${DOOR}, seen);
    }
  }
  seen = s;
  if (Atomics.load(ctl, ${QUIT})) break;
  for (;;) {
    delay();
    const c = claimNext(ctl, WORD);
    if (c < 0) break;
    delay();
    ran++;
    if (hooks.dieAfterPieces && ran >= hooks.dieAfterPieces) process.exit(1);
    const op = ctl[${OP}], a = ctl[${ARGS}], n = ctl[${N}], chunk = ctl[${CHUNK}];
    try {
      run(op, a, c * chunk, Math.min(n, c * chunk + chunk));
    } catch (e) {
      port.postMessage(String(e && e.message || e));
      Atomics.store(ctl, ${ERROR}, 1);
    }
    Atomics.or(ctl, ${DONE} + (c >> 5), 1 << (c & 31));
    Atomics.add(ctl, FINISHED, 1);
    Atomics.notify(ctl, FINISHED);
  }
}
port.close();
`;

export interface HelperMemory {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
}

export class Helper {
  private worker: Worker | null;
  private readonly ctl: Int32Array;
  private readonly port: MessagePort;
  private dead = false;
  /** why the helper stopped, when it died */
  deathReason = '';
  constructor(
    mem: HelperMemory,
    ctlOff: number,
    stackTop: number,
    spinMicros: number,
    hooks: HelperHooks = {},
  ) {
    this.ctl = new Int32Array(mem.memory.buffer, ctlOff, CTL_INTS);
    this.ctl.fill(0);
    this.ctl[SPIN] = spinMicros;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.port.unref();
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: mem.module, memory: mem.memory, ctl: ctlOff, stackTop, port: port2, hooks },
      transferList: [port2],
    });
    this.worker.unref();
    this.worker.on('error', (e) => this.died(`the WASM helper thread failed: ${e.message}`));
    this.worker.on('exit', (code) => this.died(`the WASM helper thread exited (code ${code})`));
  }

  private died(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.deathReason = reason;
    if (this.worker) kernelNotice(`${reason}; the WASM kernels continue on one thread`);
  }

  /** Waits (≤ ms) until the worker has instantiated the module. */
  async ready(ms = 5000): Promise<boolean> {
    const t0 = Date.now();
    while (Atomics.load(this.ctl, READY) !== 1) {
      if (this.dead || Atomics.load(this.ctl, READY) === EXITED || Date.now() - t0 > ms) return false;
      await new Promise((r) => setTimeout(r, 2));
    }
    return true;
  }

  get usable(): boolean {
    return !this.dead && Atomics.load(this.ctl, READY) === 1;
  }

  /**
   * Runs op over [0, n) in pieces of `chunk` (at most MAX_PIECES) that this thread and the
   * worker both claim (protocol above): a worker that starts late holds nothing up.
   */
  runPieces(op: number, args: number, n: number, chunk: number, local: (lo: number, hi: number) => void): void {
    const ctl = this.ctl;
    const pieces = Math.ceil(n / chunk);
    if (pieces > MAX_PIECES) throw new Error(`runPieces: ${pieces} pieces (at most ${MAX_PIECES})`);
    ctl[OP] = op;
    ctl[ARGS] = args;
    ctl[N] = n;
    ctl[CHUNK] = chunk;
    ctl.fill(0, DONE, DONE + 8);
    Atomics.store(ctl, FINISHED, 0);
    Atomics.store(ctl, WORD, pieces << 16);
    Atomics.add(ctl, DOOR, 1);
    Atomics.notify(ctl, DOOR);
    let err: unknown = null;
    const piece = (c: number) => {
      try {
        if (!err) local(c * chunk, Math.min(n, c * chunk + chunk));
      } catch (e) {
        err = e;
      }
    };
    for (let c; (c = claimNext(ctl, WORD)) >= 0; ) {
      piece(c);
      Atomics.or(ctl, DONE + (c >> 5), 1 << (c & 31));
      Atomics.add(ctl, FINISHED, 1);
    }
    // the worker's last pieces: spin a little, then wait in short naps (a loaded machine may
    // have put the worker on this thread's core), checking that it is still alive
    for (let k = 0, f; (f = Atomics.load(ctl, FINISHED)) !== pieces; ) {
      if (++k <= 20000) continue;
      if (Atomics.load(ctl, READY) === EXITED) {
        for (let c = 0; c < pieces; c++) if (!(Atomics.load(ctl, DONE + (c >> 5)) & (1 << (c & 31)))) piece(c);
        this.died('the WASM helper thread died during a job');
        break;
      }
      Atomics.wait(ctl, FINISHED, f, 0.2);
    }
    if (Atomics.load(ctl, ERROR)) {
      ctl[ERROR] = 0;
      const msg = receiveMessageOnPort(this.port)?.message as string | undefined;
      throw new Error(`fused recurrent (wasm worker): ${msg ?? 'a piece failed'}`);
    }
    if (err) throw err;
  }

  dispose(): void {
    if (!this.worker) return;
    const w = this.worker;
    this.worker = null;
    this.dead = true;
    Atomics.store(this.ctl, QUIT, 1);
    Atomics.add(this.ctl, DOOR, 1);
    Atomics.notify(this.ctl, DOOR);
    void w.terminate();
    this.port.close();
  }
}

/** Result of stressHelper: jobs run, results that were wrong, wall time. */
export interface StressResult {
  jobs: number;
  errors: number;
  ms: number;
  /** pieces in all, and how many of them the helper ran */
  pieces: number;
  helperPieces: number;
  firstError?: string;
}

/**
 * The protocol's stress test: `jobs` jobs of random sizes (1–4000 elements, 1–255 pieces, mostly few) of
 * the test op on two alternating buffers, every element of both checked after each job (a
 * piece run twice, skipped, run with another job's fields or counted for another job shows).
 */
export function stressHelper(
  helper: Helper,
  mem: { memory: WebAssembly.Memory; alloc(bytes: number): number },
  jobs: number,
  seed = 1,
  /** random busy-waits of up to this many µs in the caller's pieces (so the helper gets more) */
  callerDelayMicros = 10,
): StressResult {
  const MAXN = 4000;
  const argsOff = [mem.alloc(8), mem.alloc(8)];
  const outOff = [mem.alloc(MAXN * 4), mem.alloc(MAXN * 4)];
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const t0 = performance.now();
  let errors = 0, pieces = 0, local = 0;
  let firstError: string | undefined;
  const v = () => new Int32Array(mem.memory.buffer);
  for (const o of outOff) v().fill(0, o >> 2, (o >> 2) + MAXN);
  for (let j = 0; j < jobs; j++) {
    const which = j & 1;
    const n = 1 + Math.floor(rnd() ** 2 * MAXN);
    const chunk = Math.max(1, Math.ceil(n / (1 + Math.floor(rnd() ** 8 * (MAX_PIECES - 1)))));
    const salt = (j * 7919 + 13) | 0;
    const m = v();
    m[argsOff[which] >> 2] = salt;
    m[(argsOff[which] >> 2) + 1] = outOff[which];
    pieces += Math.ceil(n / chunk);
    helper.runPieces(9, argsOff[which], n, chunk, (lo, hi) => {
      local++;
      if (callerDelayMicros > 0 && rnd() < 0.125) for (const until = performance.now() + rnd() * callerDelayMicros / 1000; performance.now() < until; );
      testOp(m, argsOff[which], lo, hi);
    });
    const o = outOff[which] >> 2, other = outOff[1 - which] >> 2;
    for (let i = 0; i < MAXN; i++) {
      const want = i < n ? (salt + i) | 0 : 0;
      if (m[o + i] !== want || m[other + i] !== 0) {
        errors++;
        firstError ??= `job ${j} (n ${n}, chunk ${chunk}): element ${i} is ${m[o + i]} (want ${want}), other buffer ${m[other + i]}`;
        break;
      }
    }
    m.fill(0, o, o + MAXN);
  }
  return { jobs, errors, ms: performance.now() - t0, pieces, helperPieces: pieces - local, firstError };
}
