/**
 * Malformed records and messages against the TLS 1.3 engine: each case asserts the error code,
 * the alert, that the failure sticks, and the alert bytes the engine queued (exact bytes for
 * plaintext alerts; decrypted with the key-log secret for protected ones).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import type { Tls13CipherSuite } from '../../src/core/crypto/provider.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority } from '../helpers/pki-openssl.ts';
import { handshake, transfer } from '../helpers/memory-pair.ts';
import { HRR_RANDOM, X, cat, chExt, clientHelloBody, ext, hs, serverHelloBody, u16, u16s, vec16, vec8, zeros } from '../helpers/wire.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_DIR, parseCorpusEntry, replay, scenarioById } from '../helpers/engine-transcripts.ts';
import { KeyLog, RawProtection, expectFailure, parseHandshakeMessages, parseRecords, plainAlert, record } from '../helpers/engine-bad-input-tools.ts';

const provider = nodeCryptoProvider;
let pki: OpenSslPki;
let root: CertificateAuthority;
let certified: CertifiedKey;

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'Bad Input Root', keyType: 'ecdsa-p256' });
  const leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:server.test'] });
  certified = { chain: [leaf.certDer], key: provider.loadSigningKey(leaf.keyPem) };
});
after(() => pki.cleanup());

// Alert descriptions (RFC 8446 §6), written out.
const UNEXPECTED_MESSAGE = 10, BAD_RECORD_MAC = 20, RECORD_OVERFLOW = 22, HANDSHAKE_FAILURE = 40;
const ILLEGAL_PARAMETER = 47, DECODE_ERROR = 50, DECRYPT_ERROR = 51, PROTOCOL_VERSION = 70;
const MISSING_EXTENSION = 109, UNSUPPORTED_EXTENSION = 110;

type ClientOptions = Partial<Parameters<typeof createClientConfig>[0]>;
type ServerOptions = Partial<Parameters<typeof createServerConfig>[0]>;

function client(extra: ClientOptions = {}): ClientConnection {
  return new ClientConnection(createClientConfig({ provider, verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }), cipherSuites: ['TLS_AES_128_GCM_SHA256'], ...extra }), 'server.test');
}
function server(extra: ServerOptions = {}): ServerConnection {
  return new ServerConnection(createServerConfig({ provider, certificates: [certified], ...extra }));
}
function suiteNamed(name: string): Tls13CipherSuite {
  const s = provider.cipherSuites.find((x): x is Tls13CipherSuite => x.version === 'TLSv1.3' && x.name === name);
  assert.ok(s !== undefined, `provider has ${name}`);
  return s;
}

/** A ClientHello handshake record (record version 0x0301, as a first ClientHello may use). */
const chRecord = (body: Uint8Array): Uint8Array => record(22, hs(1, body), 0x0301);
const ks = (group: number, len: number) => cat(u16(group), vec16(zeros(len).fill(9)));
const keyShareExt = (...entries: Uint8Array[]) => ext(X.keyShare, vec16(...entries));

function serverRejects(bytes: Uint8Array, code: string, alert: number): void {
  const out = expectFailure(server(), bytes, code, alert);
  assert.deepEqual(out, plainAlert(alert), 'the plaintext alert record');
}

