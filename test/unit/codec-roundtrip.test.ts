// Every message and extension round-trips: encode -> decode -> deep equal -> encode -> same bytes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writer } from '../../src/core/codec/writer.ts';
import { ExtensionType as E, HandshakeType, KeyUpdateRequest } from '../../src/core/codec/codepoints.ts';
import { decodeHandshakeMessage, encodeMessageHash, expectMessage, readHandshakeHeader } from '../../src/core/codec/handshake.ts';
import { type ClientHello, decodeClientHello, emptyClientHelloExtensions, encodeClientHello } from '../../src/core/codec/client-hello.ts';
import {
  type ServerHello,
  HELLO_RETRY_REQUEST_RANDOM,
  decodeServerHello,
  emptyServerHelloExtensions,
  encodeServerHello,
  isHelloRetryRequest,
} from '../../src/core/codec/server-hello.ts';
import { decodeEncryptedExtensions, emptyEncryptedExtensionsExtensions, encodeEncryptedExtensions } from '../../src/core/codec/encrypted-extensions.ts';
import {
  decodeCertificate,
  decodeCertificateRequest,
  emptyCertificateEntryExtensions,
  emptyCertificateRequestExtensions,
  encodeCertificate,
  encodeCertificateRequest,
} from '../../src/core/codec/certificate.ts';
import { decodeCertificateVerify, encodeCertificateVerify } from '../../src/core/codec/certificate-verify.ts';
import { decodeFinished, encodeFinished } from '../../src/core/codec/finished.ts';
import { decodeNewSessionTicket, emptyNewSessionTicketExtensions, encodeNewSessionTicket } from '../../src/core/codec/new-session-ticket.ts';
import { decodeKeyUpdate, encodeKeyUpdate } from '../../src/core/codec/key-update.ts';
import { decodeEndOfEarlyData, encodeEndOfEarlyData } from '../../src/core/codec/end-of-early-data.ts';
import { decodeAlert, encodeAlert } from '../../src/core/codec/alert.ts';
import {
  decodeCertificate12,
  decodeCertificateRequest12,
  decodeClientKeyExchangeEcdhe,
  decodeNewSessionTicket12,
  decodeServerHelloDone,
  decodeServerKeyExchangeEcdhe,
  encodeCertificate12,
  encodeCertificateRequest12,
  encodeClientKeyExchangeEcdhe,
  encodeNewSessionTicket12,
  encodeServerHelloDone,
  encodeServerKeyExchangeEcdhe,
  writeServerEcdhParams,
} from '../../src/core/codec/tls12.ts';
import { toHex } from '../helpers/wire.ts';

const b = (...v: number[]): Uint8Array => Uint8Array.from(v);
const fill = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

/**
 * Encodes `msg`, checks the header, decodes, compares with `expected` (msg plus the fields only
 * decoding fills in), and re-encodes the decoded value to the same bytes. Returns the bytes.
 */
function roundTrip<T>(type: number, encode: (w: Writer, m: T) => unknown, decode: (body: Uint8Array) => T, msg: T, decodeOnly: Partial<Record<string, unknown>> = {}): { bytes: Uint8Array; decoded: T } {
  const w = new Writer(8);
  encode(w, msg);
  const bytes = w.toBytes();
  const m = decodeHandshakeMessage(bytes);
  assert.equal(m.type, type);
  const decoded = decode(m.body);
  assert.deepEqual(decoded, { ...msg, ...decodeOnly });
  const w2 = new Writer();
  encode(w2, decoded);
  assert.equal(toHex(w2.view()), toHex(bytes));
  return { bytes, decoded };
}

