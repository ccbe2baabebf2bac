/**
 * RC2 (RFC 2268) decryption in CBC mode, for reading legacy PKCS#12 files
 * (`pbeWithSHAAnd40BitRC2-CBC`, what `openssl pkcs12 -legacy` and older Windows/Java exports
 * use for certificates). OpenSSL 3 moved RC2 to its "legacy" provider, which Node does not
 * load, so node:crypto cannot decrypt these files: this small implementation can.
 *
 * RC2 is a weak 64-bit block cipher; it is here only to read old key stores, never to protect
 * anything new. Only decryption is exported for production use; `rc2EncryptBlock` exists for
 * the RFC 2268 §5 test vectors.
 */

// RFC 2268 §2: PITABLE, a permutation of 0..255 derived from the digits of pi.
const PITABLE = new Uint8Array([
  0xd9, 0x78, 0xf9, 0xc4, 0x19, 0xdd, 0xb5, 0xed, 0x28, 0xe9, 0xfd, 0x79, 0x4a, 0xa0, 0xd8, 0x9d,
  0xc6, 0x7e, 0x37, 0x83, 0x2b, 0x76, 0x53, 0x8e, 0x62, 0x4c, 0x64, 0x88, 0x44, 0x8b, 0xfb, 0xa2,
  0x17, 0x9a, 0x59, 0xf5, 0x87, 0xb3, 0x4f, 0x13, 0x61, 0x45, 0x6d, 0x8d, 0x09, 0x81, 0x7d, 0x32,
  0xbd, 0x8f, 0x40, 0xeb, 0x86, 0xb7, 0x7b, 0x0b, 0xf0, 0x95, 0x21, 0x22, 0x5c, 0x6b, 0x4e, 0x82,
  0x54, 0xd6, 0x65, 0x93, 0xce, 0x60, 0xb2, 0x1c, 0x73, 0x56, 0xc0, 0x14, 0xa7, 0x8c, 0xf1, 0xdc,
  0x12, 0x75, 0xca, 0x1f, 0x3b, 0xbe, 0xe4, 0xd1, 0x42, 0x3d, 0xd4, 0x30, 0xa3, 0x3c, 0xb6, 0x26,
  0x6f, 0xbf, 0x0e, 0xda, 0x46, 0x69, 0x07, 0x57, 0x27, 0xf2, 0x1d, 0x9b, 0xbc, 0x94, 0x43, 0x03,
  0xf8, 0x11, 0xc7, 0xf6, 0x90, 0xef, 0x3e, 0xe7, 0x06, 0xc3, 0xd5, 0x2f, 0xc8, 0x66, 0x1e, 0xd7,
  0x08, 0xe8, 0xea, 0xde, 0x80, 0x52, 0xee, 0xf7, 0x84, 0xaa, 0x72, 0xac, 0x35, 0x4d, 0x6a, 0x2a,
  0x96, 0x1a, 0xd2, 0x71, 0x5a, 0x15, 0x49, 0x74, 0x4b, 0x9f, 0xd0, 0x5e, 0x04, 0x18, 0xa4, 0xec,
  0xc2, 0xe0, 0x41, 0x6e, 0x0f, 0x51, 0xcb, 0xcc, 0x24, 0x91, 0xaf, 0x50, 0xa1, 0xf4, 0x70, 0x39,
  0x99, 0x7c, 0x3a, 0x85, 0x23, 0xb8, 0xb4, 0x7a, 0xfc, 0x02, 0x36, 0x5b, 0x25, 0x55, 0x97, 0x31,
  0x2d, 0x5d, 0xfa, 0x98, 0xe3, 0x8a, 0x92, 0xae, 0x05, 0xdf, 0x29, 0x10, 0x67, 0x6c, 0xba, 0xc9,
  0xd3, 0x00, 0xe6, 0xcf, 0xe1, 0x9e, 0xa8, 0x2c, 0x63, 0x16, 0x01, 0x3f, 0x58, 0xe2, 0x89, 0xa9,
  0x0d, 0x38, 0x34, 0x1b, 0xab, 0x33, 0xff, 0xb0, 0xbb, 0x48, 0x0c, 0x5f, 0xb9, 0xb1, 0xcd, 0x2e,
  0xc5, 0xf3, 0xdb, 0x47, 0xe5, 0xa5, 0x9c, 0x77, 0x0a, 0xa6, 0x20, 0x68, 0xfe, 0x7f, 0xc1, 0xad,
]);

/** The 64 expanded 16-bit key words K[0..63] (RFC 2268 §2). */
export type Rc2Key = Uint16Array;

/**
 * RFC 2268 §2 key expansion: `key` of 1..128 bytes, `effectiveBits` of 1..1024.
 * @throws RangeError for lengths outside those ranges (callers check their inputs first).
 */
export function rc2ExpandKey(key: Uint8Array, effectiveBits: number): Rc2Key {
  const t = key.length;
  if (t < 1 || t > 128) throw new RangeError(`RC2 key of ${t} bytes, expected 1..128`);
  if (!Number.isInteger(effectiveBits) || effectiveBits < 1 || effectiveBits > 1024) {
    throw new RangeError(`RC2 effective key length ${effectiveBits} bits, expected 1..1024`);
  }
  const l = new Uint8Array(128);
  l.set(key);
  for (let i = t; i < 128; i++) l[i] = PITABLE[(l[i - 1]! + l[i - t]!) & 0xff]!;
  // Reduce the effective key to T1 bits: T8 bytes, the top byte masked with TM.
  const t8 = (effectiveBits + 7) >> 3;
  const tm = 0xff >> (8 * t8 - effectiveBits);
  l[128 - t8] = PITABLE[l[128 - t8]! & tm]!;
  for (let i = 127 - t8; i >= 0; i--) l[i] = PITABLE[l[i + 1]! ^ l[i + t8]!]!;
  const k = new Uint16Array(64);
  for (let i = 0; i < 64; i++) k[i] = l[2 * i]! | (l[2 * i + 1]! << 8);
  l.fill(0);
  return k;
}

