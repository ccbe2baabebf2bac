/**
 * SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104) and HKDF-Expand-SHA256 (RFC 5869 §2.3) in plain
 * JS for SHORT inputs: the TLS key schedule's HMACs over ≤ 100-byte messages, where node:crypto's
 * fixed cost per `createHmac().update().digest()` (object, C++ crossing, Buffer: 3-5 µs on Node
 * 20) is several times the four compressions an HMAC of a short message needs. `hash.ts` picks
 * this path by input size and never in FIPS mode. `Sha256Stream` (at the end) is the streaming
 * form for transcript hashes, whose snapshots then need no node:crypto object.
 *
 * Constant time: SHA-256 is adds, rotates and boolean functions on 32-bit words; no branch and
 * no table index depends on key or message bytes (only on lengths, which are public).
 * Not re-entrant by design: every call runs to completion on module-level scratch (no
 * callbacks, no await), and wipes that scratch before it returns, so no secret outlives a call.
 * Results are fresh arrays the caller owns.
 */
import { EMPTY_BYTES } from '../../core/util.ts';

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);

// FIPS 180-4 §5.3.3: the initial hash value H(0).
const IV = Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);

/** SHA-256 block size B and output length L, in bytes (RFC 2104 §2). */
const BLOCK = 64;
const OUT = 32;
const IPAD = 0x36363636;
const OPAD = 0x5c5c5c5c;

// Scratch, wiped by `wipe()` at the end of every exported call: one buffer, one fill(0).
// Everything is kept as big-endian 32-bit words: the message block is assembled directly in
// W[0..15] (no byte staging), and an inner hash or T(i-1) feeds the next block as words.
const scratch = new Int32Array(64 + 5 * 8 + 16);
const W = scratch.subarray(0, 64); // message schedule; W[0..15] is the block being filled
const state = scratch.subarray(64, 72); // running hash of the message being absorbed
const innerPad = scratch.subarray(72, 80); // state after (K' xor ipad), per HMAC call
const outerPad = scratch.subarray(80, 88); // state after (K' xor opad)
const inner = scratch.subarray(88, 96); // inner hash of an HMAC
const prev = scratch.subarray(96, 104); // T(i-1) in HKDF-Expand
const keyWords = scratch.subarray(104, 120); // K' (zero-padded to B)
let pending = 0; // bytes in the block being filled
let total = 0; // message bytes so far, including a pad block already folded in

/**
 * One SHA-256 compression (FIPS 180-4 §6.2.2) of the block in W[0..15] into `s`.
 * Schedule: W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]. Each round:
 * T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t], T2 = Σ0(a) + Maj(a,b,c), d += T1, h = T1 + T2,
 * then the roles rotate (a..h <- h,a..g). The loop is unrolled by 8 so that the rotation is a
 * renaming (each line below uses the previous line's names shifted by one) instead of 8 moves:
 * ~15 % faster here. Ch(e,f,g) = g ^ (e & (f ^ g)) and Maj(a,b,c) = (a & b) | (c & (a | b)) are
 * the usual equivalent forms of §4.1.2; all rotations are right rotations by the §4.1.2 amounts.
 */
function compress(s: Int32Array): void {
  const w = W;
  const k = K;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (s1 + w[i - 7]! + s0 + w[i - 16]!) | 0;
  }
  let a = s[0]!, b = s[1]!, c = s[2]!, d = s[3]!, e = s[4]!, f = s[5]!, g = s[6]!, h = s[7]!;
  for (let i = 0; i < 64; i += 8) {
    let t1: number, t2: number;
    t1 = h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + k[i]! + w[i]! | 0;
    t2 = (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b))) | 0;
    d = d + t1 | 0; h = t1 + t2 | 0;
    t1 = g + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) + (f ^ (d & (e ^ f))) + k[i + 1]! + w[i + 1]! | 0;
    t2 = (((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) + ((h & a) | (b & (h | a))) | 0;
    c = c + t1 | 0; g = t1 + t2 | 0;
    t1 = f + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) + (e ^ (c & (d ^ e))) + k[i + 2]! + w[i + 2]! | 0;
    t2 = (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & h) | (a & (g | h))) | 0;
    b = b + t1 | 0; f = t1 + t2 | 0;
    t1 = e + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) + (d ^ (b & (c ^ d))) + k[i + 3]! + w[i + 3]! | 0;
    t2 = (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (h & (f | g))) | 0;
    a = a + t1 | 0; e = t1 + t2 | 0;
    t1 = d + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) + (c ^ (a & (b ^ c))) + k[i + 4]! + w[i + 4]! | 0;
    t2 = (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f))) | 0;
    h = h + t1 | 0; d = t1 + t2 | 0;
    t1 = c + (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7))) + (b ^ (h & (a ^ b))) + k[i + 5]! + w[i + 5]! | 0;
    t2 = (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) | (f & (d | e))) | 0;
    g = g + t1 | 0; c = t1 + t2 | 0;
    t1 = b + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) + (a ^ (g & (h ^ a))) + k[i + 6]! + w[i + 6]! | 0;
    t2 = (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) | (e & (c | d))) | 0;
    f = f + t1 | 0; b = t1 + t2 | 0;
    t1 = a + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) + (h ^ (f & (g ^ h))) + k[i + 7]! + w[i + 7]! | 0;
    t2 = (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (d & (b | c))) | 0;
    e = e + t1 | 0; a = t1 + t2 | 0;
  }
  s[0] = (s[0]! + a) | 0; s[1] = (s[1]! + b) | 0; s[2] = (s[2]! + c) | 0; s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0; s[5] = (s[5]! + f) | 0; s[6] = (s[6]! + g) | 0; s[7] = (s[7]! + h) | 0;
}

