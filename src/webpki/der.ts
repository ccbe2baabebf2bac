/**
 * A strict DER reader (ITU-T X.690 §10) for X.509 and CRLs, plus a tiny DER writer.
 *
 * Strictness, as rustls-webpki's `der.rs`: definite lengths only (no indefinite form, X.690
 * §10.1), minimal length encodings, single-byte tags (X.509 needs no high tag numbers),
 * minimal INTEGERs (X.690 §8.3.2), BOOLEAN only 0x00/0xFF (§11.1), bounded nesting. Every
 * failure is a `TlsCertificateError` with code ERR_TLS_CERT_BAD_ENCODING naming the field.
 *
 * Views returned by the reader alias the input buffer: they stay valid as long as the caller
 * keeps that buffer unchanged. Copy (`slice()`) anything kept past that.
 *
 * This module's exports are used by `crl.ts`; keep them stable.
 */
import { TlsCertificateError } from '../core/errors.ts';

/** DER tags X.509 uses (universal class unless noted). */
export const Tag = {
  Boolean: 0x01,
  Integer: 0x02,
  BitString: 0x03,
  OctetString: 0x04,
  Null: 0x05,
  Oid: 0x06,
  Enumerated: 0x0a,
  Utf8String: 0x0c,
  PrintableString: 0x13,
  TeletexString: 0x14,
  Ia5String: 0x16,
  UtcTime: 0x17,
  GeneralizedTime: 0x18,
  UniversalString: 0x1c,
  BmpString: 0x1e,
  Sequence: 0x30,
  Set: 0x31,
} as const;

/** Context-specific constructed tag `[n]` (e.g. `[0] EXPLICIT Version` is 0xa0). */
export function contextConstructed(n: number): number {
  return 0xa0 | n;
}

/** Context-specific primitive tag `[n] IMPLICIT` (e.g. dNSName `[2]` is 0x82). */
export function contextPrimitive(n: number): number {
  return 0x80 | n;
}

/**
 * Deepest nesting the reader accepts. X.509 nests about 8 deep (Certificate > tbs >
 * extensions > ... > GeneralSubtree > directoryName > RDN > ATV); 32 leaves room and bounds
 * recursion on hostile input.
 */
export const MAX_DER_DEPTH = 32;

/** One decoded TLV. `value` and `encoding` are views of the input. */
export interface DerElement {
  readonly tag: number;
  /** The content octets. */
  readonly value: Uint8Array;
  /** The whole TLV (tag, length and content). */
  readonly encoding: Uint8Array;
}

/** Throws the one DER error: ERR_TLS_CERT_BAD_ENCODING naming the field. */
export function derError(field: string, what: string): TlsCertificateError {
  return new TlsCertificateError('ERR_TLS_CERT_BAD_ENCODING', `${field}: ${what}`);
}

function tagName(tag: number): string {
  return '0x' + tag.toString(16).padStart(2, '0');
}

/**
 * Reads DER elements from `buf[pos..end)`. Construct with `new DerReader(bytes)`; open a
 * constructed element with `nested(tag, field)`, which returns a child reader over its value,
 * and close every reader with `finish(field)`, which rejects trailing bytes.
 */
export class DerReader {
  readonly buf: Uint8Array;
  // invariant: 0 <= pos <= end <= buf.length
  pos: number;
  readonly end: number;
  readonly depth: number;

  constructor(buf: Uint8Array, pos = 0, end = buf.length, depth = 0) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.depth = depth;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  /** The next element's tag, or -1 at the end. */
  peekTag(): number {
    return this.pos < this.end ? this.buf[this.pos]! : -1;
  }

  /** Reads any one element. */
  read(field: string): DerElement {
    const buf = this.buf;
    const start = this.pos;
    if (this.end - start < 2) throw derError(field, `${this.end - start} bytes left, a DER element needs at least 2`);
    const tag = buf[start]!;
    // X.690 §8.1.2.4: high tag numbers; nothing in X.509 needs them.
    if ((tag & 0x1f) === 0x1f) throw derError(field, `multi-byte tag ${tagName(tag)} not supported`);
    let p = start + 1;
    const first = buf[p++]!;
    let len: number;
    if (first < 0x80) {
      len = first;
    } else if (first === 0x80) {
      // X.690 §10.1: DER uses the definite form only.
      throw derError(field, 'indefinite length, expected a definite length');
    } else {
      const n = first & 0x7f;
      if (n > 4) throw derError(field, `length of ${n} octets is too large`);
      if (this.end - p < n) throw derError(field, `truncated length: ${this.end - p} bytes left, needs ${n}`);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
      p += n;
      // X.690 §10.1: the minimum number of octets. No leading zero, and long form only >= 128.
      if (buf[p - n] === 0 || len < 0x80) throw derError(field, `non-minimal length encoding of ${len}`);
    }
    if (this.end - p < len) throw derError(field, `length ${len} exceeds the ${this.end - p} bytes left`);
    this.pos = p + len;
    return { tag, value: buf.subarray(p, p + len), encoding: buf.subarray(start, p + len) };
  }

