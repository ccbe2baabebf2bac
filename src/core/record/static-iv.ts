/**
 * A traffic key's static IV as three big-endian 32-bit words, kept as plain number fields on its
 * sealer or opener: RFC 8446 §5.3 (TLS 1.3 write_iv), RFC 7905 §2 (TLS 1.2 ChaCha20-Poly1305) and
 * RFC 5288 §3 (TLS 1.2 GCM: a 4-byte salt, word 0). A 12-byte Uint8Array per key costs ~0.2 KiB of
 * V8 heap (the view, its ArrayBuffer and the bytes), ~0.4 KiB per idle connection (issue 5); the
 * words are small integers stored inside the object.
 */

/** Word `i` (0..2) of `iv`, big-endian; bytes beyond `iv` count as zero. As an int32. */
export function ivWord(iv: Uint8Array, i: number): number {
  const o = 4 * i;
  return ((iv[o] ?? 0) << 24) | ((iv[o + 1] ?? 0) << 16) | ((iv[o + 2] ?? 0) << 8) | (iv[o + 3] ?? 0);
}

/**
 * nonce = iv XOR (0^32 || seq as uint64 big-endian) (RFC 8446 §5.3; RFC 7905 §2 is the same), for
 * the IV words `w0`..`w2` (from `ivWord`). Writes all 12 bytes, so `nonce` may be a scratch
 * buffer shared between keys. `seq` < 2^53.
 */
export function writeNonce(nonce: Uint8Array, w0: number, w1: number, w2: number, seq: number): void {
  const hi = w1 ^ Math.floor(seq / 0x100000000);
  const lo = w2 ^ (seq >>> 0);
  nonce[0] = w0 >>> 24;
  nonce[1] = w0 >>> 16;
  nonce[2] = w0 >>> 8;
  nonce[3] = w0;
  nonce[4] = hi >>> 24;
  nonce[5] = hi >>> 16;
  nonce[6] = hi >>> 8;
  nonce[7] = hi;
  nonce[8] = lo >>> 24;
  nonce[9] = lo >>> 16;
  nonce[10] = lo >>> 8;
  nonce[11] = lo;
}
