// Real messages decode and re-encode byte for byte: RFC 8448 (published values via Botan, and
// the editors' copy of the draft) and ClientHellos captured from openssl s_client and node:tls.
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writer } from '../../src/core/codec/writer.ts';
import { HandshakeType, NamedGroup, ExtensionType, ProtocolVersion } from '../../src/core/codec/codepoints.ts';
import { decodeHandshakeMessage } from '../../src/core/codec/handshake.ts';
import { decodeClientHello, encodeClientHello } from '../../src/core/codec/client-hello.ts';
import { decodeServerHello, encodeServerHello, isHelloRetryRequest } from '../../src/core/codec/server-hello.ts';
import { decodeEncryptedExtensions, encodeEncryptedExtensions } from '../../src/core/codec/encrypted-extensions.ts';
import { decodeCertificate, encodeCertificate, decodeCertificateRequest, encodeCertificateRequest } from '../../src/core/codec/certificate.ts';
import { decodeCertificateVerify, encodeCertificateVerify } from '../../src/core/codec/certificate-verify.ts';
import { decodeFinished, encodeFinished } from '../../src/core/codec/finished.ts';
import { decodeNewSessionTicket, encodeNewSessionTicket } from '../../src/core/codec/new-session-ticket.ts';
import { decodeEndOfEarlyData, encodeEndOfEarlyData } from '../../src/core/codec/end-of-early-data.ts';
import {
  decodeCertificate12, decodeCertificateRequest12, decodeServerHelloDone, decodeServerKeyExchangeEcdhe,
  encodeCertificate12, encodeCertificateRequest12, encodeServerHelloDone, encodeServerKeyExchangeEcdhe,
} from '../../src/core/codec/tls12.ts';
import { hex, loadFixture, loadRfc8448Messages, toHex } from '../helpers/wire.ts';

// Each entry decodes a body and re-encodes the decoded value as a complete message.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const codecs = new Map<number, { decode: (b: Uint8Array) => any; encode: (w: Writer, v: any) => void }>([
  [HandshakeType.ClientHello, { decode: decodeClientHello, encode: encodeClientHello }],
  [HandshakeType.ServerHello, { decode: decodeServerHello, encode: encodeServerHello }],
  [HandshakeType.EncryptedExtensions, { decode: decodeEncryptedExtensions, encode: encodeEncryptedExtensions }],
  [HandshakeType.Certificate, { decode: decodeCertificate, encode: encodeCertificate }],
  [HandshakeType.CertificateRequest, { decode: decodeCertificateRequest, encode: encodeCertificateRequest }],
  [HandshakeType.CertificateVerify, { decode: decodeCertificateVerify, encode: encodeCertificateVerify }],
  [HandshakeType.Finished, { decode: (b) => decodeFinished(b, 32), encode: encodeFinished }],
  [HandshakeType.NewSessionTicket, { decode: decodeNewSessionTicket, encode: encodeNewSessionTicket }],
  [HandshakeType.EndOfEarlyData, { decode: decodeEndOfEarlyData, encode: encodeEndOfEarlyData }],
]);

function reencode(bytes: Uint8Array): unknown {
  const m = decodeHandshakeMessage(bytes);
  const c = codecs.get(m.type);
  assert.ok(c, `no codec for type ${m.type}`);
  const v: unknown = c.decode(m.body);
  const w = new Writer(16);
  c.encode(w, v);
  assert.equal(toHex(w.view()), toHex(bytes));
  return v;
}

const messages = loadRfc8448Messages();

