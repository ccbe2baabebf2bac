/**
 * SHA-2 hashes, HMAC and HKDF on node:crypto (RFC 6234, RFC 2104, RFC 5869).
 * HMAC keys go in as `KeyObject`s (PLATFORM-NOTES: a Buffer key costs extra per call on Node 24).
 * Short HMAC-SHA256 / HKDF-SHA256 inputs and SHA-256 transcript contexts run in JS instead
 * (sha256-small.ts; not in FIPS mode).
 */
import { createHash, createHmac, createSecretKey, getFips, type Hash, type KeyObject } from 'node:crypto';
import type { HashAlgorithm, HashContext, HashName } from '../../core/crypto/provider.ts';
import { TlsError } from '../../core/errors.ts';
import { Sha256Stream, hkdfExpandSha256Small, hkdfExpandSha256SmallInto, hmacSha256Small } from './sha256-small.ts';
import { RAW_KEYS_ARE_CHEAP } from './runtime.ts';

// HMAC key form, chosen per runtime (measured here, one HMAC-SHA256 of 40 bytes): Node 20 /
// OpenSSL 3.0 takes a raw key in ~4.5 µs and createSecretKey + HMAC costs ~7.5 µs; Node 24 /
// OpenSSL 3.5 needs 15-28 µs with a raw key but the same ~7.5 µs via a KeyObject
// (PLATFORM-NOTES). Node 21-23 are unmeasured and take the KeyObject path.
const RAW_HMAC_KEYS = RAW_KEYS_ARE_CHEAP;

function hmacKey(key: Uint8Array): Uint8Array | KeyObject {
  return RAW_HMAC_KEYS ? key : createSecretKey(key);
}

/** Wraps a node `Buffer` result as a plain `Uint8Array` view (no copy). */
function bytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

class NodeHashContext implements HashContext {
  readonly h: Hash;
  constructor(h: Hash) {
    this.h = h;
  }
  update(data: Uint8Array): void {
    this.h.update(data);
  }
  current(): Uint8Array {
    // `copy()` keeps this context open: a transcript snapshot costs ~1.2 µs (PLATFORM-NOTES).
    return bytes(this.h.copy().digest());
  }
  fork(): HashContext {
    return new NodeHashContext(this.h.copy());
  }
}

// Short HMAC-SHA256s (the TLS 1.3 key schedule, Finished and binders, the TLS 1.2 PRF) run in
// JS (sha256-small.ts): 4-5 compressions of ~0.35 µs beat node:crypto's fixed cost per
// createHmac/update/digest (object, C++ crossing, Buffer). Measured on Node 20, hot loop: key
// 32 B, message 32/55/100/119/120/184 B: JS 1.55/1.53/1.82/1.91/2.28/2.57 µs, node:crypto
// 2.12/2.05/2.09/2.11/2.11/2.25 µs; keys over one block are hashed first (65 B key: 2.2 vs
// 2.4 µs). Inside the engine node:crypto costs more per call (5-8 µs vs 3-5 µs for JS under
// load), so the limits are: a key of at most one block and a message of at most 119 bytes
// (two blocks after the ipad block). Larger inputs stay on node:crypto. In FIPS mode every HMAC
// stays in the validated module: checked per call (~0.1 µs), since setFips() can switch at run time.
const SMALL_KEY_MAX = 64;
const SMALL_DATA_MAX = 119;

function useSmall(key: Uint8Array, dataLength: number): boolean {
  return key.length <= SMALL_KEY_MAX && dataLength <= SMALL_DATA_MAX && getFips() === 0;
}

class NodeHashAlgorithm implements HashAlgorithm {
  readonly name: HashName;
  readonly outputLength: number;
  /** SHA-256 only: short HMAC / HKDF inputs take the JS path (sha256-small.ts). */
  readonly small: boolean;
  constructor(name: HashName, outputLength: number) {
    this.name = name;
    this.outputLength = outputLength;
    this.small = name === 'sha256';
  }