function fullClientHello(): ClientHello {
  const ext = emptyClientHelloExtensions();
  ext.others.push({ type: 0x0a0a, body: new Uint8Array(0) }, { type: 0x1a1a, body: b(0) }, { type: E.EncryptThenMac, body: new Uint8Array(0) });
  ext.serverName = 'example.com';
  ext.extendedMasterSecret = true;
  ext.renegotiationInfo = new Uint8Array(0);
  ext.supportedGroups = [0x2a2a, 0x11ec, 0x1d, 0x17];
  ext.ecPointFormats = [0];
  ext.sessionTicket = fill(40, 7);
  ext.alpn = [b(0x68, 0x32), b(0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31)];
  ext.statusRequest = b(1, 0, 0, 0, 0);
  ext.signatureAlgorithms = [0x0403, 0x0804, 0x0401];
  ext.signedCertificateTimestamp = true;
  ext.keyShare = [{ group: 0x2a2a, keyExchange: b(0) }, { group: 0x1d, keyExchange: fill(32, 9) }];
  ext.pskKeyExchangeModes = [1];
  ext.supportedVersions = [0x3a3a, 0x0304, 0x0303];
  ext.cookie = fill(20, 3);
  ext.compressCertificate = [2, 1];
  ext.recordSizeLimit = 16385;
  ext.certificateAuthorities = [fill(5, 0x30), fill(3, 0x31)];
  ext.signatureAlgorithmsCert = [0x0403];
  ext.postHandshakeAuth = true;
  ext.earlyData = true;
  ext.encryptedClientHello = b(0, 0, 1, 0, 1, 7);
  ext.padding = 10;
  ext.preSharedKey = {
    identities: [{ identity: fill(16, 0xaa), obfuscatedTicketAge: 0xfedcba98 }, { identity: b(1), obfuscatedTicketAge: 0 }],
    binders: [fill(32, 0xbb), fill(48, 0xcc)],
  };
  return {
    legacyVersion: 0x0303,
    random: fill(32, 0x42),
    legacySessionId: fill(32, 0x55),
    cipherSuites: [0x4a4a, 0x1301, 0x1302, 0x1303, 0xc02b, 0x00ff],
    legacyCompressionMethods: b(0),
    extensionsAbsent: false,
    extensions: ext,
    bindersLength: 0,
  };
}

describe('ClientHello', () => {
  it('round-trips every extension, GREASE first, pre_shared_key last', () => {
    const ch = fullClientHello();
    const w = new Writer();
    const { bindersOffset } = encodeClientHello(w, ch);
    const bytes = w.toBytes();
    const d = decodeClientHello(decodeHandshakeMessage(bytes).body);
    const expectedOrder = [0x0a0a, 0x1a1a, E.EncryptThenMac, E.ServerName, E.ExtendedMasterSecret, E.RenegotiationInfo,
      E.SupportedGroups, E.EcPointFormats, E.SessionTicket, E.ApplicationLayerProtocolNegotiation, E.StatusRequest,
      E.SignatureAlgorithms, E.SignedCertificateTimestamp, E.KeyShare, E.PskKeyExchangeModes, E.SupportedVersions,
      E.Cookie, E.CompressCertificate, E.RecordSizeLimit, E.CertificateAuthorities, E.SignatureAlgorithmsCert,
      E.PostHandshakeAuth, E.EarlyData, E.EncryptedClientHello, E.Padding, E.PreSharedKey];
    assert.deepEqual(d.extensions.order, expectedOrder);
    // binders: 2 + (1 + 32) + (1 + 48)
    assert.equal(d.bindersLength, 84);
    assert.equal(bindersOffset, bytes.length - 84);
    assert.deepEqual(d, { ...ch, extensions: { ...ch.extensions, order: expectedOrder }, bindersLength: 84 });
    const w2 = new Writer();
    encodeClientHello(w2, d);
    assert.equal(toHex(w2.view()), toHex(bytes));
  });

  it('binders can be patched in place after hashing the prefix', () => {
    const ch = fullClientHello();
    const w = new Writer();
    w.bytes(fill(7, 1)); // something before the message in the same writer
    const start = w.len;
    const { bindersOffset } = encodeClientHello(w, ch);
    assert.ok(bindersOffset !== null);
    // First binder: after the 2-byte vector length and its own 1-byte length.
    w.buf.set(fill(32, 0x77), bindersOffset + 3);
    const d = decodeClientHello(decodeHandshakeMessage(w.view().subarray(start)).body);
    assert.deepEqual(d.extensions.preSharedKey!.binders[0], fill(32, 0x77));
    assert.deepEqual(d.extensions.preSharedKey!.binders[1], fill(48, 0xcc));
  });

  it('follows `order` when given, and reports no binders offset without a PSK', () => {
    const ext = emptyClientHelloExtensions();
    ext.supportedVersions = [0x0304];
    ext.serverName = 'a.b';
    ext.others.push({ type: 0xfafa, body: new Uint8Array(0) });
    ext.order = [E.SupportedVersions, 0xfafa, E.ServerName];
    const ch: ClientHello = { ...fullClientHello(), extensions: ext };
    const w = new Writer();
    assert.deepEqual(encodeClientHello(w, ch), { bindersOffset: null });
    const d = decodeClientHello(decodeHandshakeMessage(w.view()).body);
    assert.deepEqual(d.extensions, ext);
    ext.order = [E.Cookie];
    assert.throws(() => encodeClientHello(new Writer(), ch), { code: 'ERR_TLS_INTERNAL' });
  });

  it('refuses to encode a vector that overflows its length prefix', () => {
    const ch = fullClientHello();
    ch.extensions.alpn = [fill(256, 0x61)];
    assert.throws(() => encodeClientHello(new Writer(), ch), { code: 'ERR_TLS_INTERNAL' });
    const ch2 = fullClientHello();
    ch2.extensions.ecPointFormats = new Array<number>(256).fill(0);
    assert.throws(() => encodeClientHello(new Writer(), ch2), { code: 'ERR_TLS_INTERNAL' });
    const ch3 = fullClientHello();
    ch3.extensions.serverName = 'bad name';
    assert.throws(() => encodeClientHello(new Writer(), ch3), { code: 'ERR_TLS_USAGE' });
  });

  it('round-trips a TLS 1.2 ClientHello without an extensions block, and with an empty one', () => {
    const ch: ClientHello = { ...fullClientHello(), extensions: emptyClientHelloExtensions(), extensionsAbsent: true };
    const { bytes } = roundTrip(HandshakeType.ClientHello, encodeClientHello, decodeClientHello, ch);
    assert.equal(bytes.length, 4 + 2 + 32 + 33 + 14 + 2);
    const empty = roundTrip(HandshakeType.ClientHello, encodeClientHello, decodeClientHello, { ...ch, extensionsAbsent: false });
    assert.equal(empty.bytes.length, bytes.length + 2);
  });
});

