/**
 * The engine in memory with the noble provider on one or both sides: TLS 1.3 for every suite
 * and group, every certificate key type, mixed node/noble pairs, HelloRetryRequest, client
 * certificates, a tampered record, TLS 1.2, and a large transfer. Certificates come from
 * OpenSSL (`pki-openssl.ts`); the noble side loads them with its own PEM/DER code.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import type { CryptoProvider } from '../../src/core/crypto/provider.ts';
import { createNodeProvider, nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { nobleCryptoProvider } from '../../src/providers/noble/index.ts';
import { createClientVerifier, createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority, type IssuedCertificate, type KeyType } from '../helpers/pki-openssl.ts';
import { handshake, readAll, transfer } from '../helpers/memory-pair.ts';
import { isTlsError } from '../../src/core/errors.ts';
import { SignatureScheme as S } from '../../src/core/codec/codepoints.ts';

const KEY_TYPES = ['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa2048'] as const;
const EXPECTED_SCHEME: Record<KeyType, number> = {
  'ecdsa-p256': S.EcdsaSecp256r1Sha256,
  'ecdsa-p384': S.EcdsaSecp384r1Sha384,
  ed25519: S.Ed25519,
  rsa2048: S.RsaPssRsaeSha512,
};

let pki: OpenSslPki;
let root: CertificateAuthority;
let rsaRoot: CertificateAuthority;
const leaves = new Map<KeyType, IssuedCertificate>();
let clientLeaf: IssuedCertificate;

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'Noble Root', keyType: 'ecdsa-p384' });
  // An RSA root, so path building exercises BigInt RSA certificate signatures too.
  rsaRoot = pki.makeCa({ name: 'Noble RSA Root', keyType: 'rsa2048' });
  for (const kt of KEY_TYPES) leaves.set(kt, pki.makeCertificate({ issuer: kt === 'rsa2048' ? rsaRoot : root, keyType: kt, sans: ['DNS:server.test'] }));
  clientLeaf = pki.makeCertificate({ issuer: root, keyType: 'ed25519', sans: ['DNS:client.test'], eku: ['clientAuth'] });
});
after(() => pki.cleanup());

function certified(p: CryptoProvider, leaf: IssuedCertificate): CertifiedKey {
  return { chain: [leaf.certDer], key: p.loadSigningKey(leaf.keyPem) };
}
function clientConfig(p: CryptoProvider, extra: Partial<Parameters<typeof createClientConfig>[0]> = {}) {
  return createClientConfig({ provider: p, verifier: createServerVerifier({ roots: [root.certDer, rsaRoot.certDer], signatures: p.signatures }), ...extra });
}
function serverConfig(p: CryptoProvider, kt: KeyType = 'ecdsa-p256', extra: Partial<Parameters<typeof createServerConfig>[0]> = {}) {
  return createServerConfig({ provider: p, certificates: [certified(p, leaves.get(kt)!)], ...extra });
}
function pingPong(c: ClientConnection, s: ServerConnection): void {
  c.writePlaintext(new TextEncoder().encode('ping'));
  transfer(c, s);
  assert.equal(new TextDecoder().decode(readAll(s)), 'ping');
  s.writePlaintext(new TextEncoder().encode('pong'));
  transfer(s, c);
  assert.equal(new TextDecoder().decode(readAll(c)), 'pong');
}

const SIDES: readonly [string, CryptoProvider, CryptoProvider][] = [
  ['noble client, noble server', nobleCryptoProvider, nobleCryptoProvider],
  ['noble client, node server', nobleCryptoProvider, nodeCryptoProvider],
  ['node client, noble server', nodeCryptoProvider, nobleCryptoProvider],
];

describe('TLS 1.3 with the noble provider, in memory', () => {
  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
    for (const group of ['x25519', 'secp256r1', 'secp384r1']) {
      for (const [sides, cp, sp] of SIDES) {
        it(`${suite} ${group}: ${sides}`, () => {
          const c = new ClientConnection(clientConfig(cp, { cipherSuites: [suite], groups: [group] }), 'server.test');
          const s = new ServerConnection(serverConfig(sp));
          handshake(c, s);
          for (const n of [c.negotiated, s.negotiated]) {
            assert.equal(n?.protocolVersion, 'TLSv1.3');
            assert.equal(n?.cipherSuite, suite);
            assert.equal(n?.group, group);
          }
          pingPong(c, s);
        });
      }
    }
  }

  for (const kt of KEY_TYPES) {
    for (const [sides, cp, sp] of SIDES) {
      it(`${kt} server certificate: ${sides}`, () => {
        const c = new ClientConnection(clientConfig(cp), 'server.test');
        const s = new ServerConnection(serverConfig(sp, kt));
        handshake(c, s);
        assert.equal(c.negotiated?.peerSignatureScheme, EXPECTED_SCHEME[kt]);
        assert.equal(c.negotiated?.group, 'x25519', 'x25519 first by default on both providers');
        pingPong(c, s);
      });
    }
  }

  it('HelloRetryRequest: noble client, noble server preferring secp384r1', () => {
    const c = new ClientConnection(clientConfig(nobleCryptoProvider, { groups: ['x25519', 'secp384r1'] }), 'server.test');
    const s = new ServerConnection(serverConfig(nobleCryptoProvider, 'ecdsa-p256', { groups: ['secp384r1'] }));
    handshake(c, s);
    assert.equal(c.negotiated?.helloRetried, true);
    assert.equal(c.negotiated?.group, 'secp384r1');
    pingPong(c, s);
  });

  it('client certificate (Ed25519) signed and verified by noble', () => {
    const c = new ClientConnection(clientConfig(nobleCryptoProvider, { clientCertificate: certified(nobleCryptoProvider, clientLeaf) }), 'server.test');
    const s = new ServerConnection(serverConfig(nobleCryptoProvider, 'ecdsa-p256', {
      clientVerifier: createClientVerifier({ roots: [root.certDer], signatures: nobleCryptoProvider.signatures }),
    }));
    handshake(c, s);
    assert.equal(s.negotiated?.peerCertificates.length, 1);
    assert.equal(s.negotiated?.peerSignatureScheme, S.Ed25519);
    pingPong(c, s);
  });

  it('an untrusted server certificate fails with a certificate error on the noble client', () => {
    const other = pki.makeCa({ name: 'Elsewhere', keyType: 'ecdsa-p256' });
    const leaf = pki.makeCertificate({ issuer: other, keyType: 'ecdsa-p256', sans: ['DNS:server.test'] });
    const c = new ClientConnection(clientConfig(nobleCryptoProvider), 'server.test');
    const s = new ServerConnection(createServerConfig({ provider: nobleCryptoProvider, certificates: [certified(nobleCryptoProvider, leaf)] }));
    assert.throws(() => handshake(c, s), (e: unknown) => isTlsError(e) && e.code.startsWith('ERR_TLS_CERT') && e.alert !== null);
  });

  it('a record altered in flight is bad_record_mac (AEAD open returns -1 on the noble side)', () => {
    const c = new ClientConnection(clientConfig(nobleCryptoProvider), 'server.test');
    const s = new ServerConnection(serverConfig(nobleCryptoProvider));
    handshake(c, s);
    c.writePlaintext(new TextEncoder().encode('secret'));
    assert.throws(
      () => transfer(c, s, (b) => {
        const x = b.slice();
        x[x.length - 1]! ^= 1;
        return x;
      }),
      (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_RECORD_BAD_MAC' && e.alert === 20,
    );
  });

  it('256 KiB each way, noble on both sides', () => {
    const c = new ClientConnection(clientConfig(nobleCryptoProvider, { cipherSuites: ['TLS_CHACHA20_POLY1305_SHA256'] }), 'server.test');
    const s = new ServerConnection(serverConfig(nobleCryptoProvider));
    handshake(c, s);
    const data = new Uint8Array(256 * 1024);
    nobleCryptoProvider.fillRandom(data);
    c.writePlaintext(data);
    transfer(c, s);
    const got = readAll(s);
    assert.equal(got.length, data.length);
    assert.deepEqual(got, data);
    s.writePlaintext(got);
    transfer(s, c);
    assert.deepEqual(readAll(c), data);
  });
});

describe('TLS 1.2 with the noble provider, in memory', () => {
  const cases: [string, KeyType, string][] = [
    ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ecdsa-p256', 'secp256r1'],
    ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ed25519', 'x25519'],
    ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'rsa2048', 'x25519'],
  ];
  for (const [suite, kt, group] of cases) {
    for (const [sides, cp, sp] of SIDES) {
      it(`${suite} ${kt}: ${sides}`, () => {
        const c = new ClientConnection(clientConfig(cp, { cipherSuites: [suite], groups: [group], maxVersion: 'TLSv1.2' }), 'server.test');
        const s = new ServerConnection(serverConfig(sp, kt));
        handshake(c, s);
        assert.equal(c.negotiated?.protocolVersion, 'TLSv1.2');
        assert.equal(s.negotiated?.cipherSuite, suite);
        pingPong(c, s);
      });
    }
  }

  it('rsa_pkcs1_sha256 ServerKeyExchange when the client offers no PSS (tls12Schemes)', () => {
    // The client offers what its provider verifies: PKCS#1 v1.5 with SHA-256 only.
    const pkcs1Only = createNodeProvider({ signatureSchemes: [S.RsaPkcs1Sha256] });
    const c = new ClientConnection(clientConfig(pkcs1Only, { cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'], maxVersion: 'TLSv1.2' }), 'server.test');
    const s = new ServerConnection(serverConfig(nobleCryptoProvider, 'rsa2048'));
    handshake(c, s);
    assert.equal(c.negotiated?.peerSignatureScheme, S.RsaPkcs1Sha256);
    pingPong(c, s);
  });
});