  /**
   * SHA-256 contexts (the transcript hash of every SHA-256 suite) run in JS outside FIPS mode
   * (sha256-small.ts, `Sha256Stream`): 6-8 snapshots per handshake and side through node:crypto
   * are as many `Hash` objects whose C++ destructors run in a later scavenge's pause. Decided
   * per context: a transcript keeps the implementation it started with.
   */
  start(): HashContext {
    if (this.small && getFips() === 0) return new Sha256Stream();
    return new NodeHashContext(createHash(this.name));
  }

  digest(data: Uint8Array): Uint8Array {
    return bytes(createHash(this.name).update(data).digest());
  }

  hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
    if (this.small && useSmall(key, data.length)) return hmacSha256Small(key, data);
    return bytes(createHmac(this.name, hmacKey(key)).update(data).digest());
  }

  // RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); "if not provided, [salt] is set to a string of
  // HashLen zeros". HMAC zero-pads its key to the block size (RFC 2104 §2), so an empty key and
  // HashLen zeros give the same PRK.
  hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
    return this.hmac(salt, ikm);
  }

  // RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = first L octets of T(1)|T(2)|...
  hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    const hashLen = this.outputLength;
    this.#checkExpandLength(length);
    if (this.#expandsInJs(prk, info, length)) return hkdfExpandSha256Small(prk, info, length);
    const key = hmacKey(prk);
    if (length === hashLen) {
      // One block (every TLS 1.3 Derive-Secret): T(1) = HMAC(PRK, info | 0x01), no copy.
      counter1[0] = 1;
      return bytes(createHmac(this.name, key).update(info).update(counter1).digest());
    }
    const out = new Uint8Array(length);
    const counter = new Uint8Array(1);
    let prev: Buffer | null = null;
    for (let i = 1, off = 0; off < length; i++) {
      const m = createHmac(this.name, key);
      if (prev !== null) m.update(prev);
      m.update(info);
      counter[0] = i;
      m.update(counter);
      prev = m.digest();
      const n = Math.min(hashLen, length - off);
      out.set(n === hashLen ? prev : prev.subarray(0, n), off);
      off += n;
    }
    return out;
  }

  // The engine's transient keys (provider.ts): the JS path writes straight into `out`; the
  // node:crypto path copies its result in and zeroes it.
  hkdfExpandInto(prk: Uint8Array, info: Uint8Array, out: Uint8Array): void {
    this.#checkExpandLength(out.length);
    if (this.#expandsInJs(prk, info, out.length)) {
      hkdfExpandSha256SmallInto(prk, info, out);
      return;
    }
    const r = this.hkdfExpand(prk, info, out.length);
    out.set(r);
    r.fill(0);
  }

  #checkExpandLength(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > 255 * this.outputLength) {
      throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `HKDF-Expand: length ${length} is outside 0..${255 * this.outputLength}`);
    }
  }

  /** Short SHA-256 inputs: T(i) for i > 1 hashes T(i-1) | info | i, 32 bytes more than T(1). */
  #expandsInJs(prk: Uint8Array, info: Uint8Array, length: number): boolean {
    return this.small && useSmall(prk, (length > this.outputLength ? this.outputLength : 0) + info.length + 1);
  }
}

const counter1 = new Uint8Array(1);

/** SHA-256 with HMAC and HKDF. */
export const sha256: HashAlgorithm = new NodeHashAlgorithm('sha256', 32);
/** SHA-384 with HMAC and HKDF. */
export const sha384: HashAlgorithm = new NodeHashAlgorithm('sha384', 48);
/** SHA-512 with HMAC and HKDF. */
export const sha512: HashAlgorithm = new NodeHashAlgorithm('sha512', 64);

/** The three hashes by name, as `CryptoProvider.hashes` wants them. */
export const nodeHashes: Readonly<Record<HashName, HashAlgorithm>> = Object.freeze({ sha256, sha384, sha512 });
