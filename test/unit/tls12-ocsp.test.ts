/**
 * OCSP stapling in TLS 1.2 (RFC 6066 §8): the CertificateStatus codec (HandshakeType 22), and
 * typetls against itself in memory: the server acknowledges status_request in its ServerHello
 * and sends CertificateStatus after Certificate only when the client asked and it has a
 * response; the client hands the response to its verifier and to `negotiated`, accepts a server
 * that acknowledges but sends no CertificateStatus (RFC 6066 §8 allows it), and refuses an
 * acknowledgement or a CertificateStatus it did not ask for.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import type { ClientConfigOptions } from '../../src/core/client/config.ts';
import { AlertDescription, HandshakeType } from '../../src/core/codec/codepoints.ts';
import { decodeHandshakeMessage } from '../../src/core/codec/handshake.ts';
import { decodeCertificateStatus12, encodeCertificateStatus12 } from '../../src/core/codec/tls12.ts';
import { Writer } from '../../src/core/codec/writer.ts';
import { isTlsError } from '../../src/core/errors.ts';
import type { ServerCertificateInput, ServerCertVerifier } from '../../src/core/verify.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority, type IssuedCertificate } from '../helpers/pki-openssl.ts';
import { handshake, handshakeAsync, transfer } from '../helpers/memory-pair.ts';

const provider = nodeCryptoProvider;
// Opaque to TLS: the engine never parses the OCSPResponse (the verifier may).
const fakeResponse = Uint8Array.from({ length: 300 }, (_, i) => (i * 11) & 0xff);
let pki: OpenSslPki;
let root: CertificateAuthority;
let leaf: IssuedCertificate;

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'TLS 1.2 OCSP Root', keyType: 'ecdsa-p256' });
  leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:server.test'], eku: ['serverAuth'] });
});
after(() => pki.cleanup());

const hexOf = (b: Uint8Array | null | undefined) => (b === null || b === undefined ? null : Buffer.from(b).toString('hex'));
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function stapledKey(response: Uint8Array | null = fakeResponse): CertifiedKey {
  return { chain: [leaf.certDer], key: provider.loadSigningKey(leaf.keyPem), ocspResponse: response };
}

/** The standard verifier, recording what it was given; `async` makes it answer with Promises. */
function recordingVerifier(seen: ServerCertificateInput[], async = false): ServerCertVerifier {
  const inner = createServerVerifier({ roots: [root.certDer], signatures: provider.signatures });
  return {
    verifyServerCertificate: (input) => {
      seen.push(input);
      const r = inner.verifyServerCertificate(input);
      return async ? Promise.resolve(r) : r;
    },
    verifyTls13Signature: (...a) => inner.verifyTls13Signature(...a),
    verifyTls12Signature: (...a) => inner.verifyTls12Signature(...a),
    supportedSchemes: () => inner.supportedSchemes(),
  };
}

function client(seen: ServerCertificateInput[], extra: Partial<ClientConfigOptions> = {}, async = false): ClientConnection {
  return new ClientConnection(createClientConfig({ provider, verifier: recordingVerifier(seen, async), maxVersion: 'TLSv1.2', ...extra }), 'server.test');
}

function server(ck: CertifiedKey = stapledKey()): ServerConnection {
  return new ServerConnection(createServerConfig({ provider, certificates: [ck] }));
}

/** The handshake messages of plaintext TLS 1.2 handshake records (type 22), in order. */
function handshakeMessages(flight: Uint8Array): Array<{ type: number; bytes: Uint8Array }> {
  const out: Array<{ type: number; bytes: Uint8Array }> = [];
  let body = new Uint8Array(0);
  for (let p = 0; p < flight.length;) {
    const len = (flight[p + 3]! << 8) | flight[p + 4]!;
    if (flight[p] === 22) body = Uint8Array.from([...body, ...flight.subarray(p + 5, p + 5 + len)]);
    p += 5 + len;
  }
  for (let p = 0; p < body.length;) {
    const len = (body[p + 1]! << 16) | (body[p + 2]! << 8) | body[p + 3]!;
    out.push({ type: body[p]!, bytes: body.subarray(p, p + 4 + len) });
    p += 4 + len;
  }
  return out;
}

