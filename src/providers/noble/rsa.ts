/**
 * RSA signatures in pure TypeScript with BigInt (noble has no RSA): RSASSA-PKCS1-v1_5 and
 * RSASSA-PSS verification and signing (RFC 8017 §8.1, §8.2, §9.1, §9.2), 2048..8192-bit moduli.
 *
 * Side channels: JavaScript BigInt arithmetic is not constant time. Private-key operations are
 * therefore blinded (RFC 8017 §5.1.2 note; a fresh random r per signature hides the value
 * being exponentiated), use a fixed 4-bit window (the multiply pattern does not follow the
 * exponent bits) and check the result with the public key before releasing it (a faulty CRT
 * half would otherwise leak a factor, Boneh-DeMillo-Lipton). This narrows, but cannot close,
 * timing leaks: prefer the node provider for long-lived RSA server keys where timing is
 * observable. Verification handles public data only.
 */
import type { HashName } from '../../core/crypto/provider.ts';
import { TlsError } from '../../core/errors.ts';
import { nobleHashFor } from './hash.ts';
import { randomBytes } from './random.ts';

/** Moduli accepted, as ring / rustls-webpki (RSA_PKCS1_2048_8192_*, RSA_PSS_2048_8192_*). */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 8192;

/** An RSA public key (RFC 8017 §3.1). */
export interface RsaPublicKey {
  readonly n: bigint;
  readonly e: bigint;
  /** The modulus length in bits. */
  readonly bits: number;
  /** The modulus length in bytes (k in RFC 8017). */
  readonly k: number;
}

/** An RSA private key in the CRT form of RFC 8017 §3.2 (two primes only). */
export interface RsaPrivateKey extends RsaPublicKey {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qInv: bigint;
}

// ---------------------------------------------------------------- integers

/** OS2IP (RFC 8017 §4.2): big-endian unsigned bytes to an integer. */
export function os2ip(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let hex = '';
  for (let i = 0; i < b.length; i++) hex += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return BigInt('0x' + hex);
}

/** I2OSP (RFC 8017 §4.1): an integer to exactly `len` big-endian bytes, or null if it does not fit. */
export function i2osp(x: bigint, len: number): Uint8Array | null {
  if (x < 0n) return null;
  let hex = x.toString(16);
  if (hex.length > 2 * len) return null;
  hex = hex.padStart(2 * len, '0');
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = parseInt(hex.substring(2 * i, 2 * i + 2), 16);
  return out;
}

/** Bit length of a positive integer. */
export function bitLength(x: bigint): number {
  return x <= 0n ? 0 : x.toString(2).length;
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** base^exp mod m with a fixed 4-bit window: 4 squarings and one multiply per exponent nibble. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  const b = mod(base, m);
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * b) % m);
  const hex = exp.toString(16);
  let r = 1n;
  for (let i = 0; i < hex.length; i++) {
    if (i > 0) {
      r = (r * r) % m;
      r = (r * r) % m;
      r = (r * r) % m;
      r = (r * r) % m;
    }
    r = (r * table[parseInt(hex[i]!, 16)]!) % m; // always multiply, also by table[0] = 1
  }
  return r;
}

/** The inverse of a mod m, or null when gcd(a, m) != 1 (extended Euclid). */
export function modInverse(a: bigint, m: bigint): bigint | null {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return oldR === 1n ? mod(oldS, m) : null;
}

/** A uniformly random integer in [1, n). */
function randomBelow(n: bigint): bigint {
  const len = Math.ceil(bitLength(n) / 8) + 8; // 64 extra bits: negligible modulo bias
  for (;;) {
    const r = os2ip(randomBytes(len)) % n;
    if (r !== 0n) return r;
  }
}

// ---------------------------------------------------------------- primitives

/**
 * RSAVP1 (RFC 8017 §5.2.2) on a k-byte signature: the encoded message as `emLen` bytes, or
 * null for a signature of the wrong length, a representative out of range, or a result that
 * does not fit.
 */
