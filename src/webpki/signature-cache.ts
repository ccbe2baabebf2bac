/**
 * A bounded cache of certificate signatures that verified, per verifier: a client that connects
 * to the same server again sees the same leaf and intermediates, and checking their signatures
 * again (two public-key operations, ~60-130 µs each on node:crypto) gives the same answer.
 *
 * Soundness: a signature check is a pure function of (scheme, issuer SPKI, signed data,
 * signature), all public. An entry is used only when all four are byte-for-byte equal to what
 * verified before, so a hit returns exactly what the provider would. Failures are never
 * cached. Only certificate signatures go through it (never handshake CertificateVerify
 * signatures, which are fresh every time and would only evict useful entries).
 */
import type { HashName, SignatureVerifier } from '../core/crypto/provider.ts';

/** Entries kept per verifier; the oldest is dropped first. */
const MAX_ENTRIES = 256;

interface Entry {
  readonly scheme: number;
  readonly spki: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The Map key: a 32-bit FNV-1a hash of the signature (a number: a string built byte by byte is
 * a rope that every Map lookup must flatten and hash). A collision only evicts or misses: a hit
 * still needs scheme, SPKI, message and signature equal byte for byte.
 */
function keyOf(signature: Uint8Array): number {
  let h = (0x811c9dc5 ^ signature.length) >>> 0;
  for (let i = 0; i < signature.length; i++) h = Math.imul(h ^ signature[i]!, 0x01000193);
  return h >>> 0;
}

/**
 * Wraps `inner` so that `verify` remembers successes (bounded, first in first out). Inputs may
 * be views of buffers the caller reuses: entries keep copies.
 */
export function cachingSignatureVerifier(inner: SignatureVerifier, maxEntries: number = MAX_ENTRIES): SignatureVerifier {
  const entries = new Map<number, Entry>();
  const wrapped: SignatureVerifier = {
    supportedSchemes: inner.supportedSchemes,
    verify(scheme: number, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      const key = keyOf(signature);
      const e = entries.get(key);
      if (e !== undefined && e.scheme === scheme && sameBytes(e.signature, signature) && sameBytes(e.spki, spki) && sameBytes(e.message, message)) return true;
      if (!inner.verify(scheme, spki, message, signature)) return false;
      entries.delete(key);
      entries.set(key, { scheme, spki: spki.slice(), message: message.slice(), signature: signature.slice() });
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      return true;
    },
  };
  if (inner.verifyEcdsaWithHash !== undefined) {
    const f = inner.verifyEcdsaWithHash.bind(inner);
    wrapped.verifyEcdsaWithHash = (hash: HashName, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => f(hash, spki, message, signature);
  }
  return wrapped;
}
