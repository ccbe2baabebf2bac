/**
 * Tools for the engine bad-input corpus and fuzz tests: record framing, raw TLS 1.3 record
 * protection from a key-log secret (written here, not with src/core/record, so a bug there
 * cannot hide on both sides), and failure assertions that check the code, the alert and the
 * bytes the engine queued.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { TlsConnection } from '../../src/core/conn/api.ts';
import type { Tls13CipherSuite } from '../../src/core/crypto/provider.ts';
import { isTlsError, type TlsError } from '../../src/core/errors.ts';
import { cat, u16 } from './wire.ts';

/** One record on the wire. */
export interface WireRecord {
  type: number;
  version: number;
  payload: Uint8Array;
}

/** A record: type, version, 2-byte length of `payload`, payload. */
export function record(type: number, payload: Uint8Array, version = 0x0303): Uint8Array {
  return cat([type], u16(version), u16(payload.length), payload);
}

/** Splits complete records; throws on a partial one (test input is well framed). */
export function parseRecords(bytes: Uint8Array): WireRecord[] {
  const out: WireRecord[] = [];
  let p = 0;
  while (p < bytes.length) {
    assert.ok(bytes.length - p >= 5, `partial record header at ${p} of ${bytes.length}`);
    const len = (bytes[p + 3]! << 8) | bytes[p + 4]!;
    assert.ok(bytes.length - p - 5 >= len, `partial record body at ${p}`);
    out.push({ type: bytes[p]!, version: (bytes[p + 1]! << 8) | bytes[p + 2]!, payload: bytes.slice(p + 5, p + 5 + len) });
    p += 5 + len;
  }
  return out;
}

/** Splits handshake messages (type, 3-byte length, body), header included. */
export function parseHandshakeMessages(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < bytes.length) {
    const len = (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!;
    out.push(bytes.slice(p, p + 4 + len));
    p += 4 + len;
  }
  return out;
}

/** The secrets a key-log sink received, by label. */
export class KeyLog {
  readonly secrets = new Map<string, Uint8Array>();
  readonly sink = (line: string): void => {
    const [label, , secret] = line.split(' ');
    this.secrets.set(label!, Uint8Array.from(Buffer.from(secret!, 'hex')));
  };
  get(label: string): Uint8Array {
    const s = this.secrets.get(label);
    assert.ok(s !== undefined, `key log has no ${label}`);
    return s;
  }
}

// RFC 8446 §7.1 HKDF-Expand-Label, written with node:crypto directly.
function hkdfExpandLabel(hashName: string, secret: Uint8Array, label: string, length: number): Uint8Array {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = cat(u16(length), [full.length], full, [0]);
  const out: Uint8Array[] = [];
  let prev = new Uint8Array(0);
  let got = 0;
  for (let i = 1; got < length; i++) {
    prev = createHmac(hashName, secret).update(cat(prev, info, [i])).digest();
    out.push(prev);
    got += prev.length;
  }
  return cat(...out).subarray(0, length);
}

/**
 * Raw TLS 1.3 record protection (RFC 8446 §5.2, §5.3) for one direction and traffic secret:
 * `seal` takes the whole inner plaintext, so tests can write bad padding or no content type.
 */
export class RawProtection {
  private readonly key;
  private readonly iv: Uint8Array;
  seq = 0;

  constructor(suite: Tls13CipherSuite, secret: Uint8Array) {
    const hashName = suite.hash.outputLength === 48 ? 'sha384' : 'sha256';
    this.key = suite.aead.importKey(hkdfExpandLabel(hashName, secret, 'key', suite.aead.keyLength));
    this.iv = hkdfExpandLabel(hashName, secret, 'iv', 12);
  }

  private nonce(): Uint8Array {
    const n = this.iv.slice();
    let s = this.seq;
    for (let i = 11; i >= 4; i--) { n[i]! ^= s % 256; s = Math.floor(s / 256); }
    this.seq++;
    return n;
  }

  /** An application_data record holding `inner` (content || type || zeros) as given. */
  sealInner(inner: Uint8Array): Uint8Array {
    const len = inner.length + 16;
    const header = cat([23, 3, 3], u16(len));
    const out = new Uint8Array(len);
    this.key.seal(this.nonce(), header, inner, out, 0);
    return cat(header, out);
  }

  /** A well-formed protected record of `type` with `padding` zero bytes. */
  seal(type: number, content: Uint8Array, padding = 0): Uint8Array {
    return this.sealInner(cat(content, [type], new Uint8Array(padding)));
  }

  /** Opens one protected record; returns the content type and content (padding removed). */
  open(rec: WireRecord): { type: number; content: Uint8Array } {
    const r = this.tryOpen(rec);
    assert.ok(r !== null, 'record authenticates');
    return r;
  }

  /** Like `open`, but null (and the sequence number unchanged) when it does not authenticate. */
  tryOpen(rec: WireRecord): { type: number; content: Uint8Array } | null {
    const header = cat([rec.type], u16(rec.version), u16(rec.payload.length));
    const out = new Uint8Array(rec.payload.length);
    const n = this.key.open(this.nonce(), header, rec.payload, out, 0);
    if (n < 0) { this.seq--; return null; }
    let end = n - 1;
    while (end >= 0 && out[end] === 0) end--;
    assert.ok(end >= 0, 'inner plaintext has a content type');
    return { type: out[end]!, content: out.slice(0, end) };
  }
}

/** Feeds all of `bytes` (driving the loop when the buffer fills); returns the error thrown, if any. */
export function feed(conn: TlsConnection, bytes: Uint8Array): unknown {
  let off = 0;
  try {
    while (off < bytes.length) {
      const n = conn.readTls(bytes.subarray(off));
      off += n;
      conn.processNewPackets();
      if (n === 0) {
        for (let p = conn.readPlaintext(); p !== null; p = conn.readPlaintext()) { /* drain */ }
        if (conn.error !== null) return conn.error;
        if (!conn.wantsRead()) return null;
      }
    }
    conn.processNewPackets();
    return null;
  } catch (e) {
    return e;
  }
}

/**
 * Asserts that feeding `bytes` fails `conn` with `code` and `alert`, that the failure sticks
 * (later calls throw the same error) and returns what the engine queued (the alert record).
 */
export function expectFailure(conn: TlsConnection, bytes: Uint8Array, code: string, alert: number | null): Uint8Array {
  const thrown = feed(conn, bytes);
  assert.ok(isTlsError(thrown), `expected a TlsError ${code}, got ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)}`);
  const e = thrown as TlsError;
  assert.equal(e.code, code, `error code (message: ${e.message})`);
  assert.equal(e.alert, alert, `alert for ${e.code}`);
  assert.equal(conn.error, e, 'the connection remembers the error');
  assert.throws(() => conn.processNewPackets(), (x: unknown) => x === e, 'later calls throw the same error');
  assert.equal(conn.readTls(Uint8Array.of(22, 3, 3, 0, 1, 1)), 0, 'a failed connection accepts no bytes');
  const out = conn.writeTls() ?? new Uint8Array(0);
  if (alert !== null) assert.ok(out.length > 0, 'an alert record was queued');
  return out;
}

/** The plaintext fatal alert record (RFC 8446 §6). */
export function plainAlert(description: number): Uint8Array {
  return Uint8Array.of(21, 3, 3, 0, 2, 2, description);
}
