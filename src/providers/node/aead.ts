/**
 * AEADs on node:crypto: AES-128-GCM, AES-256-GCM (RFC 5116, NIST SP 800-38D) and
 * ChaCha20-Poly1305 (RFC 8439). Node's `Cipher` cannot be reused after `final()`, so each
 * record costs one cipher object (PLATFORM-NOTES). The key is kept in the form node:crypto takes
 * cheapest on this runtime (runtime.ts): on Node 20 a private copy of the raw bytes (a record
 * costs the same as with a `KeyObject`, 16 KiB seal 16.7 against 16.9 µs, and the
 * `createSecretKey` import, ~3.5-5 µs per key and four keys per handshake, is saved); on newer
 * Node a `KeyObject` (a raw key costs ~4x more per record on Node 24).
 */
import { createCipheriv, createDecipheriv, createSecretKey, type CipherGCMTypes, type CipherChaCha20Poly1305Types, type KeyObject } from 'node:crypto';
import type { AeadAlgorithm, AeadKey } from '../../core/crypto/provider.ts';
import { TlsError } from '../../core/errors.ts';
import { RAW_KEYS_ARE_CHEAP } from './runtime.ts';

type NodeAeadName = CipherGCMTypes | CipherChaCha20Poly1305Types;

const TAG_LENGTH = 16;
const NONCE_LENGTH = 12;
/** The options of every cipher object, made once (node:crypto only reads them). */
const TAG_OPTIONS = { authTagLength: TAG_LENGTH };

// Usage limits, in records (one record = one AEAD invocation of at most 2^14 + 256 bytes):
// - AES-GCM confidentiality: RFC 8446 §5.5 "AES-GCM ... up to 2^24.5 full-size records";
//   floor(2^24.5) = 23726566.
// - AES-GCM integrity: 2^36 forgery attempts (RFC 9147 §4.5.3, from draft-irtf-cfrg-aead-limits).
// - ChaCha20-Poly1305 confidentiality: RFC 8446 §5.5 says it is larger than the 2^64 sequence
//   numbers; draft-irtf-cfrg-aead-limits gives 2^62 — clamped to 2^53-1 since limits are numbers.
// - ChaCha20-Poly1305 integrity: 2^36 (RFC 9147 §4.5.3).
const AES_GCM_CONFIDENTIALITY_LIMIT = 23726566;
const INTEGRITY_LIMIT = 2 ** 36;
const CHACHA_CONFIDENTIALITY_LIMIT = Number.MAX_SAFE_INTEGER;

// ---- recycled send buffers (AeadKey.allocateSealed) ----
// Allocating and freeing a 64 KiB ArrayBuffer per write (external memory the GC tracks and
// frees) cost ~2.5 µs per 16 KiB record here, more than copying into a buffer sent before
// (issue 5). The Node adapter hands buffers back once the kernel has them (recycleSealed).
/** One 64 KiB write sealed: 4 full records with the largest overhead (TLS 1.2 GCM: 5 + 8 + 16). */
const SEALED_BUFFER_SIZE = 4 * (5 + 8 + 16384 + 16);
/** Smaller requests get a buffer of their own, so a recycled one is at most twice the size used. */
const SEALED_BUFFER_MIN = SEALED_BUFFER_SIZE >>> 1;
/** Free buffers kept per process (256 KiB at most). */
const SEALED_POOL_MAX = 4;
const sealedFree: ArrayBuffer[] = [];
// Buffers handed out and not yet given back: only these are taken back, each once.
const sealedLent = new WeakSet<ArrayBufferLike>();

function allocateSealed(length: number): Uint8Array {
  if (length < SEALED_BUFFER_MIN || length > SEALED_BUFFER_SIZE) return new Uint8Array(length);
  const ab = sealedFree.pop() ?? new ArrayBuffer(SEALED_BUFFER_SIZE);
  sealedLent.add(ab);
  return new Uint8Array(ab, 0, length);
}

/**
 * True when `b` (returned by `writeTls()`) lives in a recyclable send buffer of this provider;
 * pass it to `recycleSealed` once nothing references it any more.
 */
export function isRecyclableSealed(b: Uint8Array): boolean {
  return sealedLent.has(b.buffer);
}

/**
 * Gives a send buffer back (see `isRecyclableSealed`): the caller guarantees that nothing
 * reads or keeps `b` or its memory any more (e.g. the kernel has taken the bytes: a `net.Socket`
 * write callback without error). It then holds only ciphertext already sent. Other buffers,
 * and a buffer given back twice, are ignored.
 */
export function recycleSealed(b: Uint8Array): void {
  const ab = b.buffer;
  if (!sealedLent.delete(ab)) return;
  if (sealedFree.length < SEALED_POOL_MAX) sealedFree.push(ab as ArrayBuffer);
}

/** Key material as node:crypto takes it: a `KeyObject`, or raw bytes this key owns (a copy). */
type NodeCipherKey = KeyObject | Uint8Array;

