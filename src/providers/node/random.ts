/** Secure randomness from node:crypto (OpenSSL's DRBG). */
import { randomFillSync } from 'node:crypto';

/** Fills `out` with cryptographically secure random bytes. */
export function fillRandom(out: Uint8Array): void {
  randomFillSync(out);
}
