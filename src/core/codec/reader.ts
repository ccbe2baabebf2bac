/**
 * A bounds-checked reader over a Uint8Array (STYLE §3). Every read checks the bounds first
 * and fails with a `TlsDecodeError` that names the field; nothing here throws a RangeError.
 * Views returned by `bytes`/`opaque*` alias the input until the caller's next engine call.
 */
import { TlsDecodeError } from '../errors.ts';

export class Reader {
  readonly buf: Uint8Array;
  // invariant: start <= pos <= end <= buf.length
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  /** `suffix` is appended to the field name only in the error (no string built per read). */
  private need(n: number, field: string, suffix = ''): void {
    if (this.end - this.pos < n) {
      throw new TlsDecodeError('ERR_TLS_DECODE_TRUNCATED', `${field}${suffix}: ${this.end - this.pos} bytes left, needs ${n}`);
    }
  }

  u8(field: string, suffix = ''): number {
    this.need(1, field, suffix);
    return this.buf[this.pos++]!;
  }

  u16(field: string, suffix = ''): number {
    this.need(2, field, suffix);
    const b = this.buf, p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u24(field: string, suffix = ''): number {
    this.need(3, field, suffix);
    const b = this.buf, p = this.pos;
    this.pos = p + 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  u32(field: string): number {
    this.need(4, field);
    const b = this.buf, p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /** `n` bytes as a view. */
  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Everything left, as a view. */
  rest(): Uint8Array {
    const v = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }

  /** True when a vector with a 2-byte length starts here and fits in what is left. */
  fits16(): boolean {
    const left = this.end - this.pos;
    return left >= 2 && left - 2 >= ((this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!);
  }

  private checkLen(len: number, field: string, min: number, max: number): void {
    if (len < min || len > max) {
      throw new TlsDecodeError('ERR_TLS_DECODE_LENGTH', `${field}: length ${len} outside ${min}..${max}`);
    }
    this.need(len, field);
  }

  /** `opaque field<min..max>` with a 1-byte length, as a view. */
  opaque8(field: string, min: number, max: number): Uint8Array {
    const len = this.u8(field, ' length');
    this.checkLen(len, field, min, max);
    return this.bytes(len, field);
  }

  opaque16(field: string, min: number, max: number): Uint8Array {
    const len = this.u16(field, ' length');
    this.checkLen(len, field, min, max);
    return this.bytes(len, field);
  }

  opaque24(field: string, min: number, max: number): Uint8Array {
    const len = this.u24(field, ' length');
    this.checkLen(len, field, min, max);
    return this.bytes(len, field);
  }

  /** A child reader bounded to a vector with a 1-byte length; the parent skips past it. */
  vec8(field: string, min: number, max: number): Reader {
    const len = this.u8(field, ' length');
    this.checkLen(len, field, min, max);
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  vec16(field: string, min: number, max: number): Reader {
    const len = this.u16(field, ' length');
    this.checkLen(len, field, min, max);
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  vec24(field: string, min: number, max: number): Reader {
    const len = this.u24(field, ' length');
    this.checkLen(len, field, min, max);
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  /** Rejects trailing bytes: call at the end of every container. */
  finish(field: string): void {
    if (this.pos !== this.end) {
      throw new TlsDecodeError('ERR_TLS_DECODE_TRAILING_DATA', `${field}: ${this.end - this.pos} unexpected trailing bytes`);
    }
  }
}
