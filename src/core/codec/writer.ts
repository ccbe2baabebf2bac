/**
 * One growable output buffer (STYLE §3). Length prefixes are opened with `start8/16/24()`
 * and closed with `end8/16/24(mark)`; no closures. `finish()` returns a view of the bytes
 * written, which stays valid until the writer is reused or `reset()`.
 */
import { TlsError } from '../errors.ts';

export class Writer {
  buf: Uint8Array;
  // invariant: 0 <= len <= buf.length
  len: number;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.len = 0;
  }

  reset(): void {
    this.len = 0;
  }

  private grow(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number): this {
    this.grow(1);
    this.buf[this.len++] = v;
    return this;
  }

  u16(v: number): this {
    this.grow(2);
    const b = this.buf, p = this.len;
    b[p] = v >>> 8;
    b[p + 1] = v;
    this.len = p + 2;
    return this;
  }

  u24(v: number): this {
    this.grow(3);
    const b = this.buf, p = this.len;
    b[p] = v >>> 16;
    b[p + 1] = v >>> 8;
    b[p + 2] = v;
    this.len = p + 3;
    return this;
  }

  u32(v: number): this {
    this.grow(4);
    const b = this.buf, p = this.len;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.len = p + 4;
    return this;
  }

  bytes(v: Uint8Array): this {
    this.grow(v.length);
    this.buf.set(v, this.len);
    this.len += v.length;
    return this;
  }

  zeros(n: number): this {
    this.grow(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }

  /** A vector with a 1-byte length; throws ERR_TLS_INTERNAL if `v` does not fit. */
  opaque8(v: Uint8Array): this {
    if (v.length > 0xff) throw new TlsError('ERR_TLS_INTERNAL', `vector of ${v.length} bytes exceeds its 1-byte length`);
    return this.u8(v.length).bytes(v);
  }

  opaque16(v: Uint8Array): this {
    if (v.length > 0xffff) throw new TlsError('ERR_TLS_INTERNAL', `vector of ${v.length} bytes exceeds its 2-byte length`);
    return this.u16(v.length).bytes(v);
  }

  opaque24(v: Uint8Array): this {
    if (v.length > 0xffffff) throw new TlsError('ERR_TLS_INTERNAL', `vector of ${v.length} bytes exceeds its 3-byte length`);
    return this.u24(v.length).bytes(v);
  }

  /** Opens a 1-byte length prefix; returns the mark to pass to `end8`. */
  start8(): number {
    this.u8(0);
    return this.len;
  }

  start16(): number {
    this.u16(0);
    return this.len;
  }

  start24(): number {
    this.u24(0);
    return this.len;
  }

  end8(mark: number): void {
    const n = this.len - mark;
    if (n > 0xff) throw new TlsError('ERR_TLS_INTERNAL', `encoded vector of ${n} bytes exceeds its 1-byte length`);
    this.buf[mark - 1] = n;
  }

  end16(mark: number): void {
    const n = this.len - mark;
    if (n > 0xffff) throw new TlsError('ERR_TLS_INTERNAL', `encoded vector of ${n} bytes exceeds its 2-byte length`);
    this.buf[mark - 2] = n >>> 8;
    this.buf[mark - 1] = n;
  }

  end24(mark: number): void {
    const n = this.len - mark;
    if (n > 0xffffff) throw new TlsError('ERR_TLS_INTERNAL', `encoded vector of ${n} bytes exceeds its 3-byte length`);
    this.buf[mark - 3] = n >>> 16;
    this.buf[mark - 2] = n >>> 8;
    this.buf[mark - 1] = n;
  }

  /** A view of what was written. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** A copy of what was written, owned by the caller. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
