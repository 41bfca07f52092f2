/**
 * Strict UTF-8: a file is text only if every byte of it decodes (no replacement characters),
 * and a refusal names the first bad byte, so a file that turns Latin-1 after its first 64 KB,
 * or a short Latin-1 `café`, is refused rather than tokenized with `�` or a dropped `é`.
 */
import { isUtf8 } from 'node:buffer';

/** Byte offset of the first byte that is not part of a valid UTF-8 sequence, or −1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  // Native check first (fast on the 50 MB a corpus may have); the scan below only locates.
  if (isUtf8(bytes)) return -1;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte → sequence length and the allowed range of the first continuation byte
    // (excludes overlong forms, surrogates and code points above U+10FFFF, as the WHATWG decoder does).
    let len: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + len > n) return i;
    const c1 = bytes[i + 1];
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k < len; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += len;
  }
  return -1;
}