describe('ServerHello and HelloRetryRequest', () => {
  it('TLS 1.3 ServerHello', () => {
    const ext = emptyServerHelloExtensions();
    ext.supportedVersions = 0x0304;
    ext.keyShare = { group: 0x1d, keyExchange: fill(32, 1) };
    ext.preSharedKey = 0;
    ext.order = [E.SupportedVersions, E.KeyShare, E.PreSharedKey];
    const sh: ServerHello = { legacyVersion: 0x0303, random: fill(32, 2), legacySessionIdEcho: fill(32, 3), cipherSuite: 0x1301, legacyCompressionMethod: 0, extensionsAbsent: false, extensions: ext };
    const { decoded } = roundTrip(HandshakeType.ServerHello, encodeServerHello, decodeServerHello, sh);
    assert.equal(isHelloRetryRequest(decoded), false);
  });

  it('HelloRetryRequest', () => {
    const ext = emptyServerHelloExtensions();
    ext.supportedVersions = 0x0304;
    ext.selectedGroup = 0x17;
    ext.cookie = fill(100, 4);
    ext.encryptedClientHello = fill(8, 5);
    ext.order = [E.SupportedVersions, E.KeyShare, E.Cookie, E.EncryptedClientHello];
    const sh: ServerHello = { legacyVersion: 0x0303, random: HELLO_RETRY_REQUEST_RANDOM, legacySessionIdEcho: new Uint8Array(0), cipherSuite: 0x1302, legacyCompressionMethod: 0, extensionsAbsent: false, extensions: ext };
    const { decoded } = roundTrip(HandshakeType.ServerHello, encodeServerHello, decodeServerHello, sh);
    assert.equal(isHelloRetryRequest(decoded), true);
  });

  it('TLS 1.2 ServerHello with every TLS 1.2 extension, an unknown one, and without extensions', () => {
    const ext = emptyServerHelloExtensions();
    ext.serverName = true;
    ext.renegotiationInfo = fill(24, 6);
    ext.extendedMasterSecret = true;
    ext.ecPointFormats = [0];
    ext.sessionTicket = true;
    ext.alpn = b(0x68, 0x32);
    ext.statusRequest = true;
    ext.recordSizeLimit = 64;
    ext.others.push({ type: E.EncryptThenMac, body: new Uint8Array(0) });
    ext.order = [E.EncryptThenMac, E.ServerName, E.RenegotiationInfo, E.ExtendedMasterSecret, E.EcPointFormats, E.SessionTicket,
      E.ApplicationLayerProtocolNegotiation, E.StatusRequest, E.RecordSizeLimit];
    const sh: ServerHello = { legacyVersion: 0x0303, random: fill(32, 7), legacySessionIdEcho: fill(32, 8), cipherSuite: 0xc02f, legacyCompressionMethod: 0, extensionsAbsent: false, extensions: ext };
    roundTrip(HandshakeType.ServerHello, encodeServerHello, decodeServerHello, sh, { extensions: { ...ext, unknown: [E.EncryptThenMac] } });
    roundTrip(HandshakeType.ServerHello, encodeServerHello, decodeServerHello, { ...sh, extensions: emptyServerHelloExtensions(), extensionsAbsent: true });
  });
});

