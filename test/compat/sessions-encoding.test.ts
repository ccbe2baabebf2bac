// encodeClientSession / decodeClientSession format 2 (node-compat getSession() bytes): TLS 1.2
// sessions round-trip, version 1 buffers (TLS 1.3 tickets) still decode, bad kinds and every
// proper prefix are TlsDecodeErrors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeClientSession, encodeClientSession, isTls12ClientSession, type Tls12ClientSession, type Tls13ClientSession,
} from '../../src/core/client/session-store.ts';
import { isTlsError } from '../../src/core/errors.ts';

const tls12: Tls12ClientSession = {
  serverName: 'example.com',
  cipherSuite: 0xc02b,
  sessionId: new Uint8Array(32).fill(3),
  ticket: new Uint8Array(180).fill(5),
  masterSecret: new Uint8Array(48).fill(6),
  extendedMasterSecret: true,
  peerCertificates: [new Uint8Array([1, 2, 3])],
  receivedAt: 1_700_000_000_456,
  lifetimeSeconds: 86400,
};

const tls13: Tls13ClientSession = {
  serverName: 'example.com', cipherSuite: 0x1301, ticket: new Uint8Array(40).fill(1), psk: new Uint8Array(32).fill(2),
  ticketAgeAdd: 7, lifetimeSeconds: 7200, receivedAt: 1_700_000_000_000, maxEarlyDataSize: 0, alpn: null, peerCertificates: [],
};

function codeOf(x: Uint8Array): string {
  try {
    decodeClientSession(x);
    return 'decoded';
  } catch (e) {
    return isTlsError(e) ? e.code : `not a TlsError: ${String(e)}`;
  }
}

test('TLS 1.2 sessions round-trip, with a ticket, an id only, or no id', () => {
  for (const s of [tls12, { ...tls12, ticket: null }, { ...tls12, sessionId: new Uint8Array(0), extendedMasterSecret: false }]) {
    const d = decodeClientSession(encodeClientSession(s));
    assert.equal(isTls12ClientSession(d), true);
    assert.deepEqual(d, s);
  }
  assert.equal(isTls12ClientSession(decodeClientSession(encodeClientSession(tls13))), false);
});

test('a version 1 buffer (TLS 1.3 ticket, before the kind byte) still decodes', () => {
  const v2 = encodeClientSession(tls13);
  assert.deepEqual([v2[0], v2[1]], [2, 0x13]);
  const v1 = new Uint8Array(v2.length - 1);
  v1[0] = 1;
  v1.set(v2.subarray(2), 1);
  assert.deepEqual(decodeClientSession(v1), tls13);
});

test('unknown kind, bad lengths, prefixes and trailing bytes are TlsDecodeErrors', () => {
  const b = encodeClientSession(tls12);
  const kind = b.slice();
  kind[1] = 0x11;
  assert.equal(codeOf(kind), 'ERR_TLS_DECODE_BAD_VALUE');
  for (let n = 0; n < b.length; n++) assert.match(codeOf(b.subarray(0, n)), /^ERR_TLS_DECODE_/, `prefix of ${n} bytes`);
  const longer = new Uint8Array(b.length + 1);
  longer.set(b);
  assert.equal(codeOf(longer), 'ERR_TLS_DECODE_TRAILING_DATA');
  // A session id longer than 32 bytes (RFC 5246 §7.4.1.2) is refused.
  assert.throws(() => decodeClientSession(encodeClientSession({ ...tls12, sessionId: new Uint8Array(33) })), (e: unknown) => isTlsError(e));
});
