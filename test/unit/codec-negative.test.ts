// Malformed input yields the right TlsError code and alert. Inputs come from test/helpers/wire.ts,
// never from the codec under test.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isTlsError } from '../../src/core/errors.ts';
import { AlertDescription as A } from '../../src/core/codec/codepoints.ts';
import { decodeHandshakeMessage } from '../../src/core/codec/handshake.ts';
import { decodeClientHello } from '../../src/core/codec/client-hello.ts';
import { decodeServerHello } from '../../src/core/codec/server-hello.ts';
import { decodeEncryptedExtensions } from '../../src/core/codec/encrypted-extensions.ts';
import { decodeCertificate, decodeCertificateRequest } from '../../src/core/codec/certificate.ts';
import { decodeCertificateVerify } from '../../src/core/codec/certificate-verify.ts';
import { decodeFinished } from '../../src/core/codec/finished.ts';
import { decodeNewSessionTicket } from '../../src/core/codec/new-session-ticket.ts';
import { decodeKeyUpdate } from '../../src/core/codec/key-update.ts';
import { decodeEndOfEarlyData } from '../../src/core/codec/end-of-early-data.ts';
import { decodeAlert } from '../../src/core/codec/alert.ts';
import {
  decodeCertificate12,
  decodeCertificateRequest12,
  decodeClientKeyExchangeEcdhe,
  decodeNewSessionTicket12,
  decodeServerHelloDone,
  decodeServerKeyExchangeEcdhe,
} from '../../src/core/codec/tls12.ts';
import {
  HRR_RANDOM, X, cat, chExt, clientHelloBody, ext, hex, loadFixture, loadRfc8448Messages, serverHelloBody,
  u16, u16s, u24, u32, u8, vec16, vec24, vec8, zeros,
} from '../helpers/wire.ts';