/** Starts a message from state `from`, which has already absorbed `already` bytes. */
function begin(from: Int32Array, already: number): void {
  state.set(from);
  pending = 0;
  total = already;
}

/** Puts 8 words (a hash) at the start of a fresh block: inner hash, T(i-1), H(K). */
function absorbWords8(words: Int32Array): void {
  for (let i = 0; i < 8; i++) W[i] = words[i]!;
  pending = OUT;
  total += OUT;
}

/** Appends one byte to the block (the word's first byte overwrites, so no clearing is needed). */
function absorbByte(x: number): void {
  const shift = (3 - (pending & 3)) << 3;
  if (shift === 24) W[pending >> 2] = x << 24;
  else W[pending >> 2] = W[pending >> 2]! | (x << shift);
  total += 1;
  if (++pending === BLOCK) {
    compress(state);
    pending = 0;
  }
}

/** Absorbs the first `n` bytes of `d` (all of them by default). */
function absorb(d: Uint8Array, n = d.length): void {
  let i = 0;
  while (i < n) {
    if ((pending & 3) === 0 && i + 4 <= n) {
      // Word-aligned: four bytes at a time, block by block.
      let w = pending >> 2;
      const words = Math.min(16 - w, (n - i) >> 2);
      for (const end = w + words; w < end; w++, i += 4) W[w] = (d[i]! << 24) | (d[i + 1]! << 16) | (d[i + 2]! << 8) | d[i + 3]!;
      pending += words << 2;
      total += words << 2;
      if (pending === BLOCK) {
        compress(state);
        pending = 0;
      }
    } else {
      absorbByte(d[i++]!);
    }
  }
}

/** FIPS 180-4 §5.1.1 padding (0x80, zeros, 64-bit big-endian bit length); the hash is left in `state`. */
function finish(): void {
  const length = total;
  absorbByte(0x80);
  let w = (pending + 3) >> 2; // the 0x80 word is complete: zero-fill after it
  if (pending > BLOCK - 8) {
    for (; w < 16; w++) W[w] = 0;
    compress(state);
    w = 0;
  }
  for (; w < 14; w++) W[w] = 0;
  W[14] = Math.floor(length / 0x20000000); // length * 8 / 2^32
  W[15] = (length * 8) | 0;
  compress(state);
}

/** `state` as 32 big-endian bytes in a fresh array. */
function stateBytes(): Uint8Array {
  const out = new Uint8Array(OUT);
  for (let i = 0, o = 0; i < 8; i++, o += 4) {
    const v = state[i]!;
    out[o] = v >>> 24;
    out[o + 1] = v >>> 16;
    out[o + 2] = v >>> 8;
    out[o + 3] = v;
  }
  return out;
}

/**
 * RFC 2104 §2: K' = K, or H(K) if K is longer than B = 64 bytes, zero-padded to B; the states
 * after one compression of (K' xor ipad) and of (K' xor opad) go to `innerPad` / `outerPad`.
 */
function keyPads(key: Uint8Array): void {
  keyWords.fill(0);
  if (key.length > BLOCK) {
    begin(IV, 0);
    absorb(key);
    finish();
    keyWords.set(state);
  } else {
    const n = key.length;
    for (let i = 0; i < n; i++) keyWords[i >> 2] = keyWords[i >> 2]! | (key[i]! << ((3 - (i & 3)) << 3));
  }
  for (let i = 0; i < 16; i++) W[i] = keyWords[i]! ^ IPAD;
  innerPad.set(IV);
  compress(innerPad);
  for (let i = 0; i < 16; i++) W[i] = keyWords[i]! ^ OPAD;
  outerPad.set(IV);
  compress(outerPad);
}