describe('RFC 8448 messages', () => {
  it('has the messages we expect', () => {
    assert.ok(messages.length >= 80, `${messages.length} messages`);
    const types = new Set(messages.map((m) => m.bytes[0]));
    for (const t of codecs.keys()) assert.ok(types.has(t), `type ${t} covered`);
  });

  for (const [i, m] of messages.entries()) {
    if (m.name.endsWith('Prefix')) continue;
    it(`${m.source} ${m.section} ${m.name} (#${i}) decodes and re-encodes byte for byte`, () => {
      reencode(m.bytes);
    });
  }

  it('§3 ClientHello has the fields the RFC shows', () => {
    const m = messages.find((x) => x.source === 'botan' && x.section === 'Simple_1RTT_Handshake' && x.name === 'ClientHello_1')!;
    const ch = decodeClientHello(decodeHandshakeMessage(m.bytes).body);
    assert.equal(toHex(ch.random), 'cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7');
    assert.deepEqual(ch.cipherSuites, [0x1301, 0x1303, 0x1302]);
    assert.equal(ch.legacySessionId.length, 0);
    assert.deepEqual(Array.from(ch.legacyCompressionMethods), [0]);
    const e = ch.extensions;
    assert.equal(e.serverName, 'server');
    assert.deepEqual(e.renegotiationInfo, new Uint8Array(0));
    assert.deepEqual(e.supportedGroups, [0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104]);
    assert.deepEqual(e.sessionTicket, new Uint8Array(0));
    assert.equal(e.keyShare!.length, 1);
    assert.equal(e.keyShare![0]!.group, NamedGroup.X25519);
    assert.equal(toHex(e.keyShare![0]!.keyExchange), '99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
    assert.deepEqual(e.supportedVersions, [ProtocolVersion.TLSv1_3]);
    assert.equal(e.signatureAlgorithms!.length, 15);
    assert.deepEqual(e.pskKeyExchangeModes, [1]);
    assert.equal(e.recordSizeLimit, 0x4001);
    assert.equal(e.preSharedKey, null);
    assert.equal(ch.bindersLength, 0);
    assert.deepEqual(e.order, [0, 0xff01, 10, 35, 51, 43, 13, 45, 28]);
  });

  it('§4 resumption ClientHello exposes the PSK, binders and the truncation point', () => {
    const m = messages.find((x) => x.source === 'botan' && x.section === 'Resumed_0RTT_Handshake' && x.name === 'ClientHello_1')!;
    const ch = decodeClientHello(decodeHandshakeMessage(m.bytes).body);
    const psk = ch.extensions.preSharedKey!;
    assert.equal(psk.identities.length, 1);
    assert.equal(psk.identities[0]!.identity.length, 0xb2);
    assert.equal(psk.identities[0]!.obfuscatedTicketAge, 0xfad6aacb);
    assert.equal(psk.binders.length, 1);
    assert.equal(toHex(psk.binders[0]!), '3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d');
    // binders<33..>: 2-byte length + 1-byte length + 32 bytes.
    assert.equal(ch.bindersLength, 35);
    assert.equal(ch.extensions.earlyData, true);
    assert.equal(ch.extensions.padding, 87);
    assert.equal(ch.extensions.order.at(-1), ExtensionType.PreSharedKey);
    // The encoder reports where the binders start: everything before is the truncated hello.
    const w = new Writer();
    w.u8(0xee); // an offset in the writer must be absolute
    const { bindersOffset } = encodeClientHello(w, ch);
    assert.equal(bindersOffset, 1 + m.bytes.length - ch.bindersLength);
    assert.equal(toHex(w.view().subarray(1)), toHex(m.bytes));
  });

  it('§4 ClientHello shown up to the binders is a proper prefix and does not decode', () => {
    const p = messages.find((x) => x.name === 'ClientHelloPrefix')!;
    const m = decodeHandshakeMessage(Uint8Array.from([...p.bytes, ...new Uint8Array(35)]));
    assert.throws(() => decodeClientHello(m.body.subarray(0, p.bytes.length - 4)), { code: 'ERR_TLS_DECODE_TRUNCATED' });
    // With 35 bytes of binders (one 32-byte binder) in place it decodes.
    const filled = Uint8Array.from([...p.bytes, 0, 33, 32, ...new Uint8Array(32)]);
    const ch = decodeClientHello(decodeHandshakeMessage(filled).body);
    assert.equal(ch.bindersLength, 35);
  });

  it('§5 HelloRetryRequest is recognised and carries the selected group and cookie', () => {
    const m = messages.find((x) => x.source === 'botan' && x.name === 'HelloRetryRequest')!;
    const hrr = decodeServerHello(decodeHandshakeMessage(m.bytes).body);
    assert.equal(isHelloRetryRequest(hrr), true);
    assert.equal(hrr.extensions.selectedGroup, NamedGroup.Secp256r1);
    assert.equal(hrr.extensions.keyShare, null);
    assert.equal(hrr.extensions.cookie!.length, 0x72);
    assert.equal(hrr.extensions.supportedVersions, ProtocolVersion.TLSv1_3);
    const sh = messages.find((x) => x.source === 'botan' && x.section === 'HelloRetryRequest_Handshake' && x.name === 'ServerHello')!;
    const real = decodeServerHello(decodeHandshakeMessage(sh.bytes).body);
    assert.equal(isHelloRetryRequest(real), false);
    assert.equal(real.extensions.keyShare!.group, NamedGroup.Secp256r1);
    assert.equal(real.extensions.keyShare!.keyExchange.length, 65);
  });

  it('§4 ServerHello selects the PSK, EncryptedExtensions accepts early data', () => {
    const sh = messages.find((x) => x.source === 'botan' && x.section === 'Resumed_0RTT_Handshake' && x.name === 'ServerHello')!;
    assert.equal(decodeServerHello(decodeHandshakeMessage(sh.bytes).body).extensions.preSharedKey, 0);
    const ee = messages.find((x) => x.source === 'botan' && x.section === 'Resumed_0RTT_Handshake' && x.name === 'EncryptedExtensions')!;
    const e = decodeEncryptedExtensions(decodeHandshakeMessage(ee.bytes).body).extensions;
    assert.equal(e.earlyData, true);
    assert.equal(e.serverName, false);
    assert.equal(e.recordSizeLimit, 0x4001);
    assert.deepEqual(e.unknown, []);
  });

  it('§3 NewSessionTicket and §6 CertificateRequest fields', () => {
    const nst = messages.find((x) => x.source === 'draft' && x.name === 'NewSessionTicket')!;
    const t = decodeNewSessionTicket(decodeHandshakeMessage(nst.bytes).body);
    assert.equal(t.ticketLifetime, 30);
    assert.equal(t.ticketNonce.length, 2);
    assert.equal(t.ticket.length, 0xb2);
    assert.equal(t.extensions.earlyData, 0x400);
    const cr = messages.find((x) => x.source === 'botan' && x.name === 'CertificateRequest')!;
    const r = decodeCertificateRequest(decodeHandshakeMessage(cr.bytes).body);
    assert.equal(r.certificateRequestContext.length, 0);
    assert.equal(r.extensions.signatureAlgorithms!.length, 15);
    const cert = messages.find((x) => x.source === 'botan' && x.section === 'Simple_1RTT_Handshake' && x.name === 'Server_Certificate')!;
    const c = decodeCertificate(decodeHandshakeMessage(cert.bytes).body);
    assert.equal(c.certificateList.length, 1);
    assert.equal(c.certificateList[0]!.certData.length, 0x1b0);
    assert.equal(c.certificateList[0]!.certData[0], 0x30);
  });
});

describe('captured ClientHellos', () => {
  for (const name of ['openssl-client-hello.hex', 'node-client-hello.hex']) {
    it(`${name} decodes and re-encodes byte for byte`, () => {
      const rec = loadFixture(name);
      assert.equal(rec[0], 22); // handshake record
      const len = (rec[3]! << 8) | rec[4]!;
      const msg = rec.subarray(5, 5 + len);
      const ch = reencode(msg) as ReturnType<typeof decodeClientHello>;
      assert.equal(ch.extensions.serverName, 'example.com');
      assert.deepEqual(ch.extensions.alpn!.map((p) => new TextDecoder().decode(p)), ['h2', 'http/1.1']);
      assert.ok(ch.extensions.supportedVersions!.includes(ProtocolVersion.TLSv1_3));
      assert.equal(ch.extensions.keyShare![0]!.group, NamedGroup.X25519);
      assert.equal(ch.extensions.extendedMasterSecret, true);
      assert.deepEqual(ch.extensions.ecPointFormats, [0, 1, 2]);
      // encrypt_then_mac (22) is not modelled: kept with its body, ignored.
      assert.deepEqual(ch.extensions.others.map((o) => o.type), [22]);
      assert.ok(ch.cipherSuites.includes(0x00ff));
    });
  }
});

describe('captured TLS 1.2 server flight (openssl s_server -tls1_2)', () => {
  it('ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone re-encode byte for byte', () => {
    const lines = loadFixtureLines('openssl-tls12-server-flight.hex');
    assert.deepEqual(lines.map((b) => b[0]), [2, 11, 12, 13, 14]);
    const tls12 = new Map<number, { decode: (b: Uint8Array) => unknown; encode: (w: Writer, v: never) => void }>([
      [2, { decode: decodeServerHello, encode: encodeServerHello }],
      [11, { decode: decodeCertificate12, encode: encodeCertificate12 }],
      [12, { decode: decodeServerKeyExchangeEcdhe, encode: encodeServerKeyExchangeEcdhe }],
      [13, { decode: decodeCertificateRequest12, encode: encodeCertificateRequest12 }],
      [14, { decode: decodeServerHelloDone, encode: encodeServerHelloDone }],
    ]);
    const decoded: unknown[] = [];
    for (const msg of lines) {
      const c = tls12.get(msg[0]!)!;
      const v = c.decode(decodeHandshakeMessage(msg).body);
      const w = new Writer();
      c.encode(w, v as never);
      assert.equal(toHex(w.view()), toHex(msg));
      decoded.push(v);
    }
    const sh = decoded[0] as ReturnType<typeof decodeServerHello>;
    assert.equal(sh.extensions.supportedVersions, null);
    assert.deepEqual(sh.extensions.renegotiationInfo, new Uint8Array(0));
    assert.equal(sh.extensions.extendedMasterSecret, true);
    assert.deepEqual(sh.extensions.unknown, []);
    const ske = decoded[2] as ReturnType<typeof decodeServerKeyExchangeEcdhe>;
    assert.equal(ske.namedGroup, NamedGroup.X25519);
    assert.equal(ske.publicKey.length, 32);
    assert.equal(ske.signatureScheme, 0x0403);
    const cert = decoded[1] as ReturnType<typeof decodeCertificate12>;
    assert.equal(cert.certificateList.length, 1);
    const cr = decoded[3] as ReturnType<typeof decodeCertificateRequest12>;
    assert.ok(cr.signatureAlgorithms.includes(0x0804));
  });
});

/** A fixture with one hex message per line. */
function loadFixtureLines(name: string): Uint8Array[] {
  return readFileSync(new URL(`../fixtures/codec/${name}`, import.meta.url), 'utf8').split('\n').filter((l) => l.trim() !== '').map(hex);
}
