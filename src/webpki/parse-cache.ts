/**
 * A bounded cache of parsed certificates, per verifier: a client that connects to the same
 * server again receives the same leaf and intermediates, and parsing them again (DER walk,
 * names, extensions: ~30-60 µs per certificate) gives the same result.
 *
 * Soundness: `parseCertificate` is a pure function of the DER bytes. An entry is used only when
 * the input is byte-for-byte equal to the bytes it was parsed from (the entry keeps its own
 * copy, so a caller reusing its buffer cannot change a cached certificate). Failures are never
 * cached. Only the default parse (no `allowUnknownCriticalExtensions`) goes through it.
 */
import { parseCertificate, type Certificate } from './certificate.ts';
import { bytesEqual } from './der.ts';

/** Entries kept per cache; the least recently used goes first. */
const DEFAULT_MAX_ENTRIES = 32;

/** Bytes of the DER's tail hashed into the map key (the end of the signature: near-unique). */
const KEY_TAIL = 24;

/**
 * The map key: a 32-bit FNV-1a hash of the length and the DER's tail. A number, not a string
 * built byte by byte (a rope Map.get must flatten and hash on every lookup). A collision only
 * costs a re-parse: an entry is used only when its DER equals the input byte for byte.
 */
function keyOf(der: Uint8Array): number {
  let h = (0x811c9dc5 ^ der.length) >>> 0;
  for (let i = Math.max(0, der.length - KEY_TAIL); i < der.length; i++) h = Math.imul(h ^ der[i]!, 0x01000193);
  return h >>> 0;
}

/** Parses certificates, remembering the last `maxEntries` that parsed. */
export class CertificateParseCache {
  readonly #entries = new Map<number, Certificate>();
  readonly #max: number;

  constructor(maxEntries: number = DEFAULT_MAX_ENTRIES) {
    this.#max = Math.max(1, maxEntries);
  }

  /**
   * `parseCertificate(der)`, or the equal certificate parsed before. The result's byte fields
   * are views of the cache's own copy: never mutate them.
   * @throws as `parseCertificate` (failures are not cached).
   */
  parse(der: Uint8Array): Certificate {
    const key = keyOf(der);
    const hit = this.#entries.get(key);
    if (hit !== undefined && bytesEqual(hit.der, der)) {
      // Refresh: Map keeps insertion order, so the first key is the least recently used.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const cert = parseCertificate(der.slice());
    this.#entries.delete(key);
    this.#entries.set(key, cert);
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return cert;
  }
}
