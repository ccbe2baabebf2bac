/**
 * SHA-2 hashes, HMAC and HKDF on `@noble/hashes` (RFC 6234, RFC 2104, RFC 5869): the same
 * behaviour, limits and errors as the node provider's `hash.ts`.
 */
import { sha256 as nobleSha256, sha384 as nobleSha384, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { expand as hkdfExpand } from '@noble/hashes/hkdf.js';
import type { HashAlgorithm, HashContext, HashName } from '../../core/crypto/provider.ts';
import { TlsError } from '../../core/errors.ts';

/** The shape of a noble hash function we rely on (`sha256`, ...). */
type NobleHash = typeof nobleSha256 | typeof nobleSha384 | typeof nobleSha512;
/** A noble incremental hash instance. */
interface NobleHashInstance {
  update(data: Uint8Array): NobleHashInstance;
  digest(): Uint8Array;
  clone(): NobleHashInstance;
}

class NobleHashContext implements HashContext {
  readonly h: NobleHashInstance;
  constructor(h: NobleHashInstance) {
    this.h = h;
  }
  update(data: Uint8Array): void {
    this.h.update(data);
  }
  current(): Uint8Array {
    // digest() ends a noble hash, so snapshot a clone: the transcript stays open.
    return this.h.clone().digest();
  }
  fork(): HashContext {
    return new NobleHashContext(this.h.clone());
  }
}

class NobleHashAlgorithm implements HashAlgorithm {
  readonly name: HashName;
  readonly outputLength: number;
  readonly fn: NobleHash;
  constructor(name: HashName, fn: NobleHash) {
    this.name = name;
    this.outputLength = fn.outputLen;
    this.fn = fn;
  }

  start(): HashContext {
    return new NobleHashContext(this.fn.create() as NobleHashInstance);
  }

  digest(data: Uint8Array): Uint8Array {
    return this.fn(data);
  }

  hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
    return nobleHmac(this.fn, key, data);
  }

  // RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an absent salt is HashLen zeros, which HMAC's
  // zero padding of the key (RFC 2104 §2) makes equal to an empty key.
  hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
    return nobleHmac(this.fn, salt, ikm);
  }

  // RFC 5869 §2.3: L <= 255 * HashLen, checked here so the error matches the node provider.
  hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    const hashLen = this.outputLength;
    if (!Number.isInteger(length) || length < 0 || length > 255 * hashLen) {
      throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `HKDF-Expand: length ${length} is outside 0..${255 * hashLen}`);
    }
    if (length === 0) return new Uint8Array(0);
    return hkdfExpand(this.fn, prk, info, length);
  }
}

/** SHA-256 with HMAC and HKDF, pure TypeScript. */
export const sha256: HashAlgorithm = new NobleHashAlgorithm('sha256', nobleSha256);
/** SHA-384 with HMAC and HKDF, pure TypeScript. */
export const sha384: HashAlgorithm = new NobleHashAlgorithm('sha384', nobleSha384);
/** SHA-512 with HMAC and HKDF, pure TypeScript. */
export const sha512: HashAlgorithm = new NobleHashAlgorithm('sha512', nobleSha512);

/** The three hashes by name, as `CryptoProvider.hashes` wants them. */
export const nobleHashes: Readonly<Record<HashName, HashAlgorithm>> = Object.freeze({ sha256, sha384, sha512 });

/** The raw noble hash for a name (RSA and ECDSA prehashing). */
export function nobleHashFor(name: HashName): NobleHash {
  return name === 'sha256' ? nobleSha256 : name === 'sha384' ? nobleSha384 : nobleSha512;
}