describe('engine bad input: server side, plaintext phase', () => {
  it('truncated ClientHello body', () => {
    const body = clientHelloBody();
    serverRejects(chRecord(body.subarray(0, 50)), 'ERR_TLS_DECODE_TRUNCATED', DECODE_ERROR);
  });

  it('cipher_suites length longer than the message', () => {
    const body = clientHelloBody();
    body[2 + 32 + 1 + 32] = 0x7f; // cipher_suites length high byte
    serverRejects(chRecord(body), 'ERR_TLS_DECODE_TRUNCATED', DECODE_ERROR);
  });

  it('extensions block longer than the message', () => {
    const body = clientHelloBody({ extensions: [chExt.versions()] });
    const at = body.length - chExt.versions().length - 2;
    body[at] = 0x01; // extensions length high byte
    serverRejects(chRecord(body), 'ERR_TLS_DECODE_TRUNCATED', DECODE_ERROR);
  });

  // The server also speaks TLS 1.2 (server/tls12.ts): a TLS 1.2 hello without
  // extended_master_secret is refused (RFC 7627), an older one gets protocol_version.
  it('no supported_versions, legacy_version TLS 1.2, no EMS: handshake_failure', () => {
    serverRejects(chRecord(clientHelloBody({ extensions: [chExt.sni(), chExt.groups(), chExt.keyShare(), chExt.sigalgs()] })), 'ERR_TLS_PEER_EMS_REQUIRED', HANDSHAKE_FAILURE);
  });

  it('no supported_versions, legacy_version TLS 1.1: protocol_version', () => {
    serverRejects(chRecord(clientHelloBody({ version: 0x0302, extensions: [chExt.sni(), chExt.groups(), chExt.keyShare(), chExt.sigalgs()] })), 'ERR_TLS_PEER_NO_COMMON_VERSION', PROTOCOL_VERSION);
  });

  it('supported_versions offering only TLS 1.2, no EMS: handshake_failure', () => {
    const v12 = ext(X.supportedVersions, vec8(u16s(0x0303)));
    serverRejects(chRecord(clientHelloBody({ extensions: [chExt.groups(), chExt.keyShare(), v12, chExt.sigalgs()] })), 'ERR_TLS_PEER_EMS_REQUIRED', HANDSHAKE_FAILURE);
  });

  it('supported_versions offering only TLS 1.1: protocol_version', () => {
    const v11 = ext(X.supportedVersions, vec8(u16s(0x0302)));
    serverRejects(chRecord(clientHelloBody({ extensions: [chExt.groups(), chExt.keyShare(), v11, chExt.sigalgs()] })), 'ERR_TLS_PEER_NO_COMMON_VERSION', PROTOCOL_VERSION);
  });

  it('compression methods other than [null]: illegal_parameter', () => {
    serverRejects(chRecord(clientHelloBody({ compression: [0, 1] })), 'ERR_TLS_PEER_ILLEGAL_PARAMETER', ILLEGAL_PARAMETER);
    serverRejects(chRecord(clientHelloBody({ compression: [1] })), 'ERR_TLS_PEER_ILLEGAL_PARAMETER', ILLEGAL_PARAMETER);
  });

  it('duplicate extension: illegal_parameter', () => {
    serverRejects(chRecord(clientHelloBody({ extensions: [chExt.groups(), chExt.keyShare(), chExt.versions(), chExt.sigalgs(), chExt.groups()] })), 'ERR_TLS_DECODE_DUPLICATE_EXTENSION', ILLEGAL_PARAMETER);
  });

  it('key_share for a group not in supported_groups: illegal_parameter', () => {
    serverRejects(chRecord(clientHelloBody({ extensions: [chExt.groups(0x1d), keyShareExt(ks(0x17, 65)), chExt.versions(), chExt.sigalgs()] })), 'ERR_TLS_PEER_ILLEGAL_PARAMETER', ILLEGAL_PARAMETER);
  });

  it('two key shares for one group: illegal_parameter', () => {
    serverRejects(chRecord(clientHelloBody({ extensions: [chExt.groups(0x1d), keyShareExt(ks(0x1d, 32), ks(0x1d, 32)), chExt.versions(), chExt.sigalgs()] })), 'ERR_TLS_PEER_ILLEGAL_PARAMETER', ILLEGAL_PARAMETER);
  });

  it('only unknown cipher suites: handshake_failure', () => {
    serverRejects(chRecord(clientHelloBody({ suites: [0x1399, 0xc02f] })), 'ERR_TLS_PEER_NO_COMMON_SUITE', HANDSHAKE_FAILURE);
  });

  it('no signature_algorithms: missing_extension', () => {
    serverRejects(chRecord(clientHelloBody({ extensions: [chExt.groups(), chExt.keyShare(), chExt.versions()] })), 'ERR_TLS_PEER_MISSING_EXTENSION', MISSING_EXTENSION);
  });

  it('no key_share: missing_extension', () => {
    serverRejects(chRecord(clientHelloBody({ extensions: [chExt.groups(), chExt.versions(), chExt.sigalgs()] })), 'ERR_TLS_PEER_MISSING_EXTENSION', MISSING_EXTENSION);
  });

  it('pre_shared_key not last: illegal_parameter', () => {
    serverRejects(chRecord(clientHelloBody({ extensions: [chExt.groups(), chExt.keyShare(), chExt.versions(), chExt.pskModes(), chExt.psk(), chExt.sigalgs()] })), 'ERR_TLS_DECODE_PSK_NOT_LAST', ILLEGAL_PARAMETER);
  });

  it('record longer than 2^14 + 256: record_overflow, decided from the header', () => {
    serverRejects(Uint8Array.of(22, 3, 1, 0x41, 0x01), 'ERR_TLS_RECORD_OVERFLOW', RECORD_OVERFLOW);
  });

  it('plaintext record longer than 2^14: record_overflow (RFC 8446 §5.1)', () => {
    serverRejects(record(22, zeros(0x4001)), 'ERR_TLS_RECORD_OVERFLOW', RECORD_OVERFLOW);
  });

  it('unknown record content type: unexpected_message', () => {
    serverRejects(record(24, Uint8Array.of(1, 0, 0)), 'ERR_TLS_RECORD_BAD_TYPE', UNEXPECTED_MESSAGE);
    serverRejects(Uint8Array.of(0), 'ERR_TLS_RECORD_BAD_TYPE', UNEXPECTED_MESSAGE);
  });

  it('record version major byte not 3: decode_error', () => {
    serverRejects(Uint8Array.of(22, 2, 0), 'ERR_TLS_RECORD_BAD_VERSION', DECODE_ERROR);
  });

  it('handshake message announcing more than the size limit: unexpected_message before the body', () => {
    serverRejects(record(22, Uint8Array.of(1, 0x01, 0x00, 0x01)), 'ERR_TLS_RECORD_HANDSHAKE_OVERFLOW', UNEXPECTED_MESSAGE);
  });

  it('application data before the handshake: unexpected_message', () => {
    serverRejects(record(23, Uint8Array.of(1, 2, 3)), 'ERR_TLS_RECORD_BAD_TYPE', UNEXPECTED_MESSAGE);
  });

  it('zero-length handshake record: unexpected_message', () => {
    serverRejects(record(22, new Uint8Array(0)), 'ERR_TLS_RECORD_EMPTY', UNEXPECTED_MESSAGE);
  });

  it('alert record of 3 bytes: decode_error', () => {
    serverRejects(record(21, Uint8Array.of(2, 40, 0)), 'ERR_TLS_DECODE_LENGTH', DECODE_ERROR);
  });

  it('a message of the wrong type first (ServerHello to a server): unexpected_message', () => {
    serverRejects(record(22, hs(2, serverHelloBody())), 'ERR_TLS_PEER_UNEXPECTED_MESSAGE', UNEXPECTED_MESSAGE);
  });

  it('alert interleaved inside a fragmented ClientHello: unexpected_message', () => {
    const m = hs(1, clientHelloBody());
    serverRejects(cat(record(22, m.subarray(0, 20)), record(21, Uint8Array.of(1, 0))), 'ERR_TLS_RECORD_HANDSHAKE_INTERLEAVED', UNEXPECTED_MESSAGE);
  });

  it('CCS before any ClientHello: unexpected_message', () => {
    serverRejects(record(20, Uint8Array.of(1)), 'ERR_TLS_RECORD_UNEXPECTED_CCS', UNEXPECTED_MESSAGE);
  });

  it('a CCS with a wrong byte after a real ClientHello: unexpected_message', () => {
    const c = client();
    const s = server();
    const out = expectFailure(s, cat(c.writeTls()!, record(20, Uint8Array.of(2))), 'ERR_TLS_RECORD_UNEXPECTED_CCS', UNEXPECTED_MESSAGE);
    // The server flight was queued before the bad CCS; the alert is the last record, protected.
    const last = parseRecords(out).at(-1)!;
    assert.equal(last.type, 23, 'the alert goes out under the handshake key');
  });

  it('too many CCS records: unexpected_message', () => {
    const c = client();
    const s = server();
    const ccs = record(20, Uint8Array.of(1));
    expectFailure(s, cat(c.writeTls()!, ccs, ccs, ccs), 'ERR_TLS_RECORD_UNEXPECTED_CCS', UNEXPECTED_MESSAGE);
  });

  it('garbage after a plaintext close_notify: unexpected_message', () => {
    serverRejects(cat(record(21, Uint8Array.of(1, 0)), record(22, hs(1, clientHelloBody()))), 'ERR_TLS_RECORD_DATA_AFTER_CLOSE', UNEXPECTED_MESSAGE);
  });

  it('garbage bytes after close_notify, at the record header: a typed error, not a hang', () => {
    serverRejects(cat(record(21, Uint8Array.of(1, 0)), Uint8Array.of(0xff, 0xff)), 'ERR_TLS_RECORD_BAD_TYPE', UNEXPECTED_MESSAGE);
  });
});

