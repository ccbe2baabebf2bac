/**
 * The TLS 1.3 engine against itself, in memory: every suite x group x certificate key type,
 * HelloRetryRequest, ALPN, SNI, KeyUpdate, async callbacks, large transfers, failures.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority, type KeyType } from '../helpers/pki-openssl.ts';
import { handshake, handshakeAsync, readAll, transfer } from '../helpers/memory-pair.ts';
import { isTlsError } from '../../src/core/errors.ts';

const provider = nodeCryptoProvider;
let pki: OpenSslPki;
let root: CertificateAuthority;
const keys = new Map<KeyType, CertifiedKey>();

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'Engine Root', keyType: 'ecdsa-p256' });
  for (const kt of ['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa2048'] as const) {
    const leaf = pki.makeCertificate({ issuer: root, keyType: kt, sans: ['DNS:server.test', 'IP:127.0.0.1'] });
    keys.set(kt, { chain: [leaf.certDer], key: provider.loadSigningKey(leaf.keyPem) });
  }
});
after(() => pki.cleanup());

function clientConfig(extra: Partial<Parameters<typeof createClientConfig>[0]> = {}) {
  return createClientConfig({ provider, verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }), ...extra });
}
function serverConfig(kt: KeyType = 'ecdsa-p256', extra: Partial<Parameters<typeof createServerConfig>[0]> = {}) {
  return createServerConfig({ provider, certificates: [keys.get(kt)!], ...extra });
}

describe('TLS 1.3 engine, in memory', () => {
  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
    for (const group of ['x25519', 'secp256r1', 'secp384r1']) {
      for (const kt of ['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa2048'] as const) {
        it(`${suite} ${group} ${kt}`, () => {
          const c = new ClientConnection(clientConfig({ cipherSuites: [suite], groups: [group] }), 'server.test');
          const s = new ServerConnection(serverConfig(kt));
          handshake(c, s);
          assert.equal(c.negotiated?.cipherSuite, suite);
          assert.equal(s.negotiated?.cipherSuite, suite);
          assert.equal(c.negotiated?.group, group);
          assert.equal(s.negotiated?.group, group);
          assert.equal(c.negotiated?.helloRetried, false);
          c.writePlaintext(new TextEncoder().encode('ping'));
          transfer(c, s);
          assert.equal(new TextDecoder().decode(readAll(s)), 'ping');
          s.writePlaintext(new TextEncoder().encode('pong'));
          transfer(s, c);
          assert.equal(new TextDecoder().decode(readAll(c)), 'pong');
        });
      }
    }
  }

  it('HelloRetryRequest when the server prefers a group the client sent no share for', () => {
    const c = new ClientConnection(clientConfig({ groups: ['x25519', 'secp384r1'] }), 'server.test');
    const s = new ServerConnection(serverConfig('ecdsa-p256', { groups: ['secp384r1'] }));
    handshake(c, s);
    assert.equal(c.negotiated?.helloRetried, true);
    assert.equal(s.negotiated?.helloRetried, true);
    assert.equal(c.negotiated?.group, 'secp384r1');
  });

  it('ALPN: the server picks its preference among the client offer', () => {
    const c = new ClientConnection(clientConfig({ alpnProtocols: ['http/1.1', 'h2'] }), 'server.test');
    const s = new ServerConnection(serverConfig('ecdsa-p256', { alpnProtocols: ['h2', 'http/1.1'] }));
    handshake(c, s);
    assert.equal(c.negotiated?.alpn, 'h2');
    assert.equal(s.negotiated?.alpn, 'h2');
  });

  it('ALPN mismatch ends in no_application_protocol on both sides', () => {
    const c = new ClientConnection(clientConfig({ alpnProtocols: ['spdy/1'] }), 'server.test');
    const s = new ServerConnection(serverConfig('ecdsa-p256', { alpnProtocols: ['h2'] }));
    assert.throws(() => transfer(c, s), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_PEER_NO_APPLICATION_PROTOCOL' && e.alert === 120);
    assert.throws(() => transfer(s, c), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_ALERT_RECEIVED');
  });

  it('IP literal: no SNI, certificate checked against iPAddress SANs', () => {
    const c = new ClientConnection(clientConfig(), '127.0.0.1');
    const s = new ServerConnection(serverConfig());
    handshake(c, s);
    assert.equal(s.serverName, null);
    assert.equal(c.negotiated?.serverName, null);
  });

  it('wrong name fails with a certificate error and bad_certificate reaches the server', () => {
    const c = new ClientConnection(clientConfig(), 'other.test');
    const s = new ServerConnection(serverConfig());
    transfer(c, s);
    assert.throws(() => transfer(s, c), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CERT_NOT_VALID_FOR_NAME' && /server\.test/.test(e.message));
    assert.throws(() => transfer(c, s), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_ALERT_RECEIVED');
  });

  it('server flights larger than the join buffer and than one record (a leaf with 900 SANs)', () => {
    // flushHandshake joins a flight's messages in an 8 KiB module buffer; larger flights take
    // their own, and more than 2^14 bytes spans records (RFC 8446 §5.1). Two connections in a
    // row check that the shared buffer carries nothing over.
    const sans = Array.from({ length: 900 }, (_, i) => `DNS:host-${i}.server.test`).concat(['DNS:server.test']);
    const leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans });
    assert.ok(leaf.certDer.length > 16384, `leaf of ${leaf.certDer.length} bytes`);
    const big: CertifiedKey = { chain: [leaf.certDer], key: provider.loadSigningKey(leaf.keyPem) };
    for (const certificates of [[big], [keys.get('ecdsa-p256')!], [big]]) {
      const c = new ClientConnection(clientConfig({ certificateCompression: [] }), 'server.test');
      const s = new ServerConnection(createServerConfig({ provider, certificates, certificateCompression: [] }));
      transfer(c, s);
      let flight = 0;
      let records = 0;
      for (let out = s.writeTls(); out !== null; out = s.writeTls()) {
        flight += out.length;
        for (let o = 0; o < out.length; o += 5 + ((out[o + 3]! << 8) | out[o + 4]!)) records++;
        c.readTls(out);
        c.processNewPackets();
      }
      handshake(c, s);
      assert.equal(c.isHandshaking() || s.isHandshaking(), false, 'handshake complete');
      assert.equal(c.negotiated?.peerCertificates[0]?.length, certificates[0]!.chain[0]!.length, 'the client got the whole leaf');
      if (certificates[0] === big) assert.ok(flight > 16384 && records >= 3, `flight of ${flight} bytes in ${records} records`);
    }
  });

  it('KeyUpdate both ways, with update_requested answered', () => {
    const c = new ClientConnection(clientConfig(), 'server.test');
    const s = new ServerConnection(serverConfig());
    handshake(c, s);
    c.updateKeys(true);
    c.writePlaintext(Uint8Array.of(1, 2, 3));
    transfer(c, s);
    assert.deepEqual(readAll(s), Uint8Array.of(1, 2, 3));
    s.writePlaintext(Uint8Array.of(4));
    transfer(s, c); // carries the server's KeyUpdate reply
    assert.deepEqual(readAll(c), Uint8Array.of(4));
    s.updateKeys(false);
    s.writePlaintext(Uint8Array.of(5));
    transfer(s, c);
    assert.deepEqual(readAll(c), Uint8Array.of(5));
  });

  it('1 MiB each way', () => {
    const c = new ClientConnection(clientConfig(), 'server.test');
    const s = new ServerConnection(serverConfig());
    handshake(c, s);
    const big = new Uint8Array(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = i * 7;
    c.writePlaintext(big);
    transfer(c, s);
    assert.deepEqual(readAll(s), big);
    s.writePlaintext(big);
    transfer(s, c);
    assert.deepEqual(readAll(c), big);
  });

  it('async certificate resolver, signing and verification', async () => {
    const ck = keys.get('ecdsa-p256')!;
    const asyncKey = { ...ck.key, keyType: ck.key.keyType, schemes: ck.key.schemes, chooseScheme: (o: readonly number[]) => ck.key.chooseScheme(o), publicKeySpki: () => ck.key.publicKeySpki(), sign: async (scheme: number, msg: Uint8Array) => ck.key.sign(scheme, msg) };
    const s = new ServerConnection(createServerConfig({ provider, resolveCertificate: async () => ({ chain: ck.chain, key: asyncKey }) }));
    const base = createServerVerifier({ roots: [root.certDer], signatures: provider.signatures });
    const verifier = { ...base, verifyServerCertificate: async (i: Parameters<typeof base.verifyServerCertificate>[0]) => base.verifyServerCertificate(i) };
    const c = new ClientConnection(createClientConfig({ provider, verifier }), 'server.test');
    await handshakeAsync(c, s);
    assert.equal(c.negotiated?.protocolVersion, 'TLSv1.3');
  });

  it('a tampered handshake record fails with bad_record_mac', () => {
    const c = new ClientConnection(clientConfig(), 'server.test');
    const s = new ServerConnection(serverConfig());
    transfer(c, s);
    const flight = s.writeTls()!;
    flight[flight.length - 3]! ^= 1; // inside the last encrypted record
    c.readTls(flight);
    assert.throws(() => c.processNewPackets(), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_RECORD_BAD_MAC' && e.alert === 20);
    // The alert goes out under the client's handshake key: the server decrypts it.
    const alert = c.writeTls();
    assert.notEqual(alert, null, 'the client queued its alert');
    s.readTls(alert!);
    assert.throws(() => s.processNewPackets(), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_ALERT_RECEIVED' && /bad_record_mac|BadRecordMac/i.test(e.message));
  });

  it('a client that rejects the ServerHello alerts in plaintext, and the server reads it', () => {
    const c = new ClientConnection(clientConfig(), 'server.test');
    const s = new ServerConnection(serverConfig());
    transfer(c, s);
    const flight = s.writeTls()!;
    // record header 5 + handshake header 4 + legacy_version 2 + random 32 + id length 1
    flight[44]! ^= 0xff; // legacy_session_id_echo no longer matches
    c.readTls(flight);
    assert.throws(() => c.processNewPackets(), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_PEER_ILLEGAL_PARAMETER');
    const alert = c.writeTls()!;
    assert.deepEqual(Array.from(alert), [21, 3, 3, 0, 2, 2, 47], 'a plaintext fatal illegal_parameter alert');
    s.readTls(alert);
    assert.throws(() => s.processNewPackets(), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_ALERT_RECEIVED' && (e as { received?: number }).received === 47);
  });

  it('key log lines in NSS format', () => {
    const lines: string[] = [];
    const c = new ClientConnection(clientConfig({ keyLog: (l) => lines.push(l) }), 'server.test');
    const s = new ServerConnection(serverConfig());
    handshake(c, s);
    const labels = lines.map((l) => l.split(' ')[0]);
    assert.deepEqual(labels, ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET']);
    for (const l of lines) assert.match(l, /^[A-Z_0-9]+ [0-9a-f]{64} ([0-9a-f]{64}|[0-9a-f]{96})$/);
  });

  it('close_notify is seen by the peer', () => {
    const c = new ClientConnection(clientConfig(), 'server.test');
    const s = new ServerConnection(serverConfig());
    handshake(c, s);
    c.sendCloseNotify();
    const out = c.writeTls()!;
    s.readTls(out);
    assert.equal(s.processNewPackets().peerHasClosed, true);
    assert.throws(() => c.writePlaintext(Uint8Array.of(1)), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_USAGE_CLOSED');
  });
});