describe('post-hello messages', () => {
  it('EncryptedExtensions, empty and full', () => {
    roundTrip(HandshakeType.EncryptedExtensions, encodeEncryptedExtensions, decodeEncryptedExtensions, { extensions: emptyEncryptedExtensionsExtensions() });
    const ext = emptyEncryptedExtensionsExtensions();
    ext.serverName = true;
    ext.supportedGroups = [0x1d];
    ext.alpn = b(0x68, 0x32);
    ext.recordSizeLimit = 0x4001;
    ext.earlyData = true;
    ext.encryptedClientHello = fill(60, 1);
    ext.others.push({ type: E.UseSrtp, body: b(0, 2, 0, 1, 0) });
    ext.order = [E.ServerName, E.SupportedGroups, E.ApplicationLayerProtocolNegotiation, E.RecordSizeLimit, E.EarlyData, E.EncryptedClientHello, E.UseSrtp];
    roundTrip(HandshakeType.EncryptedExtensions, encodeEncryptedExtensions, decodeEncryptedExtensions, { extensions: ext }, { extensions: { ...ext, unknown: [E.UseSrtp] } });
  });

  it('Certificate with entry extensions, and empty', () => {
    const e1 = emptyCertificateEntryExtensions();
    e1.statusRequest = fill(50, 0x30);
    e1.signedCertificateTimestamp = fill(30, 1);
    e1.order = [E.StatusRequest, E.SignedCertificateTimestamp];
    const e2 = emptyCertificateEntryExtensions();
    roundTrip(HandshakeType.Certificate, encodeCertificate, decodeCertificate, {
      certificateRequestContext: fill(8, 9),
      certificateList: [{ certData: fill(300, 0x30), extensions: e1 }, { certData: fill(1, 0x30), extensions: e2 }],
    });
    roundTrip(HandshakeType.Certificate, encodeCertificate, decodeCertificate, { certificateRequestContext: new Uint8Array(0), certificateList: [] });
  });

  it('CertificateRequest with every extension', () => {
    const ext = emptyCertificateRequestExtensions();
    ext.signatureAlgorithms = [0x0804, 0x0403];
    ext.signatureAlgorithmsCert = [0x0403];
    ext.certificateAuthorities = [fill(10, 0x30)];
    ext.oidFilters = [{ oid: b(0x55, 0x1d, 0x25), values: b(0x30, 0) }, { oid: b(0x55, 0x1d, 0x0f), values: new Uint8Array(0) }];
    ext.statusRequest = true;
    ext.signedCertificateTimestamp = true;
    ext.compressCertificate = [1];
    ext.others.push({ type: 0x7777, body: b(1, 2) });
    ext.order = [E.SignatureAlgorithms, E.SignatureAlgorithmsCert, E.CertificateAuthorities, E.OidFilters, E.StatusRequest, E.SignedCertificateTimestamp, E.CompressCertificate, 0x7777];
    roundTrip(HandshakeType.CertificateRequest, encodeCertificateRequest, decodeCertificateRequest, { certificateRequestContext: b(1, 2, 3), extensions: ext }, {
      extensions: { ...ext, unknown: [0x7777] },
    });
  });

  it('CertificateVerify, Finished, KeyUpdate, EndOfEarlyData', () => {
    roundTrip(HandshakeType.CertificateVerify, encodeCertificateVerify, decodeCertificateVerify, { algorithm: 0x0804, signature: fill(256, 1) });
    roundTrip(HandshakeType.CertificateVerify, encodeCertificateVerify, decodeCertificateVerify, { algorithm: 0x0807, signature: new Uint8Array(0) });
    roundTrip(HandshakeType.Finished, encodeFinished, (body) => decodeFinished(body, 48), { verifyData: fill(48, 2) });
    roundTrip(HandshakeType.Finished, encodeFinished, (body) => decodeFinished(body, 12), { verifyData: fill(12, 2) });
    roundTrip(HandshakeType.KeyUpdate, encodeKeyUpdate, decodeKeyUpdate, { requestUpdate: KeyUpdateRequest.UpdateRequested });
    roundTrip(HandshakeType.KeyUpdate, encodeKeyUpdate, decodeKeyUpdate, { requestUpdate: KeyUpdateRequest.UpdateNotRequested });
    const { bytes } = roundTrip(HandshakeType.EndOfEarlyData, encodeEndOfEarlyData, decodeEndOfEarlyData, {});
    assert.equal(toHex(bytes), '05000000');
  });

  it('NewSessionTicket with and without early_data', () => {
    const ext = emptyNewSessionTicketExtensions();
    ext.earlyData = 0xffffffff;
    ext.others.push({ type: 0x8a8a, body: new Uint8Array(0) });
    ext.order = [0x8a8a, E.EarlyData];
    roundTrip(HandshakeType.NewSessionTicket, encodeNewSessionTicket, decodeNewSessionTicket,
      { ticketLifetime: 604800, ticketAgeAdd: 0x80000001, ticketNonce: b(0), ticket: fill(100, 3), extensions: ext },
      { extensions: { ...ext, unknown: [0x8a8a] } });
    roundTrip(HandshakeType.NewSessionTicket, encodeNewSessionTicket, decodeNewSessionTicket,
      { ticketLifetime: 0, ticketAgeAdd: 0, ticketNonce: new Uint8Array(0), ticket: b(1), extensions: emptyNewSessionTicketExtensions() });
  });

  it('Alert is two bytes', () => {
    const w = new Writer();
    encodeAlert(w, { level: 2, description: 40 });
    assert.equal(toHex(w.view()), '0228');
    assert.deepEqual(decodeAlert(w.view()), { level: 2, description: 40 });
  });
});

