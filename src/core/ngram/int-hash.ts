/**
 * An open-addressing hash from non-negative integer keys (< 2^53) to int32 values, on typed
 * arrays. n-gram counting does tens of millions of lookups; a JS Map of doubles or of
 * concatenated strings allocates on every one, this does not.
 */
export class IntHashMap {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacityHint = 1024) {
    let cap = 16;
    // Load factor ≤ 1/2 keeps linear probes short.
    while (cap < capacityHint * 2) cap *= 2;
    this.keys = new Float64Array(cap).fill(-1);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The value stored under `key`, or -1. */
  get(key: number): number {
    const keys = this.keys;
    let i = slot(key) & this.mask;
    for (;;) {
      const k = keys[i];
      if (k === key) return this.values[i];
      if (k === -1) return -1;
      i = (i + 1) & this.mask;
    }
  }

  /** The value under `key`; if absent, stores `value` and returns -1. */
  getOrSet(key: number, value: number): number {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    let i = slot(key) & this.mask;
    for (;;) {
      const k = keys[i];
      if (k === key) return this.values[i];
      if (k === -1) {
        keys[i] = key;
        this.values[i] = value;
        this.count++;
        return -1;
      }
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const cap = oldKeys.length * 2;
    this.keys = new Float64Array(cap).fill(-1);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const key = oldKeys[j];
      if (key === -1) continue;
      let i = slot(key) & this.mask;
      while (this.keys[i] !== -1) i = (i + 1) & this.mask;
      this.keys[i] = key;
      this.values[i] = oldValues[j];
    }
  }
}

/** Mixes both 32-bit halves of the key (murmur3's finaliser) so packed ids spread evenly. */
function slot(key: number): number {
  let h = (key >>> 0) ^ Math.imul(Math.floor(key / 4294967296), 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