/** A client whose ClientHello is out, and what it sent. */
function clientWithHello(extra: ClientOptions = {}) {
  const c = client({ grease: false, ...extra });
  const ch = parseRecords(c.writeTls()!)[0]!.payload;
  // ClientHello: header 4, legacy_version 2, random 32, session id length 1, session id.
  const sessionId = ch.slice(4 + 2 + 32 + 1, 4 + 2 + 32 + 1 + ch[4 + 2 + 32]!);
  return { c, ch, sessionId };
}

const shVersions = ext(X.supportedVersions, u16(0x0304));
const shKeyShare = (group: number, len: number) => ext(X.keyShare, u16(group), vec16(zeros(len).fill(4)));

describe('engine bad input: client side, ServerHello and HelloRetryRequest', () => {
  it('ServerHello choosing a suite we did not offer: illegal_parameter', () => {
    const { c, sessionId } = clientWithHello();
    const out = expectFailure(c, record(22, hs(2, serverHelloBody({ sessionId, suite: 0x1302 }))), 'ERR_TLS_PEER_ILLEGAL_PARAMETER', ILLEGAL_PARAMETER);
    assert.deepEqual(out, plainAlert(ILLEGAL_PARAMETER), 'the plaintext alert record');
  });

  it('ServerHello key_share for a group we sent no share for: illegal_parameter', () => {
    const { c, sessionId } = clientWithHello({ groups: ['x25519', 'secp256r1'] });
    const out = expectFailure(c, record(22, hs(2, serverHelloBody({ sessionId, extensions: [shVersions, shKeyShare(0x17, 65)] }))), 'ERR_TLS_PEER_ILLEGAL_PARAMETER', ILLEGAL_PARAMETER);
    assert.deepEqual(out, plainAlert(ILLEGAL_PARAMETER), 'the plaintext alert record');
  });

  it('wrong legacy_session_id_echo: illegal_parameter', () => {
    const { c, sessionId } = clientWithHello();
    sessionId[0]! ^= 1;
    const out = expectFailure(c, record(22, hs(2, serverHelloBody({ sessionId }))), 'ERR_TLS_PEER_ILLEGAL_PARAMETER', ILLEGAL_PARAMETER);
    assert.deepEqual(out, plainAlert(ILLEGAL_PARAMETER), 'the plaintext alert record');
  });

  it('TLS 1.2 ServerHello with the downgrade sentinel: illegal_parameter', () => {
    const { c, sessionId } = clientWithHello();
    const random = cat(zeros(24).fill(7), '444f574e47524401');
    const out = expectFailure(c, record(22, hs(2, serverHelloBody({ sessionId, random, suite: 0xc02f, extensions: null }))), 'ERR_TLS_PEER_DOWNGRADE', ILLEGAL_PARAMETER);
    assert.deepEqual(out, plainAlert(ILLEGAL_PARAMETER), 'the plaintext alert record');
  });

  it('TLS 1.2 ServerHello without the sentinel: protocol_version', () => {
    const { c, sessionId } = clientWithHello();
    const out = expectFailure(c, record(22, hs(2, serverHelloBody({ sessionId, suite: 0xc02f, extensions: null }))), 'ERR_TLS_PEER_NO_COMMON_VERSION', PROTOCOL_VERSION);
    assert.deepEqual(out, plainAlert(PROTOCOL_VERSION), 'the plaintext alert record');
  });

  const hrr = (sessionId: Uint8Array, extensions: Uint8Array[]) => record(22, hs(2, serverHelloBody({ sessionId, random: HRR_RANDOM, extensions })));
  const selectGroup = (g: number) => ext(X.keyShare, u16(g));

  it('second HelloRetryRequest: unexpected_message', () => {
    const { c, sessionId } = clientWithHello({ groups: ['x25519', 'secp256r1'] });
    c.readTls(hrr(sessionId, [shVersions, selectGroup(0x17)]));
    c.processNewPackets();
    const second = parseRecords(c.writeTls()!);
    assert.deepEqual(second.map((r) => r.type), [20, 22], 'CCS then ClientHello2');
    const out = expectFailure(c, hrr(sessionId, [shVersions, ext(X.cookie, vec16('0102'))]), 'ERR_TLS_PEER_SECOND_HRR', UNEXPECTED_MESSAGE);
    assert.deepEqual(out, plainAlert(UNEXPECTED_MESSAGE), 'the plaintext alert record');
  });

  it('HelloRetryRequest that changes nothing: illegal_parameter', () => {
    const { c, sessionId } = clientWithHello();
    const out = expectFailure(c, hrr(sessionId, [shVersions]), 'ERR_TLS_PEER_HRR_NO_CHANGE', ILLEGAL_PARAMETER);
    assert.deepEqual(out, plainAlert(ILLEGAL_PARAMETER), 'the plaintext alert record');
  });

  it('HelloRetryRequest selecting the group we already sent a share for: illegal_parameter', () => {
    const { c, sessionId } = clientWithHello({ groups: ['x25519', 'secp256r1'] });
    const out = expectFailure(c, hrr(sessionId, [shVersions, selectGroup(0x1d)]), 'ERR_TLS_PEER_ILLEGAL_PARAMETER', ILLEGAL_PARAMETER);
    assert.deepEqual(out, plainAlert(ILLEGAL_PARAMETER), 'the plaintext alert record');
  });

  it('HelloRetryRequest selecting a group we do not support: illegal_parameter', () => {
    const { c, sessionId } = clientWithHello({ groups: ['x25519'] });
    expectFailure(c, hrr(sessionId, [shVersions, selectGroup(0x18)]), 'ERR_TLS_PEER_ILLEGAL_PARAMETER', ILLEGAL_PARAMETER);
  });

  it('ServerHello with an unsolicited extension: unsupported_extension', () => {
    const { c, sessionId } = clientWithHello();
    const out = expectFailure(c, record(22, hs(2, serverHelloBody({ sessionId, extensions: [shVersions, shKeyShare(0x1d, 32), ext(0x1234, '00')] }))), 'ERR_TLS_PEER_UNSOLICITED_EXTENSION', UNSUPPORTED_EXTENSION);
    assert.deepEqual(out, plainAlert(UNSUPPORTED_EXTENSION), 'the plaintext alert record');
  });

  it('ServerHello with a cookie (known, but only for HRR): illegal_parameter (RFC 8446 §4.2)', () => {
    const { c, sessionId } = clientWithHello();
    expectFailure(c, record(22, hs(2, serverHelloBody({ sessionId, extensions: [shVersions, shKeyShare(0x1d, 32), ext(X.cookie, vec16('01'))] }))), 'ERR_TLS_PEER_MISPLACED_EXTENSION', ILLEGAL_PARAMETER);
  });

  it('EncryptedExtensions in place of ServerHello: unexpected_message', () => {
    const { c } = clientWithHello();
    const out = expectFailure(c, record(22, hs(8, vec16())), 'ERR_TLS_PEER_UNEXPECTED_MESSAGE', UNEXPECTED_MESSAGE);
    assert.deepEqual(out, plainAlert(UNEXPECTED_MESSAGE), 'the plaintext alert record');
  });
});

