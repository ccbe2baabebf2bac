// Byte-level mutations of real encodings for fast-check fuzzing (DER files, certificates, CRLs,
// PKCS#12): flip a bit, truncate, insert or delete a few bytes, overwrite a byte.
import fc from 'fast-check';

export type ByteMutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'set'; at: number; value: number };

/** The arbitraries of each ByteMutation kind (combine with `fc.oneof`, adding kinds of your own). */
export const byteMutationArbs = [
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
] as const;

/** A copy of `src` (non-empty) with `m` applied; positions wrap around its length. */
export function applyByteMutation(src: Uint8Array, m: ByteMutation): Uint8Array {
  const out = src.slice();
  switch (m.kind) {
    case 'flip': { out[m.at % out.length]! ^= 1 << m.bit; return out; }
    case 'truncate': return out.subarray(0, m.at % out.length);
    case 'insert': {
      const at = m.at % (out.length + 1);
      const r = new Uint8Array(out.length + m.bytes.length);
      r.set(out.subarray(0, at), 0);
      r.set(m.bytes, at);
      r.set(out.subarray(at), at + m.bytes.length);
      return r;
    }
    case 'delete': {
      const at = m.at % out.length;
      const r = new Uint8Array(out.length - Math.min(m.count, out.length - at));
      r.set(out.subarray(0, at), 0);
      r.set(out.subarray(at + m.count), at);
      return r;
    }
    case 'set': { out[m.at % out.length] = m.value; return out; }
  }
}