function rsavp1(key: RsaPublicKey, signature: Uint8Array, emLen: number): Uint8Array | null {
  // §8.1.2 / §8.2.2 step 1: the signature has exactly k bytes.
  if (signature.length !== key.k) return null;
  const s = os2ip(signature);
  if (s >= key.n) return null; // §5.2.2 step 1: "signature representative out of range"
  return i2osp(modPow(s, key.e, key.n), emLen);
}

/** RSASP1 (RFC 8017 §5.1.2) with CRT, blinding and a public-key check of the result. */
function rsasp1(key: RsaPrivateKey, em: Uint8Array): Uint8Array {
  const m = os2ip(em);
  if (m >= key.n) throw new TlsError('ERR_TLS_CRYPTO_FAILURE', 'RSA sign: message representative out of range');
  let r: bigint;
  let rInv: bigint | null;
  do {
    r = randomBelow(key.n);
    rInv = modInverse(r, key.n);
  } while (rInv === null);
  const c = (m * modPow(r, key.e, key.n)) % key.n;
  // §5.1.2 step 2.b (CRT): s1 = c^dP mod p, s2 = c^dQ mod q, h = (s1 - s2) qInv mod p.
  const s1 = modPow(c, key.dp, key.p);
  const s2 = modPow(c, key.dq, key.q);
  const h = mod((s1 - s2) * key.qInv, key.p);
  const s = ((s2 + key.q * h) * rInv) % key.n;
  // Fault check: never release a signature that does not verify (a CRT fault leaks p or q).
  if (modPow(s, key.e, key.n) !== m) throw new TlsError('ERR_TLS_CRYPTO_FAILURE', 'RSA sign: result failed the public-key check (inconsistent key or fault)');
  const out = i2osp(s, key.k);
  if (out === null) throw new TlsError('ERR_TLS_CRYPTO_FAILURE', 'RSA sign: signature does not fit the modulus');
  return out;
}

// ---------------------------------------------------------------- EMSA-PKCS1-v1_5

// RFC 8017 §9.2 note 1: DER DigestInfo prefixes (AlgorithmIdentifier with NULL parameters).
const DIGEST_INFO_PREFIX: Readonly<Record<HashName, Uint8Array>> = {
  sha256: Uint8Array.of(0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20),
  sha384: Uint8Array.of(0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30),
  sha512: Uint8Array.of(0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40),
};

/** EMSA-PKCS1-v1_5-ENCODE (RFC 8017 §9.2): 0x00 0x01 PS(0xff...) 0x00 DigestInfo, emLen bytes. */
function emsaPkcs1Encode(hash: HashName, message: Uint8Array, emLen: number): Uint8Array | null {
  const prefix = DIGEST_INFO_PREFIX[hash];
  const digest = nobleHashFor(hash)(message);
  const tLen = prefix.length + digest.length;
  // §9.2 step 3: "intended encoded message length too short" when emLen < tLen + 11.
  if (emLen < tLen + 11) return null;
  const em = new Uint8Array(emLen).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[emLen - tLen - 1] = 0x00;
  em.set(prefix, emLen - tLen);
  em.set(digest, emLen - digest.length);
  return em;
}

/**
 * RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 §8.2.2): re-encode and compare the whole block (the
 * encoding-compare method; no parsing of the DigestInfo, so no Bleichenbacher-2006 forgeries).
 */
export function rsaVerifyPkcs1(key: RsaPublicKey, hash: HashName, message: Uint8Array, signature: Uint8Array): boolean {
  const em = rsavp1(key, signature, key.k);
  if (em === null) return false;
  const expected = emsaPkcs1Encode(hash, message, key.k);
  return expected !== null && equal(em, expected);
}

/** RSASSA-PKCS1-V1_5-SIGN (RFC 8017 §8.2.1). */
export function rsaSignPkcs1(key: RsaPrivateKey, hash: HashName, message: Uint8Array): Uint8Array {
  const em = emsaPkcs1Encode(hash, message, key.k);
  if (em === null) throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `RSA sign: a ${key.bits}-bit modulus is too short for PKCS#1 v1.5 with ${hash}`);
  return rsasp1(key, em);
}

// ---------------------------------------------------------------- EMSA-PSS