describe('TLS 1.2 messages', () => {
  it('ServerKeyExchange (ECDHE) and its signed params', () => {
    const ske = { namedGroup: 0x17, publicKey: fill(65, 4), signatureScheme: 0x0403, signature: fill(72, 5) };
    const { bytes } = roundTrip(HandshakeType.ServerKeyExchange, encodeServerKeyExchangeEcdhe, decodeServerKeyExchangeEcdhe, ske);
    const w = new Writer();
    writeServerEcdhParams(w, ske.namedGroup, ske.publicKey);
    assert.equal(toHex(w.view()), toHex(bytes.subarray(4, 4 + 4 + 65)));
  });

  it('ClientKeyExchange, ServerHelloDone, CertificateRequest, Certificate, NewSessionTicket', () => {
    roundTrip(HandshakeType.ClientKeyExchange, encodeClientKeyExchangeEcdhe, decodeClientKeyExchangeEcdhe, { publicKey: fill(32, 6) });
    const { bytes } = roundTrip(HandshakeType.ServerHelloDone, encodeServerHelloDone, decodeServerHelloDone, {});
    assert.equal(toHex(bytes), '0e000000');
    roundTrip(HandshakeType.CertificateRequest, encodeCertificateRequest12, decodeCertificateRequest12, { certificateTypes: [1, 64], signatureAlgorithms: [0x0403, 0x0804], certificateAuthorities: [fill(20, 0x30)] });
    roundTrip(HandshakeType.CertificateRequest, encodeCertificateRequest12, decodeCertificateRequest12, { certificateTypes: [64], signatureAlgorithms: [0x0403], certificateAuthorities: [] });
    roundTrip(HandshakeType.Certificate, encodeCertificate12, decodeCertificate12, { certificateList: [fill(500, 0x30), fill(2, 0x30)] });
    roundTrip(HandshakeType.Certificate, encodeCertificate12, decodeCertificate12, { certificateList: [] });
    roundTrip(HandshakeType.NewSessionTicket, encodeNewSessionTicket12, decodeNewSessionTicket12, { ticketLifetimeHint: 7200, ticket: fill(150, 7) });
    roundTrip(HandshakeType.NewSessionTicket, encodeNewSessionTicket12, decodeNewSessionTicket12, { ticketLifetimeHint: 0, ticket: new Uint8Array(0) });
  });
});

describe('handshake framing', () => {
  it('reads headers, frames messages, checks the expected type', () => {
    assert.equal(readHandshakeHeader(b(1, 0, 0)), null);
    assert.deepEqual(readHandshakeHeader(b(9, 9, 2, 1, 0, 0, 1, 0x10), 4), { type: 0, length: 0x110 });
    const m = decodeHandshakeMessage(b(20, 0, 0, 2, 0xaa, 0xbb));
    assert.deepEqual(m.body, b(0xaa, 0xbb));
    assert.deepEqual(expectMessage(m, HandshakeType.Finished, (body) => decodeFinished(body, 2)).verifyData, b(0xaa, 0xbb));
    assert.throws(() => expectMessage(m, HandshakeType.Certificate, decodeCertificate), (e: Error & { code?: string; alert?: number }) => {
      assert.equal(e.code, 'ERR_TLS_PEER_UNEXPECTED_MESSAGE');
      assert.equal(e.alert, 10);
      assert.match(e.message, /received Finished .* expected Certificate/);
      return true;
    });
  });

  it('writes the synthetic message_hash (RFC 8446 §4.4.1)', () => {
    const w = new Writer();
    encodeMessageHash(w, fill(32, 1));
    assert.equal(toHex(w.view().subarray(0, 4)), 'fe000020');
    assert.equal(w.len, 36);
  });
});
