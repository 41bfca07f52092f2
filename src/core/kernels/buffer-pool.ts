/**
 * Recycled Float32Arrays for the arrays that cross between tfjs tensors and the kernels on
 * every training step (~5 MB per step at the textbook's shapes: hidden states, their
 * gradients, logits). Allocated fresh, they kept V8 under external-memory pressure (a
 * scavenge every ~25 ms, a mark-compact every ~100 ms) and made one step in ten take 2–4× the
 * median.
 *
 * Rules: whoever holds a taken array gives it back once nothing reads it any more; give()
 * ignores arrays the pool did not hand out (and ones already given), so callers can give
 * whatever they hold. A taken array's contents are unspecified.
 *
 * Sizes above SMALL go by size classes (12.5% apart): a taken array is then the first n floats
 * of a class-sized one. A translator's step has sizes that change with every batch (the kept
 * target rows, the longest target); by exact size each new one was a fresh allocation, and the
 * pool filled with one-off sizes until it dropped arrays.
 */
const SMALL = 64;

/** The length of the array behind a request for n floats. */
export function sizeClass(n: number): number {
  if (n <= SMALL) return n;
  const step = 2 ** (Math.floor(Math.log2(n)) - 3);
  return Math.ceil(n / step) * step;
}

const MAX_PER_SIZE = 8;
/** Arrays kept for reuse, in bytes: beyond this, given arrays are left to the GC. */
const MAX_BYTES = 64 * 2 ** 20;

export class BufferPool {
  private free = new Map<number, Float32Array[]>();
  private mine = new WeakSet<Float32Array>();
  private idle = new WeakSet<Float32Array>();
  /** a taken view of n floats → the class-sized array behind it */
  private parentOf = new WeakMap<Float32Array, Float32Array>();
  private bytes = 0;
  private fresh = 0;
  /** Tests: given and taken arrays are filled with NaN, so any read of a given array, or of a
   * taken one before it is written, shows up as NaN in results. */
  poison = false;
  /** Arrays kept per size and bytes kept in all (a training loop with a larger working set raises them: see raiseLimits). */
  maxPerSize = MAX_PER_SIZE;
  maxBytes = MAX_BYTES;

  take(n: number): Float32Array {
    const c = sizeClass(n);
    let a = this.free.get(c)?.pop();
    if (a) {
      this.idle.delete(a);
      this.bytes -= a.byteLength;
    } else {
      a = new Float32Array(c);
      this.mine.add(a);
      this.fresh++;
    }
    let out = a;
    if (c !== n) this.parentOf.set((out = a.subarray(0, n)), a);
    return this.poison ? out.fill(NaN) : out;
  }

  /** A taken array holding a copy of `src`. */
  copyOf(src: ArrayLike<number>): Float32Array {
    const a = this.take(src.length);
    a.set(src);
    return a;
  }

  give(...arrays: (Float32Array | Int32Array | null | undefined)[]): void {
    for (const given of arrays) {
      if (!(given instanceof Float32Array)) continue;
      const a = this.parentOf.get(given) ?? given;
      if (!this.mine.has(a) || this.idle.has(a)) continue;
      if (this.poison) a.fill(NaN);
      let list = this.free.get(a.length);
      if (!list) this.free.set(a.length, (list = []));
      if (list.length >= this.maxPerSize || this.bytes + a.byteLength > this.maxBytes) continue;
      list.push(a);
      this.idle.add(a);
      this.bytes += a.byteLength;
    }
  }

  /** Arrays allocated so far (not recycled): flat once a training loop reached its steady state. */
  get allocations(): number {
    return this.fresh;
  }

  /** Bytes held for reuse (tests, bench). */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Keeps at least this many arrays per size and bytes from now on (never lowers them). */
  raiseLimits(perSize: number, bytes: number): void {
    this.maxPerSize = Math.max(this.maxPerSize, perSize);
    this.maxBytes = Math.max(this.maxBytes, bytes);
  }

  clear(): void {
    for (const list of this.free.values()) for (const a of list) this.idle.delete(a);
    this.free.clear();
    this.bytes = 0;
  }
}

/**
 * Named scratch arrays an owner reuses call after call (packed panels, transposes, a step's own
 * buffers): each name keeps the largest array asked for, handed out as a view of the n floats
 * asked (sizes that change per batch do not allocate again). Their contents are whatever the last
 * user left; nothing returned to a caller may be one of them.
 */
export class ScratchArrays {
  private readonly arrays = new Map<string, Float32Array>();

  get(name: string, n: number): Float32Array {
    let a = this.arrays.get(name);
    if (!a || a.length < n) this.arrays.set(name, (a = new Float32Array(n)));
    return a.length === n ? a : a.subarray(0, n);
  }

  clear(): void {
    this.arrays.clear();
  }
}

/** The one pool the kernels and the tfjs ops share. */
export const bufferPool = new BufferPool();