/** One plaintext handshake record per message. */
function records(messages: ReadonlyArray<{ bytes: Uint8Array }>): Uint8Array {
  const parts: number[] = [];
  for (const m of messages) parts.push(22, 3, 3, m.bytes.length >> 8, m.bytes.length & 0xff, ...m.bytes);
  return Uint8Array.from(parts);
}

function statusMessage(response: Uint8Array): Uint8Array {
  const w = new Writer();
  encodeCertificateStatus12(w, { ocspResponse: response });
  return w.toBytes();
}

describe('CertificateStatus codec (RFC 6066 §8)', () => {
  it('encodes status_type ocsp and a 24-bit length, and round-trips', () => {
    const bytes = statusMessage(fromHex('a1b2c3'));
    assert.equal(hexOf(bytes), '16000007' + '01' + '000003' + 'a1b2c3');
    const m = decodeHandshakeMessage(bytes);
    assert.equal(m.type, HandshakeType.CertificateStatus);
    assert.equal(hexOf(decodeCertificateStatus12(m.body).ocspResponse), 'a1b2c3');
  });

  const cases: Array<[string, string, string, number]> = [
    ['status_type other than ocsp', '02 000001 00', 'ERR_TLS_DECODE_ILLEGAL_VALUE', AlertDescription.IllegalParameter],
    ['empty OCSPResponse (<1..2^24-1>)', '01 000000', 'ERR_TLS_DECODE_LENGTH', AlertDescription.DecodeError],
    ['OCSPResponse longer than the body', '01 000005 aabb', 'ERR_TLS_DECODE_TRUNCATED', AlertDescription.DecodeError],
    ['trailing bytes', '01 000001 aa bb', 'ERR_TLS_DECODE_TRAILING_DATA', AlertDescription.DecodeError],
    ['empty body', '', 'ERR_TLS_DECODE_TRUNCATED', AlertDescription.DecodeError],
  ];
  for (const [name, body, code, alert] of cases) {
    it(`refuses ${name}: ${code}`, () => {
      assert.throws(() => decodeCertificateStatus12(fromHex(body)), (e: unknown) => isTlsError(e) && e.code === code && e.alert === alert);
    });
  }
});