  /** Reads an element that must have `tag`. */
  expectElement(tag: number, field: string): DerElement {
    if (this.pos >= this.end) throw derError(field, `missing, expected tag ${tagName(tag)}`);
    const seen = this.buf[this.pos]!;
    if (seen !== tag) throw derError(field, `tag ${tagName(seen)}, expected ${tagName(tag)}`);
    return this.read(field);
  }

  /** The content octets of an element that must have `tag`. */
  expect(tag: number, field: string): Uint8Array {
    return this.expectElement(tag, field).value;
  }

  /** Reads the next element only if it has `tag`. */
  optional(tag: number, field: string): DerElement | null {
    if (this.peekTag() !== tag) return null;
    return this.read(field);
  }

  /** A child reader over the value of the constructed element `tag`; this reader skips it. */
  nested(tag: number, field: string): DerReader {
    const e = this.expectElement(tag, field);
    return DerReader.over(e, this.depth + 1, field);
  }

  /** Like `nested`, but returns null when the next element is not `tag`. */
  optionalNested(tag: number, field: string): DerReader | null {
    if (this.peekTag() !== tag) return null;
    return this.nested(tag, field);
  }

  /** A reader over an element's value, one level deeper than `depth`. */
  static over(e: DerElement, depth: number, field: string): DerReader {
    if (depth > MAX_DER_DEPTH) throw derError(field, `nesting deeper than ${MAX_DER_DEPTH}`);
    const v = e.value;
    return new DerReader(v, 0, v.length, depth);
  }

  /** BOOLEAN: X.690 §11.1 allows only 0x00 and 0xFF. */
  boolean(field: string): boolean {
    const v = this.expect(Tag.Boolean, field);
    if (v.length !== 1) throw derError(field, `BOOLEAN of ${v.length} bytes, expected 1`);
    if (v[0] === 0xff) return true;
    if (v[0] === 0x00) return false;
    throw derError(field, `BOOLEAN 0x${v[0]!.toString(16)}, expected 0x00 or 0xff`);
  }

  /**
   * `BOOLEAN DEFAULT FALSE`: absent means false. Like rustls-webpki we accept an explicit
   * FALSE although DER (X.690 §11.5) says a default value is omitted: real certificates do it.
   */
  optionalBoolean(field: string): boolean {
    if (this.peekTag() !== Tag.Boolean) return false;
    return this.boolean(field);
  }

  /** INTEGER content octets, checked minimal (X.690 §8.3.2). Sign is the caller's business. */
  integer(field: string): Uint8Array {
    const v = this.expect(Tag.Integer, field);
    checkMinimalInteger(v, field);
    return v;
  }

  /** A non-negative INTEGER that fits in 31 bits (pathLenConstraint, version, CRL numbers). */
  smallNonNegative(field: string, max = 0x7fffffff): number {
    const v = this.integer(field);
    if ((v[0]! & 0x80) !== 0) throw derError(field, 'negative INTEGER, expected >= 0');
    if (v.length > 5 || (v.length === 5 && v[0] !== 0)) throw derError(field, `INTEGER too large, expected <= ${max}`);
    let n = 0;
    for (const b of v) n = n * 256 + b;
    if (n > max) throw derError(field, `INTEGER ${n}, expected <= ${max}`);
    return n;
  }

  /**
   * BIT STRING: returns the unused-bit count and the content bytes (a view). The unused bits
   * must be zero (X.690 §11.2.1) and an empty string has no unused bits.
   */
  bitString(field: string): { unusedBits: number; bytes: Uint8Array } {
    const v = this.expect(Tag.BitString, field);
    if (v.length === 0) throw derError(field, 'empty BIT STRING, expected the unused-bits octet');
    const unusedBits = v[0]!;
    if (unusedBits > 7) throw derError(field, `BIT STRING with ${unusedBits} unused bits, expected 0..7`);
    if (v.length === 1 && unusedBits !== 0) throw derError(field, 'empty BIT STRING with unused bits');
    if (unusedBits !== 0 && (v[v.length - 1]! & ((1 << unusedBits) - 1)) !== 0) {
      throw derError(field, 'BIT STRING unused bits are not zero');
    }
    return { unusedBits, bytes: v.subarray(1) };
  }