/**
 * A real server's first flight to a real client, opened with the server's key-log secrets:
 * the plaintext records (ServerHello, CCS) and the handshake messages of the encrypted part.
 */
function realServerFlight() {
  const clientLog = new KeyLog(), serverLog = new KeyLog();
  // A plain Certificate (RFC 8879 compression is on by default; its bad input is covered in
  // test/unit/cert-compression.test.ts).
  const c = client({ keyLog: clientLog.sink, certificateCompression: 'none' });
  const s = server({ keyLog: serverLog.sink });
  transfer(c, s);
  const records = parseRecords(s.writeTls()!);
  const plain = records.filter((r) => r.type !== 23);
  const suite = suiteNamed('TLS_AES_128_GCM_SHA256');
  const opener = new RawProtection(suite, serverLog.get('SERVER_HANDSHAKE_TRAFFIC_SECRET'));
  let inner: Uint8Array = new Uint8Array(0);
  for (const r of records.filter((x) => x.type === 23)) inner = cat(inner, opener.open(r).content);
  const messages = parseHandshakeMessages(inner);
  assert.deepEqual(messages.map((m) => m[0]), [8, 11, 15, 20], 'EE, Certificate, CertificateVerify, Finished');
  const plainBytes = cat(...plain.map((r) => record(r.type, r.payload, r.version)));
  /** Fresh server-handshake-key protection, sequence 0. */
  const sealer = () => new RawProtection(suite, serverLog.get('SERVER_HANDSHAKE_TRAFFIC_SECRET'));
  /** Decrypts what the client queued after its CCS (its alert under the handshake key). */
  const clientAlert = (out: Uint8Array): Uint8Array => {
    const recs = parseRecords(out).filter((r) => r.type === 23);
    assert.ok(recs.length > 0, 'the client queued a protected record');
    const p = new RawProtection(suite, clientLog.get('CLIENT_HANDSHAKE_TRAFFIC_SECRET'));
    const opened = p.open(recs.at(-1)!);
    assert.equal(opened.type, 21, 'the protected record is an alert');
    return opened.content;
  };
  return { c, s, plainBytes, messages, sealer, clientAlert, clientLog, serverLog, suite };
}

