/** The PyTorch fixtures of scripts/interop/make-fixtures.py and the tolerance measure the interop tests share. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors } from '../../../src/core/interop/safetensors';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'interop');
export const fixtureFile = (name: string) => parseSafetensors(readFileSync(join(FIXTURES, `${name}.safetensors`)), `${name}.safetensors`);
export const fixtureJson = <T>(file: string): T => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as T;

/** max |a − b| / max |b|: relative to the tensor's scale, so values near zero do not dominate. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length');
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}