  /** OBJECT IDENTIFIER content octets, checked well-formed (X.690 §8.19). */
  oid(field: string): Uint8Array {
    const v = this.expect(Tag.Oid, field);
    checkOid(v, field);
    return v;
  }

  /** NULL, which must be empty. */
  null(field: string): void {
    const v = this.expect(Tag.Null, field);
    if (v.length !== 0) throw derError(field, `NULL with ${v.length} content bytes`);
  }

  /** Rejects trailing bytes: call at the end of every container. */
  finish(field: string): void {
    if (this.pos !== this.end) throw derError(field, `${this.end - this.pos} unexpected trailing bytes`);
  }
}

/** X.690 §8.3.2: the first 9 bits of an INTEGER are not all 0 or all 1; at least one octet. */
export function checkMinimalInteger(v: Uint8Array, field: string): void {
  if (v.length === 0) throw derError(field, 'empty INTEGER');
  if (v.length > 1) {
    const a = v[0]!, b = v[1]! & 0x80;
    if ((a === 0x00 && b === 0) || (a === 0xff && b !== 0)) throw derError(field, 'non-minimal INTEGER encoding');
  }
}

/** X.690 §8.19: each subidentifier minimal (no leading 0x80) and the last octet ends one. */
function checkOid(v: Uint8Array, field: string): void {
  if (v.length === 0) throw derError(field, 'empty OBJECT IDENTIFIER');
  if ((v[v.length - 1]! & 0x80) !== 0) throw derError(field, 'truncated OBJECT IDENTIFIER');
  let start = true;
  for (const b of v) {
    if (start && b === 0x80) throw derError(field, 'non-minimal OBJECT IDENTIFIER subidentifier');
    start = (b & 0x80) === 0;
  }
}

/** Reads exactly one element of `tag` from `bytes` and rejects trailing data. */
export function parseSingle(bytes: Uint8Array, tag: number, field: string): DerElement {
  const r = new DerReader(bytes);
  const e = r.expectElement(tag, field);
  r.finish(field);
  return e;
}

/** Dotted form of OID content octets, e.g. `2.5.29.19` (for messages and EKU lists). */
export function oidToString(v: Uint8Array): string {
  const parts: number[] = [];
  let n = 0;
  for (const b of v) {
    n = n * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = n < 40 ? 0 : n < 80 ? 1 : 2;
        parts.push(first, n - first * 40);
      } else {
        parts.push(n);
      }
      n = 0;
    }
  }
  return parts.join('.');
}

/** OID content octets from dotted form (for constants and tests). Throws on malformed input. */
export function oidFromString(s: string): Uint8Array {
  const parts = s.split('.').map((p) => {
    if (!/^\d+$/.test(p)) throw new Error(`bad OID ${s}`);
    return Number(p);
  });
  if (parts.length < 2) throw new Error(`bad OID ${s}`);
  const out: number[] = [];
  const sub = (n: number): void => {
    const tmp: number[] = [n & 0x7f];
    n = Math.floor(n / 128);
    while (n > 0) {
      tmp.unshift((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(...tmp);
  };
  sub(parts[0]! * 40 + parts[1]!);
  for (let i = 2; i < parts.length; i++) sub(parts[i]!);
  return new Uint8Array(out);
}

/** Byte equality (public values: no constant time needed). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Encodes one TLV with a minimal length: the tiny DER writer (tests, and building
 * AlgorithmIdentifiers). `tlv(Tag.Sequence, tlv(Tag.Integer, [1]))`.
 */
export function tlv(tag: number, ...content: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  let n = 0;
  for (const c of content) n += c.length;
  const head: number[] = [tag];
  if (n < 0x80) head.push(n);
  else {
    const lenBytes: number[] = [];
    for (let x = n; x > 0; x = Math.floor(x / 256)) lenBytes.unshift(x & 0xff);
    head.push(0x80 | lenBytes.length, ...lenBytes);
  }
  const out = new Uint8Array(head.length + n);
  out.set(head, 0);
  let o = head.length;
  for (const c of content) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