/** RFC 2268 §3: encrypts the 8-byte block at `src[off..off+8)` into `dst[off..off+8)`. */
export function rc2EncryptBlock(k: Rc2Key, src: Uint8Array, dst: Uint8Array, off = 0): void {
  let r0 = src[off]! | (src[off + 1]! << 8);
  let r1 = src[off + 2]! | (src[off + 3]! << 8);
  let r2 = src[off + 4]! | (src[off + 5]! << 8);
  let r3 = src[off + 6]! | (src[off + 7]! << 8);
  let j = 0;
  for (let round = 0; round < 16; round++) {
    // MIXING round (§3.1); rotations by 1, 2, 3, 5.
    r0 = (r0 + k[j++]! + (r3 & r2) + (~r3 & r1)) & 0xffff;
    r0 = ((r0 << 1) | (r0 >>> 15)) & 0xffff;
    r1 = (r1 + k[j++]! + (r0 & r3) + (~r0 & r2)) & 0xffff;
    r1 = ((r1 << 2) | (r1 >>> 14)) & 0xffff;
    r2 = (r2 + k[j++]! + (r1 & r0) + (~r1 & r3)) & 0xffff;
    r2 = ((r2 << 3) | (r2 >>> 13)) & 0xffff;
    r3 = (r3 + k[j++]! + (r2 & r1) + (~r2 & r0)) & 0xffff;
    r3 = ((r3 << 5) | (r3 >>> 11)) & 0xffff;
    // MASHING rounds (§3.2) after the 5th and 11th mixing rounds.
    if (round === 4 || round === 10) {
      r0 = (r0 + k[r3 & 63]!) & 0xffff;
      r1 = (r1 + k[r0 & 63]!) & 0xffff;
      r2 = (r2 + k[r1 & 63]!) & 0xffff;
      r3 = (r3 + k[r2 & 63]!) & 0xffff;
    }
  }
  dst[off] = r0; dst[off + 1] = r0 >>> 8; dst[off + 2] = r1; dst[off + 3] = r1 >>> 8;
  dst[off + 4] = r2; dst[off + 5] = r2 >>> 8; dst[off + 6] = r3; dst[off + 7] = r3 >>> 8;
}

/** RFC 2268 §4: decrypts the 8-byte block at `src[off..off+8)` into `dst[off..off+8)`. */
export function rc2DecryptBlock(k: Rc2Key, src: Uint8Array, dst: Uint8Array, off = 0): void {
  let r0 = src[off]! | (src[off + 1]! << 8);
  let r1 = src[off + 2]! | (src[off + 3]! << 8);
  let r2 = src[off + 4]! | (src[off + 5]! << 8);
  let r3 = src[off + 6]! | (src[off + 7]! << 8);
  let j = 63;
  for (let round = 15; round >= 0; round--) {
    // R-MIXING round (§4.1), words in reverse order.
    r3 = ((r3 >>> 5) | (r3 << 11)) & 0xffff;
    r3 = (r3 - k[j--]! - (r2 & r1) - (~r2 & r0)) & 0xffff;
    r2 = ((r2 >>> 3) | (r2 << 13)) & 0xffff;
    r2 = (r2 - k[j--]! - (r1 & r0) - (~r1 & r3)) & 0xffff;
    r1 = ((r1 >>> 2) | (r1 << 14)) & 0xffff;
    r1 = (r1 - k[j--]! - (r0 & r3) - (~r0 & r2)) & 0xffff;
    r0 = ((r0 >>> 1) | (r0 << 15)) & 0xffff;
    r0 = (r0 - k[j--]! - (r3 & r2) - (~r3 & r1)) & 0xffff;
    // R-MASHING rounds (§4.2) mirror the mashing after mixing rounds 5 and 11.
    if (round === 11 || round === 5) {
      r3 = (r3 - k[r2 & 63]!) & 0xffff;
      r2 = (r2 - k[r1 & 63]!) & 0xffff;
      r1 = (r1 - k[r0 & 63]!) & 0xffff;
      r0 = (r0 - k[r3 & 63]!) & 0xffff;
    }
  }
  dst[off] = r0; dst[off + 1] = r0 >>> 8; dst[off + 2] = r1; dst[off + 3] = r1 >>> 8;
  dst[off + 4] = r2; dst[off + 5] = r2 >>> 8; dst[off + 6] = r3; dst[off + 7] = r3 >>> 8;
}

/**
 * RC2-CBC decryption without padding removal: `data.length` must be a multiple of 8 and
 * `iv` 8 bytes. Returns a new buffer the caller owns; the caller removes the padding.
 * @throws RangeError on wrong lengths (callers check their inputs first).
 */
export function rc2CbcDecrypt(key: Uint8Array, effectiveBits: number, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (iv.length !== 8) throw new RangeError(`RC2-CBC IV of ${iv.length} bytes, expected 8`);
  if (data.length % 8 !== 0) throw new RangeError(`RC2-CBC ciphertext of ${data.length} bytes, expected a multiple of 8`);
  const k = rc2ExpandKey(key, effectiveBits);
  const out = new Uint8Array(data.length);
  for (let off = 0; off < data.length; off += 8) {
    rc2DecryptBlock(k, data, out, off);
    const prev = off === 0 ? iv : data.subarray(off - 8, off);
    for (let i = 0; i < 8; i++) out[off + i]! ^= prev[i]!;
  }
  k.fill(0);
  return out;
}