/** MGF1 (RFC 8017 §B.2.1) with the given hash. */
function mgf1(hash: HashName, seed: Uint8Array, length: number): Uint8Array {
  const h = nobleHashFor(hash);
  const out = new Uint8Array(length);
  const input = new Uint8Array(seed.length + 4);
  input.set(seed, 0);
  for (let counter = 0, off = 0; off < length; counter++) {
    input[seed.length] = counter >>> 24;
    input[seed.length + 1] = (counter >>> 16) & 0xff;
    input[seed.length + 2] = (counter >>> 8) & 0xff;
    input[seed.length + 3] = counter & 0xff;
    const block = h(input);
    const n = Math.min(block.length, length - off);
    out.set(block.subarray(0, n), off);
    off += n;
  }
  return out;
}

/** H = Hash(0x00 * 8 || mHash || salt) (RFC 8017 §9.1.1 steps 5-6). */
function pssHash(hash: HashName, mHash: Uint8Array, salt: Uint8Array): Uint8Array {
  const mPrime = new Uint8Array(8 + mHash.length + salt.length);
  mPrime.set(mHash, 8);
  mPrime.set(salt, 8 + mHash.length);
  return nobleHashFor(hash)(mPrime);
}

/**
 * RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) with EMSA-PSS-VERIFY (§9.1.2), MGF1 with the same hash
 * and a salt of exactly `saltLength` bytes (RFC 8446 §4.2.3: the digest length).
 */
export function rsaVerifyPss(key: RsaPublicKey, hash: HashName, message: Uint8Array, signature: Uint8Array, saltLength: number): boolean {
  // §8.1.2 step 2: emBits = modBits - 1, emLen = ceil(emBits / 8).
  const emBits = key.bits - 1;
  const emLen = Math.ceil(emBits / 8);
  const em = rsavp1(key, signature, emLen);
  if (em === null) return false;
  const mHash = nobleHashFor(hash)(message);
  const hLen = mHash.length;
  // §9.1.2 steps 3-4.
  if (emLen < hLen + saltLength + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const dbLen = emLen - hLen - 1;
  const maskedDb = em.subarray(0, dbLen);
  const h = em.subarray(dbLen, dbLen + hLen);
  // Step 6: the leftmost 8*emLen - emBits bits of maskedDB must be zero.
  const topMask = 0xff >>> (8 * emLen - emBits);
  if ((maskedDb[0]! & ~topMask) !== 0) return false;
  // Steps 7-8.
  const db = mgf1(hash, h, dbLen);
  for (let i = 0; i < dbLen; i++) db[i]! ^= maskedDb[i]!;
  db[0]! &= topMask;
  // Step 10: PS is zeros, then 0x01.
  const psLen = emLen - hLen - saltLength - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  // Steps 11-14.
  const salt = db.subarray(dbLen - saltLength);
  return equal(pssHash(hash, mHash, salt), h);
}

/** RSASSA-PSS-SIGN (RFC 8017 §8.1.1) with a random salt of `saltLength` bytes (§9.1.1). */
export function rsaSignPss(key: RsaPrivateKey, hash: HashName, message: Uint8Array, saltLength: number): Uint8Array {
  const emBits = key.bits - 1;
  const emLen = Math.ceil(emBits / 8);
  const mHash = nobleHashFor(hash)(message);
  const hLen = mHash.length;
  if (emLen < hLen + saltLength + 2) throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `RSA sign: a ${key.bits}-bit modulus is too short for PSS with ${hash}`);
  const salt = randomBytes(saltLength);
  const h = pssHash(hash, mHash, salt);
  const dbLen = emLen - hLen - 1;
  const db = new Uint8Array(dbLen);
  db[dbLen - saltLength - 1] = 0x01;
  db.set(salt, dbLen - saltLength);
  const mask = mgf1(hash, h, dbLen);
  for (let i = 0; i < dbLen; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >>> (8 * emLen - emBits);
  const em = new Uint8Array(emLen);
  em.set(db, 0);
  em.set(h, dbLen);
  em[emLen - 1] = 0xbc;
  return rsasp1(key, em);
}

/** Equality of public values (signature checks compare data the attacker already knows). */
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc |= a[i]! ^ b[i]!;
  return acc === 0;
}
