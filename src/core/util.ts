/** Small helpers shared across core (no runtime dependencies). */

/** True for a thenable: user callbacks may return one (ARCHITECTURE "async handshake interruption"). */
export function isPromiseLike<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * A zero-length byte array, shared: nothing can be written to it, so one serves every "no
 * bytes" value (initial buffers, empty contexts) without an allocation per use.
 */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** Exhaustiveness check for tagged unions. */
export function assertNever(x: never, what: string): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}

/**
 * Constant-time equality of two byte strings: the running time depends only on the lengths.
 * Used for Finished, binders and MACs.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Concatenates byte strings into a new array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/** Strict UTF-8 decode; returns null for invalid input. */
export function fromUtf8(b: Uint8Array): string | null {
  try {
    return utf8Decoder.decode(b);
  } catch {
    return null;
  }
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(h: string): Uint8Array {
  const clean = h.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error('invalid hex');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}