describe('engine bad input: client side, protected records', () => {
  it('the untampered flight completes (the tools are sound)', () => {
    const f = realServerFlight();
    f.c.readTls(cat(f.plainBytes, f.sealer().seal(22, cat(...f.messages))));
    f.c.processNewPackets();
    assert.equal(f.c.isHandshaking(), false, 'client finished');
  });

  it('all-zero inner plaintext: unexpected_message', () => {
    const f = realServerFlight();
    const out = expectFailure(f.c, cat(f.plainBytes, f.sealer().sealInner(zeros(40))), 'ERR_TLS_RECORD_NO_CONTENT_TYPE', UNEXPECTED_MESSAGE);
    assert.deepEqual(f.clientAlert(out), Uint8Array.of(2, UNEXPECTED_MESSAGE), 'decrypted alert');
  });

  it('empty inner plaintext (a bare tag, too short to hold a content type): bad_record_mac', () => {
    const f = realServerFlight();
    expectFailure(f.c, cat(f.plainBytes, f.sealer().sealInner(new Uint8Array(0))), 'ERR_TLS_RECORD_BAD_MAC', BAD_RECORD_MAC);
  });

  it('heavily padded flight is accepted (padding is legal)', () => {
    const f = realServerFlight();
    f.c.readTls(cat(f.plainBytes, f.sealer().seal(22, cat(...f.messages), 1000)));
    f.c.processNewPackets();
    assert.equal(f.c.isHandshaking(), false, 'client finished');
  });

  it('inner plaintext over 2^14 + 1 bytes: record_overflow', () => {
    const f = realServerFlight();
    const out = expectFailure(f.c, cat(f.plainBytes, f.sealer().seal(22, cat(...f.messages), 0x4001)), 'ERR_TLS_RECORD_OVERFLOW', RECORD_OVERFLOW);
    assert.deepEqual(f.clientAlert(out), Uint8Array.of(2, RECORD_OVERFLOW), 'decrypted alert');
  });

  it('a flipped ciphertext bit: bad_record_mac', () => {
    const f = realServerFlight();
    const rec = f.sealer().seal(22, cat(...f.messages));
    rec[10]! ^= 0x80;
    const out = expectFailure(f.c, cat(f.plainBytes, rec), 'ERR_TLS_RECORD_BAD_MAC', BAD_RECORD_MAC);
    assert.deepEqual(f.clientAlert(out), Uint8Array.of(2, BAD_RECORD_MAC), 'decrypted alert');
  });

  it('a protected CCS (inner type 20): unexpected_message (RFC 8446 §5)', () => {
    const f = realServerFlight();
    expectFailure(f.c, cat(f.plainBytes, f.sealer().seal(20, Uint8Array.of(1))), 'ERR_TLS_RECORD_UNEXPECTED_CCS', UNEXPECTED_MESSAGE);
  });

  it('protected application data during the handshake: unexpected_message', () => {
    const f = realServerFlight();
    expectFailure(f.c, cat(f.plainBytes, f.sealer().seal(23, Uint8Array.of(1, 2))), 'ERR_TLS_PEER_UNEXPECTED_MESSAGE', UNEXPECTED_MESSAGE);
  });

  it('tampered Finished: decrypt_error', () => {
    const f = realServerFlight();
    const fin = f.messages[3]!.slice();
    fin[fin.length - 1]! ^= 1;
    const out = expectFailure(f.c, cat(f.plainBytes, f.sealer().seal(22, cat(f.messages[0]!, f.messages[1]!, f.messages[2]!, fin))), 'ERR_TLS_PEER_BAD_FINISHED', DECRYPT_ERROR);
    assert.deepEqual(f.clientAlert(out), Uint8Array.of(2, DECRYPT_ERROR), 'decrypted alert');
  });

  it('Finished of the wrong length: decode_error', () => {
    const f = realServerFlight();
    const fin = hs(20, zeros(31));
    expectFailure(f.c, cat(f.plainBytes, f.sealer().seal(22, cat(f.messages[0]!, f.messages[1]!, f.messages[2]!, fin))), 'ERR_TLS_DECODE_LENGTH', DECODE_ERROR);
  });

  it('tampered CertificateVerify signature: decrypt_error', () => {
    const f = realServerFlight();
    const cv = f.messages[2]!.slice();
    cv[cv.length - 5]! ^= 1;
    expectFailure(f.c, cat(f.plainBytes, f.sealer().seal(22, cat(f.messages[0]!, f.messages[1]!, cv, f.messages[3]!))), 'ERR_TLS_PEER_BAD_SIGNATURE', DECRYPT_ERROR);
  });

  it('a handshake message split across the key change (ServerHello record carries EE bytes): unexpected_message', () => {
    const f = realServerFlight();
    const recs = parseRecords(f.plainBytes);
    const sh = recs[0]!.payload;
    expectFailure(f.c, record(22, cat(sh, f.messages[0]!.subarray(0, 3))), 'ERR_TLS_RECORD_KEY_CHANGE_SPLIT', UNEXPECTED_MESSAGE);
  });

  // An unexpected message type in each client state (RFC 8446 §4: unexpected_message).
  const cases: [string, (m: Uint8Array[]) => Uint8Array[]][] = [
    ['ExpectEncryptedExtensions gets Certificate', (m) => [m[1]!]],
    ['ExpectCertificateOrCertificateRequest gets CertificateVerify', (m) => [m[0]!, m[2]!]],
    ['ExpectCertificateOrCertificateRequest gets Finished', (m) => [m[0]!, m[3]!]],
    ['ExpectCertificateVerify gets Finished', (m) => [m[0]!, m[1]!, m[3]!]],
    ['ExpectFinished gets a second CertificateVerify', (m) => [m[0]!, m[1]!, m[2]!, m[2]!]],
    ['ExpectEncryptedExtensions gets a ServerHello', () => [hs(2, serverHelloBody())]],
    ['ExpectEncryptedExtensions gets KeyUpdate', () => [hs(24, [0])]],
  ];
  for (const [name, pick] of cases) {
    it(`${name}: unexpected_message`, () => {
      const f = realServerFlight();
      const out = expectFailure(f.c, cat(f.plainBytes, f.sealer().seal(22, cat(...pick(f.messages)))), 'ERR_TLS_PEER_UNEXPECTED_MESSAGE', UNEXPECTED_MESSAGE);
      assert.deepEqual(f.clientAlert(out), Uint8Array.of(2, UNEXPECTED_MESSAGE), 'decrypted alert');
    });
  }
});