/** Ends the HMAC whose inner message is in `state`: H((K' xor opad) | H((K' xor ipad) | m)), into `state`. */
function hmacFinish(): void {
  finish();
  inner.set(state);
  begin(outerPad, BLOCK);
  absorbWords8(inner);
  finish();
}

function wipe(): void {
  scratch.fill(0);
  pending = 0;
  total = 0;
}

/** SHA-256 of `data` (FIPS 180-4), as a fresh 32-byte array. Meant for short inputs. */
export function sha256Small(data: Uint8Array): Uint8Array {
  begin(IV, 0);
  absorb(data);
  finish();
  const out = stateBytes();
  wipe();
  return out;
}

/** HMAC-SHA256(key, data) (RFC 2104), as a fresh 32-byte array. Any key length. */
export function hmacSha256Small(key: Uint8Array, data: Uint8Array): Uint8Array {
  keyPads(key);
  begin(innerPad, BLOCK);
  absorb(data);
  hmacFinish();
  const out = stateBytes();
  wipe();
  return out;
}

/**
 * HKDF-Expand-SHA256(prk, info, length) (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i),
 * OKM = the first `length` bytes of T(1) | T(2) | ... The caller checks 0 ≤ length ≤ 255 * 32.
 */
export function hkdfExpandSha256Small(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  hkdfExpandSha256SmallInto(prk, info, out);
  return out;
}

/** `hkdfExpandSha256Small` into the caller's `out` (length ≤ 255 * 32; not overlapping `prk` or `info`). */
export function hkdfExpandSha256SmallInto(prk: Uint8Array, info: Uint8Array, out: Uint8Array): void {
  const length = out.length;
  keyPads(prk);
  for (let i = 1, off = 0; off < length; i++) {
    begin(innerPad, BLOCK);
    if (i > 1) absorbWords8(prev);
    absorb(info);
    absorbByte(i);
    hmacFinish();
    prev.set(state);
    const n = Math.min(OUT, length - off);
    for (let j = 0; j < n; j++) out[off + j] = state[j >> 2]! >>> ((3 - (j & 3)) << 3);
    off += n;
  }
  wipe();
}

/**
 * A streaming SHA-256 context (FIPS 180-4) for the handshake transcript (RFC 8446 §4.4.1): a
 * snapshot (`current()`) pads a copy of the chaining state on the module scratch, so it costs
 * one or two compressions and no native object. Through node:crypto every snapshot is a
 * `Hash.copy()` plus `digest()`: a C++ object whose destructor runs in a later scavenge's pause
 * (weak-handle callbacks were ~90 % of those pauses in a busy handshake process, issue 5).
 * Bulk hashing in JS is slower than OpenSSL's SHA-NI code (~0.45 µs per block against ~0.06),
 * which a transcript of a few KB per handshake can afford.
 */
export class Sha256Stream {
  /** Chaining state after every complete block absorbed. */
  readonly #h: Int32Array;
  /** The unfinished block's bytes. */
  readonly #block: Uint8Array;
  #fill = 0;
  #total = 0;

  constructor(from?: Sha256Stream) {
    if (from === undefined) {
      this.#h = Int32Array.from(IV);
      this.#block = new Uint8Array(BLOCK);
    } else {
      this.#h = from.#h.slice();
      this.#block = from.#block.slice();
      this.#fill = from.#fill;
      this.#total = from.#total;
    }
  }

  update(data: Uint8Array): void {
    // On the module scratch like the one-shot functions: absorb, then keep the new chaining
    // state and the new unfinished block's bytes.
    this.#resume();
    absorb(data);
    this.#h.set(state);
    for (let j = 0; j < pending; j++) this.#block[j] = W[j >> 2]! >>> ((3 - (j & 3)) << 3);
    this.#fill = pending;
    this.#total = total;
    wipe();
  }

  /** The digest of everything so far; the context stays open. */
  current(): Uint8Array {
    return this.currentWith(EMPTY_BYTES);
  }

  /** The digest of everything so far followed by `extra`; this context does not change (no fork needed). */
  currentWith(extra: Uint8Array): Uint8Array {
    this.#resume();
    absorb(extra);
    finish();
    const out = stateBytes();
    wipe();
    return out;
  }

  fork(): Sha256Stream {
    return new Sha256Stream(this);
  }

  /** Loads this context into the module scratch: its chaining state, then its unfinished block. */
  #resume(): void {
    begin(this.#h, this.#total - this.#fill);
    absorb(this.#block, this.#fill);
  }
}