describe('OCSP stapling (TLS 1.2, in memory)', () => {
  for (const async of [false, true]) {
    it(`a client that asks gets the response, and so does its verifier${async ? ' (async verifier)' : ''}`, async () => {
      const seen: ServerCertificateInput[] = [];
      const c = client(seen, { requestOcsp: true }, async);
      const s = server();
      await handshakeAsync(c, s);
      assert.equal(c.negotiated!.protocolVersion, 'TLSv1.2');
      assert.equal(seen.length, 1);
      assert.equal(hexOf(seen[0]!.ocspResponse), hexOf(fakeResponse));
      assert.equal(hexOf(c.negotiated!.ocspResponse), hexOf(fakeResponse));
      assert.equal(hexOf(s.negotiated!.ocspResponse), hexOf(fakeResponse));
    });
  }

  it('the server flight: ServerHello (status_request acknowledged), Certificate, CertificateStatus, ServerKeyExchange, ServerHelloDone', () => {
    const c = client([], { requestOcsp: true });
    const s = server();
    transfer(c, s);
    const flight = s.writeTls()!;
    const types = handshakeMessages(flight).map((m) => m.type);
    assert.deepEqual(types, [HandshakeType.ServerHello, HandshakeType.Certificate, HandshakeType.CertificateStatus, HandshakeType.ServerKeyExchange, HandshakeType.ServerHelloDone]);
    assert.equal(Buffer.from(handshakeMessages(flight)[0]!.bytes).includes(Buffer.from('00050000', 'hex')), true, 'empty status_request in the ServerHello');
  });

  it('a client that does not ask (the default) gets no acknowledgement and no CertificateStatus', () => {
    const seen: ServerCertificateInput[] = [];
    const c = client(seen);
    const s = server();
    transfer(c, s);
    const flight = s.writeTls()!;
    assert.equal(handshakeMessages(flight).some((m) => m.type === HandshakeType.CertificateStatus), false, 'no CertificateStatus');
    c.readTls(flight);
    c.processNewPackets();
    handshake(c, s);
    assert.equal(seen[0]!.ocspResponse, null);
    assert.equal(c.negotiated!.ocspResponse, null);
    assert.equal(s.negotiated!.ocspResponse, null);
  });

  it('a server without a response staples nothing, and the client is fine with that', () => {
    const seen: ServerCertificateInput[] = [];
    const c = client(seen, { requestOcsp: true });
    const s = server(stapledKey(null));
    handshake(c, s);
    assert.equal(seen[0]!.ocspResponse, null);
    assert.equal(c.negotiated!.ocspResponse, null);
    assert.equal(s.negotiated!.ocspResponse, null);
  });

  for (const async of [false, true]) {
    it(`acknowledged but no CertificateStatus: the client verifies without one and goes on${async ? ' (async verifier)' : ''}`, async () => {
      // RFC 6066 §8: "a server MAY also choose not to send a CertificateStatus message" even
      // after acknowledging. Our server always sends it, so the test removes it in transit; the
      // client must then get through ServerKeyExchange and send its flight (the Finished
      // exchange fails later, as the server's transcript still has the message).
      const seen: ServerCertificateInput[] = [];
      const c = client(seen, { requestOcsp: true }, async);
      const s = server();
      transfer(c, s);
      const kept = handshakeMessages(s.writeTls()!).filter((m) => m.type !== HandshakeType.CertificateStatus);
      c.readTls(records(kept));
      c.processNewPackets();
      const blocked = c.blockedOn();
      if (async) assert.notEqual(blocked, null, 'the async verifier parks the client');
      if (blocked) {
        await blocked;
        c.processNewPackets();
      }
      assert.equal(c.error, null, String(c.error));
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.ocspResponse, null);
      const out = handshakeMessages(c.writeTls()!);
      assert.equal(out[0]?.type, HandshakeType.ClientKeyExchange, 'the client sent its flight');
    });
  }

  it('a status_request acknowledgement we did not send: unsupported_extension', () => {
    const c = client([], { requestOcsp: true });
    const s = server();
    transfer(c, s);
    // Withdraw the request from what the client remembers sending.
    (c as unknown as { state: { hs: { hello: { extensions: { statusRequest: unknown } } } } }).state.hs.hello.extensions.statusRequest = null;
    assert.throws(() => transfer(s, c));
    assert.equal(c.error?.code, 'ERR_TLS_PEER_UNSOLICITED_EXTENSION');
    assert.equal(c.error?.alert, AlertDescription.UnsupportedExtension);
    assert.match(c.error?.message ?? '', /status_request/);
  });

  it('a CertificateStatus without acknowledgement: unexpected_message', () => {
    const c = client([]);
    const s = server();
    transfer(c, s);
    const msgs = handshakeMessages(s.writeTls()!);
    const i = msgs.findIndex((m) => m.type === HandshakeType.Certificate);
    msgs.splice(i + 1, 0, { type: HandshakeType.CertificateStatus, bytes: statusMessage(fakeResponse) });
    c.readTls(records(msgs));
    assert.throws(() => c.processNewPackets());
    assert.equal(c.error?.code, 'ERR_TLS_PEER_UNEXPECTED_MESSAGE');
    assert.equal(c.error?.alert, AlertDescription.UnexpectedMessage);
  });

  it('a malformed CertificateStatus after acknowledgement: the decode error and its alert', () => {
    const c = client([], { requestOcsp: true });
    const s = server();
    transfer(c, s);
    const msgs = handshakeMessages(s.writeTls()!);
    const i = msgs.findIndex((m) => m.type === HandshakeType.CertificateStatus);
    msgs[i] = { type: HandshakeType.CertificateStatus, bytes: fromHex('16000005 02 000001 00') };
    c.readTls(records(msgs));
    assert.throws(() => c.processNewPackets());
    assert.equal(c.error?.code, 'ERR_TLS_DECODE_ILLEGAL_VALUE');
    assert.equal(c.error?.alert, AlertDescription.IllegalParameter);
  });
});
