// encodeClientSession / decodeClientSession (node-compat getSession() bytes): round trip,
// version byte, every proper prefix and trailing data refused with a TlsDecodeError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeClientSession, encodeClientSession, type Tls13ClientSession } from '../../src/core/client/session-store.ts';
import { isTlsError } from '../../src/core/errors.ts';

const session: Tls13ClientSession = {
  serverName: 'example.com',
  cipherSuite: 0x1302,
  ticket: new Uint8Array(100).fill(7),
  psk: new Uint8Array(48).fill(9),
  ticketAgeAdd: 0xfedcba98,
  lifetimeSeconds: 7200,
  receivedAt: 1_700_000_000_123,
  maxEarlyDataSize: 16384,
  alpn: 'h2',
  peerCertificates: [new Uint8Array([1, 2, 3]), new Uint8Array([4])],
};

test('round trip keeps every field, with and without ALPN', () => {
  assert.deepEqual(decodeClientSession(encodeClientSession(session)), session);
  const noAlpn = { ...session, alpn: null, peerCertificates: [] };
  assert.deepEqual(decodeClientSession(encodeClientSession(noAlpn)), noAlpn);
});

test('unknown version, truncation and trailing bytes are TlsDecodeErrors', () => {
  const b = encodeClientSession(session);
  const codeOf = (x: Uint8Array): string => {
    try {
      decodeClientSession(x);
      return 'decoded';
    } catch (e) {
      return isTlsError(e) ? e.code : `not a TlsError: ${String(e)}`;
    }
  };
  const v9 = b.slice();
  v9[0] = 9;
  assert.equal(codeOf(v9), 'ERR_TLS_DECODE_BAD_VALUE');
  for (let n = 0; n < b.length; n++) assert.match(codeOf(b.subarray(0, n)), /^ERR_TLS_DECODE_/, `prefix of ${n} bytes`);
  const longer = new Uint8Array(b.length + 1);
  longer.set(b);
  assert.equal(codeOf(longer), 'ERR_TLS_DECODE_TRAILING_DATA');
});
