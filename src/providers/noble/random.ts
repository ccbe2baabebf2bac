/**
 * Secure randomness from Web Crypto's `getRandomValues`, which every runtime we target has
 * (Node 20+, Deno, Bun, browsers, Workers) as `globalThis.crypto`.
 */
import { TlsError } from '../../core/errors.ts';

interface RandomSource {
  getRandomValues<T extends ArrayBufferView>(array: T): T;
}

// Read once; typed locally so this file needs neither DOM nor Node type definitions.
const source: RandomSource | undefined = (globalThis as { crypto?: RandomSource }).crypto;

// W3C Web Crypto §10.1.1: getRandomValues throws QuotaExceededError above 65536 bytes.
const MAX_CHUNK = 65536;

/**
 * Fills `out` with cryptographically secure random bytes.
 * @throws ERR_TLS_CRYPTO_FAILURE when the runtime has no `crypto.getRandomValues`.
 */
export function fillRandom(out: Uint8Array): void {
  if (source === undefined || typeof source.getRandomValues !== 'function') {
    throw new TlsError('ERR_TLS_CRYPTO_FAILURE', 'no globalThis.crypto.getRandomValues in this runtime, expected Web Crypto');
  }
  for (let off = 0; off < out.length; off += MAX_CHUNK) {
    source.getRandomValues(out.subarray(off, Math.min(out.length, off + MAX_CHUNK)));
  }
}

/** `n` fresh random bytes, owned by the caller. */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  fillRandom(out);
  return out;
}