/** A completed handshake with both sides' key logs. */
function established() {
  const clientLog = new KeyLog(), serverLog = new KeyLog();
  const c = client({ keyLog: clientLog.sink });
  const s = server({ keyLog: serverLog.sink });
  handshake(c, s);
  return { c, s, clientLog, serverLog, suite: suiteNamed('TLS_AES_128_GCM_SHA256') };
}

describe('engine bad input: after the handshake and the server\'s later states', () => {
  it('server ExpectClientFinished gets a Certificate: unexpected_message', () => {
    const clientLog = new KeyLog(), serverLog = new KeyLog();
    const c = client({ keyLog: clientLog.sink });
    const s = server({ keyLog: serverLog.sink });
    transfer(c, s);
    transfer(s, c);
    c.writeTls(); // the client's real final flight is dropped
    const suite = suiteNamed('TLS_AES_128_GCM_SHA256');
    const p = new RawProtection(suite, clientLog.get('CLIENT_HANDSHAKE_TRAFFIC_SECRET'));
    const out = expectFailure(s, p.seal(22, hs(11, [0], vec16().subarray(0, 0), [0, 0, 0])), 'ERR_TLS_PEER_UNEXPECTED_MESSAGE', UNEXPECTED_MESSAGE);
    const alert = new RawProtection(suite, serverLog.get('SERVER_TRAFFIC_SECRET_0')).open(parseRecords(out).at(-1)!);
    assert.deepEqual([alert.type, ...alert.content], [21, 2, UNEXPECTED_MESSAGE], 'decrypted alert (sent under the server application key)');
  });

  it('server Tls13Traffic gets a NewSessionTicket: unexpected_message', () => {
    const e = established();
    const p = new RawProtection(e.suite, e.clientLog.get('CLIENT_TRAFFIC_SECRET_0'));
    const nst = hs(4, [0, 0, 0, 1], [0, 0, 0, 2], vec8(), vec16('aa'), vec16());
    const out = expectFailure(e.s, p.seal(22, nst), 'ERR_TLS_PEER_UNEXPECTED_MESSAGE', UNEXPECTED_MESSAGE);
    const alert = new RawProtection(e.suite, e.serverLog.get('SERVER_TRAFFIC_SECRET_0')).open(parseRecords(out).at(-1)!);
    assert.deepEqual([alert.type, ...alert.content], [21, 2, UNEXPECTED_MESSAGE], 'decrypted alert');
  });

  it('client Tls13Traffic gets a ClientHello: unexpected_message', () => {
    const e = established();
    const p = new RawProtection(e.suite, e.serverLog.get('SERVER_TRAFFIC_SECRET_0'));
    const out = expectFailure(e.c, p.seal(22, hs(1, clientHelloBody())), 'ERR_TLS_PEER_UNEXPECTED_MESSAGE', UNEXPECTED_MESSAGE);
    const alert = new RawProtection(e.suite, e.clientLog.get('CLIENT_TRAFFIC_SECRET_0')).open(parseRecords(out).at(-1)!);
    assert.deepEqual([alert.type, ...alert.content], [21, 2, UNEXPECTED_MESSAGE], 'decrypted alert');
  });

  it('client gets a NewSessionTicket with a lifetime over 7 days: illegal_parameter', () => {
    const e = established();
    const p = new RawProtection(e.suite, e.serverLog.get('SERVER_TRAFFIC_SECRET_0'));
    const nst = hs(4, [0, 0x09, 0x3a, 0x81], [0, 0, 0, 2], vec8(), vec16('aa'), vec16());
    expectFailure(e.c, p.seal(22, nst), 'ERR_TLS_PEER_ILLEGAL_PARAMETER', ILLEGAL_PARAMETER);
  });

  it('KeyUpdate with a bad request value: illegal_parameter', () => {
    const e = established();
    const p = new RawProtection(e.suite, e.clientLog.get('CLIENT_TRAFFIC_SECRET_0'));
    const thrown = expectFailure(e.s, p.seal(22, hs(24, [2])), 'ERR_TLS_DECODE_ILLEGAL_VALUE', ILLEGAL_PARAMETER);
    assert.ok(thrown.length > 0, 'alert queued');
  });

  it('KeyUpdate followed by more handshake bytes in the same record: unexpected_message', () => {
    const e = established();
    const p = new RawProtection(e.suite, e.clientLog.get('CLIENT_TRAFFIC_SECRET_0'));
    expectFailure(e.s, p.seal(22, cat(hs(24, [0]), [24, 0])), 'ERR_TLS_RECORD_KEY_CHANGE_SPLIT', UNEXPECTED_MESSAGE);
  });

  it('data after close_notify: unexpected_message', () => {
    const e = established();
    const p = new RawProtection(e.suite, e.clientLog.get('CLIENT_TRAFFIC_SECRET_0'));
    const out = expectFailure(e.s, cat(p.seal(21, Uint8Array.of(1, 0)), p.seal(23, Uint8Array.of(1, 2, 3))), 'ERR_TLS_RECORD_DATA_AFTER_CLOSE', UNEXPECTED_MESSAGE);
    const alert = new RawProtection(e.suite, e.serverLog.get('SERVER_TRAFFIC_SECRET_0')).open(parseRecords(out).at(-1)!);
    assert.deepEqual([alert.type, ...alert.content], [21, 2, UNEXPECTED_MESSAGE], 'decrypted alert');
  });

  it('a CCS after the handshake: unexpected_message', () => {
    const e = established();
    expectFailure(e.s, record(20, Uint8Array.of(1)), 'ERR_TLS_RECORD_UNEXPECTED_CCS', UNEXPECTED_MESSAGE);
  });

  it('a protected alert of 3 bytes: decode_error', () => {
    const e = established();
    const p = new RawProtection(e.suite, e.clientLog.get('CLIENT_TRAFFIC_SECRET_0'));
    expectFailure(e.s, p.seal(21, Uint8Array.of(2, 40, 0)), 'ERR_TLS_DECODE_LENGTH', DECODE_ERROR);
  });

  it('a fatal alert from the peer: ERR_TLS_ALERT_RECEIVED, nothing sent back', () => {
    const e = established();
    const p = new RawProtection(e.suite, e.clientLog.get('CLIENT_TRAFFIC_SECRET_0'));
    const out = expectFailure(e.s, p.seal(21, Uint8Array.of(2, HANDSHAKE_FAILURE)), 'ERR_TLS_ALERT_RECEIVED', null);
    assert.equal(out.length, 0, 'no alert answers an alert');
  });
});

// Inputs saved by test/fuzz/engine-fuzz.test.ts (TYPETLS_SAVE_ENGINE_CORPUS=1) that reached deep
// states. Each must end with the same error again, under replay()'s invariants (TlsError only,
// no internal_error, no stall, bounded buffers, sticky error).
describe('engine bad input: saved fuzz corpus', () => {
  const files = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.hex')).sort();
  it('the corpus is there', () => {
    assert.ok(files.length >= 10, `corpus has ${files.length} entries`);
  });
  for (const f of files) {
    it(f, () => {
      const e = parseCorpusEntry(f, readFileSync(join(CORPUS_DIR, f), 'utf8'));
      const o = replay(e.side, scenarioById(e.scenario), [e.input]);
      assert.equal(o.code, e.expect, 'error code');
      assert.equal(o.state, e.state, 'state at the failure');
    });
  }
});