function expectError(fn: () => unknown, code: string, alert: number | null): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isTlsError(e), `not a TlsError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.alert, alert);
    return true;
  });
}

const DECODE = A.DecodeError;
const ILLEGAL = A.IllegalParameter;

const decoders: Record<number, (b: Uint8Array) => unknown> = {
  1: decodeClientHello, 2: decodeServerHello, 4: decodeNewSessionTicket, 5: decodeEndOfEarlyData,
  8: decodeEncryptedExtensions, 11: decodeCertificate, 13: decodeCertificateRequest, 15: decodeCertificateVerify,
  20: (b) => decodeFinished(b, 32),
};

describe('truncation at every length of real messages', () => {
  const real = loadRfc8448Messages().filter((m) => m.source === 'botan' || m.name === 'NewSessionTicket' || m.name === 'EndOfEarlyData');
  for (const fx of ['openssl-client-hello.hex', 'node-client-hello.hex']) {
    const rec = loadFixture(fx);
    real.push({ source: 'fixture', section: fx, name: 'ClientHello', bytes: rec.subarray(5) });
  }
  for (const m of real) {
    it(`${m.source} ${m.section} ${m.name}`, () => {
      const msg = m.bytes;
      for (let n = 0; n < msg.length; n++) {
        expectError(() => decodeHandshakeMessage(msg.subarray(0, n)), 'ERR_TLS_DECODE_TRUNCATED', DECODE);
      }
      const type = msg[0]!;
      const body = msg.subarray(4);
      const decode = decoders[type]!;
      // The one legal prefix: a hello ending before its extensions block (RFC 5246 §7.4.1.2).
      const helloPrefix = type === 1 ? 2 + 32 + 1 + body[34]! + 2 + ((body[35 + body[34]!]! << 8) | body[36 + body[34]!]!) : -1;
      const shPrefix = type === 2 ? 2 + 32 + 1 + body[34]! + 3 : -1;
      for (let n = 0; n < body.length; n++) {
        const cut = body.subarray(0, n);
        if (type === 1 && n === helloPrefix + 1 + body[helloPrefix]!) {
          assert.equal((decode(cut) as { extensionsAbsent: boolean }).extensionsAbsent, true);
          continue;
        }
        if (type === 2 && n === shPrefix) {
          assert.equal((decode(cut) as { extensionsAbsent: boolean }).extensionsAbsent, true);
          continue;
        }
        // Finished has a fixed length: a shorter body is a length error.
        expectError(() => decode(cut), type === 20 ? 'ERR_TLS_DECODE_LENGTH' : 'ERR_TLS_DECODE_TRUNCATED', DECODE);
      }
    });
  }
});

describe('ClientHello', () => {
  const ch = (o: Parameters<typeof clientHelloBody>[0]) => () => decodeClientHello(clientHelloBody(o));

  it('the helper builds a valid ClientHello', () => {
    const d = decodeClientHello(clientHelloBody());
    assert.equal(d.extensions.serverName, 'example.com');
    assert.deepEqual(d.extensions.supportedVersions, [0x0304, 0x0303]);
  });

  it('overlong and out-of-range lengths', () => {
    expectError(ch({ sessionId: zeros(33) }), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeClientHello(cat(u16(0x0303), zeros(32), u8(0), u16(4), u16s(0x1301))), 'ERR_TLS_DECODE_TRUNCATED', DECODE);
    // An extension claiming more than its block holds.
    expectError(ch({ extensions: [cat(u16(X.supportedVersions), u16(9), vec8(u16s(0x0304)))] }), 'ERR_TLS_DECODE_TRUNCATED', DECODE);
    // The extensions block claiming more than the message.
    expectError(() => decodeClientHello(cat(clientHelloBody({ extensions: null }), u16(10), chExt.versions())), 'ERR_TLS_DECODE_TRUNCATED', DECODE);
  });

  it('odd lengths of uint16 lists', () => {
    expectError(() => decodeClientHello(cat(u16(0x0303), zeros(32), u8(0), vec16('130113'), vec8([0]))), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(ch({ extensions: [ext(X.supportedGroups, vec16('001d00'))] }), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(ch({ extensions: [ext(X.signatureAlgorithms, vec16('040308'))] }), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(ch({ extensions: [ext(X.supportedVersions, vec8('030403'))] }), 'ERR_TLS_DECODE_LENGTH', DECODE);
  });

  it('empty required vectors', () => {
    expectError(ch({ suites: [] }), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(ch({ compression: [] }), 'ERR_TLS_DECODE_LENGTH', DECODE);
    const empties: [string, Uint8Array][] = [
      ['supported_groups', ext(X.supportedGroups, vec16())],
      ['signature_algorithms', ext(X.signatureAlgorithms, vec16())],
      ['signature_algorithms_cert', ext(50, vec16())],
      ['supported_versions', ext(X.supportedVersions, vec8())],
      ['alpn list', ext(X.alpn, vec16())],
      ['alpn name', ext(X.alpn, vec16(vec8(), vec8('6832')))],
      ['server_name list', ext(X.serverName, vec16())],
      ['server_name host', ext(X.serverName, vec16(u8(0), vec16()))],
      ['key_exchange', ext(X.keyShare, vec16(u16(0x1d), vec16()))],
      ['psk identities', ext(X.preSharedKey, vec16(), vec16(vec8(zeros(32))))],
      ['psk identity', ext(X.preSharedKey, vec16(vec16(), u32(0)), vec16(vec8(zeros(32))))],
      ['psk binders', ext(X.preSharedKey, vec16(vec16('aa'), u32(0)), vec16())],
      ['psk binder too short', ext(X.preSharedKey, vec16(vec16('aa'), u32(0)), vec16(vec8(zeros(31)), u8(0)))],
      ['cookie', ext(X.cookie, vec16())],
      ['psk_key_exchange_modes', ext(X.pskKeyExchangeModes, vec8())],
      ['ec_point_formats', ext(X.ecPointFormats, vec8())],
      ['certificate_authorities', ext(X.certificateAuthorities, vec16())],
      ['compress_certificate', ext(X.compressCertificate, vec8())],
    ];
    for (const [what, e] of empties) {
      assert.throws(ch({ extensions: [e] }), (err: unknown) => {
        assert.ok(isTlsError(err), what);
        assert.equal(err.code, 'ERR_TLS_DECODE_LENGTH', `${what}: ${err.message}`);
        assert.equal(err.alert, DECODE);
        return true;
      });
    }
  });

  it('duplicate extensions, GREASE included', () => {
    expectError(ch({ extensions: [chExt.sni(), chExt.versions(), chExt.sni()] }), 'ERR_TLS_DECODE_DUPLICATE_EXTENSION', ILLEGAL);
    expectError(ch({ extensions: [ext(0x0a0a), ext(0x0a0a, '00')] }), 'ERR_TLS_DECODE_DUPLICATE_EXTENSION', ILLEGAL);
    expectError(ch({ extensions: [ext(0x1234), ext(0x1234)] }), 'ERR_TLS_DECODE_DUPLICATE_EXTENSION', ILLEGAL);
  });

  it('misplaced: oid_filters is CertificateRequest-only', () => {
    expectError(ch({ extensions: [ext(X.oidFilters, vec16())] }), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
  });

  it('pre_shared_key must be last (RFC 8446 §4.2.11)', () => {
    expectError(ch({ extensions: [chExt.versions(), chExt.psk(), chExt.pskModes()] }), 'ERR_TLS_DECODE_PSK_NOT_LAST', ILLEGAL);
    const ok = decodeClientHello(clientHelloBody({ extensions: [chExt.versions(), chExt.pskModes(), chExt.psk()] }));
    assert.equal(ok.bindersLength, 2 + 33);
  });

  it('binder count must match identity count', () => {
    expectError(ch({ extensions: [chExt.psk(2)] }), 'ERR_TLS_DECODE_ILLEGAL_VALUE', ILLEGAL);
  });

  it('trailing data after the message, the extensions and inside an extension body', () => {
    expectError(() => decodeClientHello(cat(clientHelloBody(), '00')), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(ch({ extensions: [ext(X.supportedVersions, vec8(u16s(0x0304)), '00')] }), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(ch({ extensions: [ext(X.earlyData, '00')] }), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(ch({ extensions: [ext(X.extendedMasterSecret, '00')] }), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(ch({ extensions: [ext(X.keyShare, vec16(u16(0x1d), vec16('01')), '00')] }), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(() => decodeHandshakeMessage(cat('01000001', '00', '00')), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
  });

  it('server_name (RFC 6066 §3): one ASCII host_name', () => {
    const sni = (...body: Parameters<typeof cat>) => ch({ extensions: [ext(X.serverName, ...body)] });
    expectError(sni(vec16(u8(0), vec16('6100'))), 'ERR_TLS_DECODE_BAD_VALUE', DECODE); // NUL
    expectError(sni(vec16(u8(0), vec16('61c3a9'))), 'ERR_TLS_DECODE_BAD_VALUE', DECODE); // non-ASCII
    expectError(sni(vec16(u8(0), vec16('612062'))), 'ERR_TLS_DECODE_BAD_VALUE', DECODE); // space
    expectError(sni(vec16(u8(1), vec16('61'))), 'ERR_TLS_DECODE_BAD_VALUE', DECODE); // unknown name_type
    expectError(sni(vec16(u8(0), vec16('61'), u8(0), vec16('62'))), 'ERR_TLS_DECODE_BAD_VALUE', DECODE); // two names
  });

  it('padding must be zeros, record_size_limit at least 64', () => {
    expectError(ch({ extensions: [ext(X.padding, '000100')] }), 'ERR_TLS_DECODE_BAD_VALUE', DECODE);
    expectError(ch({ extensions: [ext(X.recordSizeLimit, u16(63))] }), 'ERR_TLS_DECODE_ILLEGAL_VALUE', ILLEGAL);
    expectError(ch({ extensions: [ext(X.recordSizeLimit, '0040ff')] }), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
  });

  it('unknown extensions are ignored and kept, GREASE values in lists are kept', () => {
    const d = decodeClientHello(clientHelloBody({ suites: [0x2a2a, 0x1301], extensions: [ext(0x0a0a), ext(0xabcd, 'ffff'), chExt.groups(0x3a3a, 0x1d)] }));
    assert.deepEqual(d.extensions.order, [0x0a0a, 0xabcd, X.supportedGroups]);
    assert.deepEqual(d.extensions.others.map((o) => o.type), [0x0a0a, 0xabcd]);
    assert.deepEqual(d.extensions.supportedGroups, [0x3a3a, 0x1d]);
    assert.deepEqual(d.cipherSuites, [0x2a2a, 0x1301]);
  });

  it('legacy_compression_methods is returned raw for the engine to judge', () => {
    assert.deepEqual(Array.from(decodeClientHello(clientHelloBody({ compression: [1, 0] })).legacyCompressionMethods), [1, 0]);
  });
});

describe('ServerHello, HelloRetryRequest, TLS 1.2 ServerHello', () => {
  const sh = (o: Parameters<typeof serverHelloBody>[0]) => () => decodeServerHello(serverHelloBody(o));
  const v13 = ext(X.supportedVersions, u16(0x0304));

  it('misplaced extensions by variant', () => {
    expectError(sh({ extensions: [v13, ext(X.earlyData)] }), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
    expectError(sh({ extensions: [v13, ext(X.renegotiationInfo, vec8())] }), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
    expectError(sh({ extensions: [v13, ext(X.cookie, vec16('01'))] }), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
    expectError(sh({ extensions: [v13, ext(X.alpn, vec16(vec8('6832')))] }), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
    expectError(sh({ random: HRR_RANDOM, extensions: [v13, ext(X.preSharedKey, u16(0))] }), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
    expectError(sh({ extensions: [ext(X.keyShare, u16(0x1d), vec16(zeros(32)))] }), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL); // TLS 1.2
    expectError(sh({ extensions: [ext(X.supportedGroups, vec16(u16s(0x1d)))] }), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
  });

  it('duplicates, trailing bytes, bad bodies', () => {
    expectError(sh({ extensions: [v13, v13] }), 'ERR_TLS_DECODE_DUPLICATE_EXTENSION', ILLEGAL);
    expectError(sh({ extensions: [ext(X.supportedVersions, u16(0x0304), '00')] }), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(sh({ random: HRR_RANDOM, extensions: [v13, ext(X.keyShare, u16(0x17), vec16('04'))] }), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(sh({ extensions: [v13, ext(X.keyShare, u16(0x1d))] }), 'ERR_TLS_DECODE_TRUNCATED', DECODE);
    expectError(sh({ extensions: [ext(X.alpn, vec16(vec8('6832'), vec8('6833')))] }), 'ERR_TLS_DECODE_BAD_VALUE', DECODE);
    expectError(sh({ sessionId: zeros(33) }), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeServerHello(cat(serverHelloBody(), '00')), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
  });

  it('unknown extensions are reported for the engine to reject', () => {
    const d = decodeServerHello(serverHelloBody({ extensions: [v13, ext(0x0a0a), ext(X.keyShare, u16(0x1d), vec16(zeros(32)))] }));
    assert.deepEqual(d.extensions.unknown, [0x0a0a]);
  });
});

describe('post-hello messages', () => {
  it('EncryptedExtensions: misplaced, duplicate, unknown, trailing', () => {
    const ee = (...e: Uint8Array[]) => () => decodeEncryptedExtensions(vec16(...e));
    expectError(ee(ext(X.keyShare, u16(0x1d), vec16(zeros(32)))), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
    expectError(ee(ext(X.supportedVersions, u16(0x0304))), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
    expectError(ee(ext(X.preSharedKey, u16(0))), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
    expectError(ee(ext(X.earlyData), ext(X.earlyData)), 'ERR_TLS_DECODE_DUPLICATE_EXTENSION', ILLEGAL);
    expectError(() => decodeEncryptedExtensions(cat(vec16(), '00')), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(ee(ext(X.alpn, vec16())), 'ERR_TLS_DECODE_LENGTH', DECODE);
    assert.deepEqual(decodeEncryptedExtensions(vec16(ext(0x4444, '01'))).extensions.unknown, [0x4444]);
  });

  it('Certificate and CertificateRequest', () => {
    expectError(() => decodeCertificate(cat(vec8(), vec24(vec24(), vec16()))), 'ERR_TLS_DECODE_LENGTH', DECODE); // empty cert_data
    expectError(() => decodeCertificate(cat(vec8(), vec24(vec24('30')))), 'ERR_TLS_DECODE_TRUNCATED', DECODE); // no extensions field
    expectError(() => decodeCertificate(cat(vec8(), vec24(vec24('30'), vec16(ext(X.keyShare, u16(0x1d), vec16('01')))))), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
    expectError(() => decodeCertificate(cat(vec8(), vec24(vec24('30'), vec16(ext(X.statusRequest, u8(2), vec24('01')))))), 'ERR_TLS_DECODE_BAD_VALUE', DECODE);
    expectError(() => decodeCertificate(cat(vec8(), vec24(vec24('30'), vec16(ext(X.statusRequest, u8(1), vec24()))))), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeCertificate(cat(vec8(), vec24(), '00')), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(() => decodeCertificateRequest(cat(vec8(), vec16())), 'ERR_TLS_DECODE_LENGTH', DECODE); // extensions<2..>
    expectError(() => decodeCertificateRequest(cat(vec8(), vec16(ext(X.serverName)))), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
    expectError(() => decodeCertificateRequest(cat(vec8(), vec16(ext(X.oidFilters, vec16(vec8(), vec16()))))), 'ERR_TLS_DECODE_LENGTH', DECODE);
  });

  it('CertificateVerify, Finished, KeyUpdate, EndOfEarlyData', () => {
    expectError(() => decodeCertificateVerify(cat(u16(0x0804), vec16('0102'), '00')), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(() => decodeCertificateVerify(hex('0804')), 'ERR_TLS_DECODE_TRUNCATED', DECODE);
    expectError(() => decodeFinished(zeros(33), 32), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeFinished(zeros(31), 32), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeKeyUpdate(u8(2)), 'ERR_TLS_DECODE_ILLEGAL_VALUE', ILLEGAL);
    expectError(() => decodeKeyUpdate(hex('0000')), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(() => decodeKeyUpdate(zeros(0)), 'ERR_TLS_DECODE_TRUNCATED', DECODE);
    expectError(() => decodeEndOfEarlyData(u8(0)), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
  });

  it('NewSessionTicket', () => {
    const nst = (...tail: Uint8Array[]) => () => decodeNewSessionTicket(cat(u32(60), u32(1), vec8('00'), vec16('aa'), ...tail));
    expectError(nst(vec16(ext(X.keyShare, u16(0x1d), vec16('01')))), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL);
    expectError(nst(vec16(ext(X.earlyData, u16(1)))), 'ERR_TLS_DECODE_TRUNCATED', DECODE);
    expectError(nst(vec16(ext(X.earlyData, u32(1)), ext(X.earlyData, u32(1)))), 'ERR_TLS_DECODE_DUPLICATE_EXTENSION', ILLEGAL);
    expectError(nst(), 'ERR_TLS_DECODE_TRUNCATED', DECODE);
    expectError(() => decodeNewSessionTicket(cat(u32(60), u32(1), vec8(), vec16(), vec16())), 'ERR_TLS_DECODE_LENGTH', DECODE); // empty ticket
    expectError(() => decodeNewSessionTicket(cat(u32(60), u32(1), vec8(), vec16('aa'), u16(0xffff), zeros(0xffff))), 'ERR_TLS_DECODE_LENGTH', DECODE); // extensions<0..2^16-2>
  });

  it('Alert must be exactly two bytes', () => {
    expectError(() => decodeAlert(u8(2)), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeAlert(hex('020000')), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeAlert(zeros(0)), 'ERR_TLS_DECODE_LENGTH', DECODE);
  });
});

describe('TLS 1.2 messages', () => {
  it('ServerKeyExchange: named curves only, lengths checked', () => {
    expectError(() => decodeServerKeyExchangeEcdhe(cat(u8(1), u16(0x17), vec8('04'), u16(0x0403), vec16())), 'ERR_TLS_DECODE_ILLEGAL_VALUE', ILLEGAL);
    expectError(() => decodeServerKeyExchangeEcdhe(cat(u8(3), u16(0x17), vec8(), u16(0x0403), vec16())), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeServerKeyExchangeEcdhe(cat(u8(3), u16(0x17), vec8('04'))), 'ERR_TLS_DECODE_TRUNCATED', DECODE);
    expectError(() => decodeServerKeyExchangeEcdhe(cat(u8(3), u16(0x17), vec8('04'), u16(0x0403), vec16(), '00')), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
  });

  it('ClientKeyExchange, ServerHelloDone, CertificateRequest, Certificate, NewSessionTicket', () => {
    expectError(() => decodeClientKeyExchangeEcdhe(vec8()), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeClientKeyExchangeEcdhe(cat(vec8('04'), '00')), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(() => decodeServerHelloDone(u8(0)), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(() => decodeCertificateRequest12(cat(vec8(), vec16(u16s(0x0403)), vec16())), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeCertificateRequest12(cat(vec8([64]), vec16('0403ff'), vec16())), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeCertificateRequest12(cat(vec8([64]), vec16(u16s(0x0403)), vec16(vec16()))), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeCertificate12(vec24(vec24())), 'ERR_TLS_DECODE_LENGTH', DECODE);
    expectError(() => decodeCertificate12(cat(u24(10), vec24('30'))), 'ERR_TLS_DECODE_TRUNCATED', DECODE);
    expectError(() => decodeNewSessionTicket12(cat(u32(1), vec16('aa'), '00')), 'ERR_TLS_DECODE_TRAILING_DATA', DECODE);
    expectError(() => decodeNewSessionTicket12(cat(u16(1))), 'ERR_TLS_DECODE_TRUNCATED', DECODE);
  });
});