class NodeAeadKey implements AeadKey {
  readonly cipher: NodeAeadName;
  readonly key: NodeCipherKey;
  constructor(cipher: NodeAeadName, key: NodeCipherKey) {
    this.cipher = cipher;
    this.key = key;
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): void {
    if (nonce.length !== NONCE_LENGTH) {
      throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `AEAD seal: nonce is ${nonce.length} bytes, expected ${NONCE_LENGTH}`);
    }
    if (outOffset < 0 || out.length - outOffset < plaintext.length + TAG_LENGTH) {
      throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `AEAD seal: output has ${out.length - outOffset} bytes at offset, needs ${plaintext.length + TAG_LENGTH}`);
    }
    // The overloads of createCipheriv are keyed on literal names; the union is one of them.
    const c = createCipheriv(this.cipher as 'aes-128-gcm', this.key, nonce, TAG_OPTIONS);
    c.setAAD(aad); // no plaintextLength: only CCM needs it
    // `update` returns a fresh buffer before anything is written to `out`, so in-place is safe.
    const ct = c.update(plaintext);
    const rest = c.final();
    out.set(ct, outOffset);
    let o = outOffset + ct.length;
    if (rest.length > 0) {
      out.set(rest, o);
      o += rest.length;
    }
    out.set(c.getAuthTag(), o);
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, out: Uint8Array, outOffset: number): number {
    const n = ciphertext.length - TAG_LENGTH;
    if (n < 0 || outOffset < 0 || out.length - outOffset < n) return -1;
    const pt = this.openToNew(nonce, aad, ciphertext);
    if (pt === null) return -1;
    out.set(pt, outOffset);
    return n;
  }

  allocateSealed(length: number): Uint8Array {
    return allocateSealed(length);
  }

  // The AeadKey fast path: `update()` returns a fresh Buffer anyway, so hand it over instead of
  // copying it back into the record buffer (the engine queues it for the application as is).
  openToNew(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
    const n = ciphertext.length - TAG_LENGTH;
    if (n < 0 || nonce.length !== NONCE_LENGTH) return null;
    let pt: Buffer;
    try {
      const d = createDecipheriv(this.cipher as 'aes-128-gcm', this.key, nonce, TAG_OPTIONS);
      d.setAuthTag(ciphertext.subarray(n));
      // GCM and ChaCha20-Poly1305 take the AAD without the plaintext length (only CCM needs it).
      d.setAAD(aad);
      pt = d.update(ciphertext.subarray(0, n));
      // final() throws when the tag does not verify; `pt` is dropped then, so no
      // unauthenticated plaintext is ever released (RFC 5116 §2.2). For these stream-mode
      // AEADs it returns no bytes.
      const rest = d.final();
      if (rest.length > 0) pt = Buffer.concat([pt, rest]);
    } catch {
      return null;
    }
    // A plain Uint8Array over the same memory (no copy): callers and users get no Buffer.
    return new Uint8Array(pt.buffer, pt.byteOffset, pt.length);
  }
}

class NodeAeadAlgorithm implements AeadAlgorithm {
  readonly name: AeadAlgorithm['name'];
  readonly keyLength: number;
  readonly nonceLength = NONCE_LENGTH;
  readonly tagLength = TAG_LENGTH;
  readonly confidentialityLimit: number;
  readonly integrityLimit: number;
  readonly cipher: NodeAeadName;
  /** Keys kept as raw bytes (a private copy) instead of a `KeyObject`. */
  readonly rawKeys: boolean;

  constructor(name: AeadAlgorithm['name'], cipher: NodeAeadName, keyLength: number, confidentialityLimit: number, integrityLimit: number, rawKeys: boolean = RAW_KEYS_ARE_CHEAP) {
    this.name = name;
    this.keyLength = keyLength;
    this.confidentialityLimit = confidentialityLimit;
    this.integrityLimit = integrityLimit;
    this.cipher = cipher;
    this.rawKeys = rawKeys;
  }

  importKey(key: Uint8Array): AeadKey {
    if (key.length !== this.keyLength) {
      throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `${this.name}: key is ${key.length} bytes, expected ${this.keyLength}`);
    }
    // A copy in its own memory (not Buffer's shared pool): the caller zeroes its array.
    return new NodeAeadKey(this.cipher, this.rawKeys ? new Uint8Array(key) : createSecretKey(key));
  }
}

/**
 * `alg` (one of this module's AEADs) with its keys kept in the given form whatever the runtime:
 * for tests and measurements of both paths on one Node.
 */
export function withKeyForm(alg: AeadAlgorithm, form: 'raw' | 'keyobject'): AeadAlgorithm {
  if (!(alg instanceof NodeAeadAlgorithm)) throw new TlsError('ERR_TLS_CONFIG', `withKeyForm: ${alg.name} is not a node provider AEAD`);
  return new NodeAeadAlgorithm(alg.name, alg.cipher, alg.keyLength, alg.confidentialityLimit, alg.integrityLimit, form === 'raw');
}

/** AES-128-GCM (RFC 5116 §5.1). */
export const aes128Gcm: AeadAlgorithm = new NodeAeadAlgorithm('AES-128-GCM', 'aes-128-gcm', 16, AES_GCM_CONFIDENTIALITY_LIMIT, INTEGRITY_LIMIT);
/** AES-256-GCM (RFC 5116 §5.2). */
export const aes256Gcm: AeadAlgorithm = new NodeAeadAlgorithm('AES-256-GCM', 'aes-256-gcm', 32, AES_GCM_CONFIDENTIALITY_LIMIT, INTEGRITY_LIMIT);
/** ChaCha20-Poly1305 (RFC 8439 §2.8). Not available in FIPS mode. */
export const chacha20Poly1305: AeadAlgorithm = new NodeAeadAlgorithm('CHACHA20-POLY1305', 'chacha20-poly1305', 32, CHACHA_CONFIDENTIALITY_LIMIT, INTEGRITY_LIMIT);
