/**
 * TLS 1.3 client authentication in memory (typetls against itself): the client certificate
 * resolver (sync, async, null), optional and mandatory authentication, the chain on the
 * server's `negotiated`, `describeCertificate`, and bad input refused with a typed error and
 * the right alert on both ends (wrong EKU, CertificateVerify over the wrong transcript, a
 * signature scheme the server did not offer, a post-handshake CertificateRequest).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import type { ClientCertificateRequest, ClientConfigOptions } from '../../src/core/client/config.ts';
import type { ServerConfigOptions } from '../../src/core/server/config.ts';
import type { SigningKey } from '../../src/core/crypto/provider.ts';
import { AlertDescription, SignatureScheme } from '../../src/core/codec/codepoints.ts';
import { isTlsError, type TlsError } from '../../src/core/errors.ts';
import type { ClientCertVerifier } from '../../src/core/verify.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createClientVerifier, createServerVerifier, describeCertificate, parseCertificate } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority, type IssuedCertificate, type KeyType } from '../helpers/pki-openssl.ts';
import { handshake, handshakeAsync, transfer } from '../helpers/memory-pair.ts';

const provider = nodeCryptoProvider;
let pki: OpenSslPki;
let root: CertificateAuthority;
let serverKey: CertifiedKey;
const clients = new Map<KeyType, IssuedCertificate>();
let serverAuthOnly: IssuedCertificate;
let described: IssuedCertificate;

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'mTLS Engine Root', keyType: 'ecdsa-p256' });
  const s = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:server.test'], eku: ['serverAuth'] });
  serverKey = { chain: [s.certDer], key: provider.loadSigningKey(s.keyPem) };
  for (const kt of ['ecdsa-p256', 'ed25519', 'rsa2048'] as const) {
    clients.set(kt, pki.makeCertificate({ issuer: root, keyType: kt, name: `client-${kt}`, sans: [`DNS:${kt}.client.test`], eku: ['clientAuth'] }));
  }
  serverAuthOnly = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', name: 'server-only', sans: ['DNS:server-only.test'], eku: ['serverAuth'] });
  described = pki.makeCertificate({
    issuer: root, keyType: 'ecdsa-p256', name: 'Described Client',
    sans: ['DNS:a.client.test', 'DNS:b.client.test', 'IP:10.1.2.3', 'IP:2001:db8::1', 'URI:spiffe://example.org/ns/a', 'email:alice@example.org'],
    eku: ['clientAuth'],
  });
});
after(() => pki.cleanup());

function certified(c: IssuedCertificate): CertifiedKey {
  return { chain: [c.certDer], key: provider.loadSigningKey(c.keyPem) };
}

function clientConfig(extra: Partial<ClientConfigOptions> = {}) {
  return createClientConfig({ provider, verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }), ...extra });
}

function serverConfig(verifier: ClientCertVerifier, extra: Partial<ServerConfigOptions> = {}) {
  return createServerConfig({ provider, certificates: [serverKey], clientVerifier: verifier, ...extra });
}

function verifier(o: { mandatory?: boolean; sendRootHints?: boolean } = {}): ClientCertVerifier {
  return createClientVerifier({ roots: [root.certDer], signatures: provider.signatures, ...o });
}

/** A verifier offering only `schemes` in its CertificateRequest. */
function restricted(inner: ClientCertVerifier, schemes: readonly number[]): ClientCertVerifier {
  return {
    offerClientAuth: () => inner.offerClientAuth(),
    clientAuthMandatory: () => inner.clientAuthMandatory(),
    rootHintSubjects: () => inner.rootHintSubjects(),
    verifyClientCertificate: (i) => inner.verifyClientCertificate(i),
    verifyTls13Signature: (m, ee, sc, sig) => inner.verifyTls13Signature(m, ee, sc, sig),
    verifyTls12Signature: (m, ee, sc, sig) => inner.verifyTls12Signature(m, ee, sc, sig),
    supportedSchemes: () => schemes,
  };
}

/** Moves bytes both ways until both sides failed (or nothing moves); returns both errors. */
function runToFailure(c: ClientConnection, s: ServerConnection): { client: TlsError | null; server: TlsError | null } {
  for (let i = 0; i < 12 && (c.error === null || s.error === null); i++) {
    let moved = 0;
    for (const [from, to] of [[c, s], [s, c]] as const) {
      try {
        moved += transfer(from, to);
      } catch (e) {
        assert.equal(isTlsError(e), true, `non-TlsError thrown: ${String(e)}`);
        moved++;
      }
    }
    if (moved === 0) break;
  }
  return { client: c.error, server: s.error };
}

function assertRefused(r: { client: TlsError | null; server: TlsError | null }, serverCode: string, alert: number): void {
  assert.equal(r.server?.code, serverCode, `server error: ${r.server?.message ?? 'none'}`);
  assert.equal(r.server?.alert, alert, `server alert for ${serverCode}`);
  assert.equal(r.client?.code, 'ERR_TLS_ALERT_RECEIVED', `client error: ${r.client?.message ?? 'none'}`);
  assert.equal((r.client as TlsError & { received?: number }).received, alert, 'the alert the client received');
}

describe('mTLS engine: certificate selection', () => {
  for (const kt of ['ecdsa-p256', 'ed25519', 'rsa2048'] as const) {
    it(`fixed clientCertificate (${kt}) is verified and reported on the server`, () => {
      const leaf = clients.get(kt)!;
      const c = new ClientConnection(clientConfig({ clientCertificate: certified(leaf) }), 'server.test');
      const s = new ServerConnection(serverConfig(verifier()));
      handshake(c, s);
      assert.equal(s.negotiated?.peerCertificates.length, 1);
      assert.deepEqual(s.negotiated?.peerCertificates[0], leaf.certDer);
      assert.notEqual(s.negotiated?.peerSignatureScheme, null, 'server records the client signature scheme');
      assert.equal(describeCertificate(s.negotiated!.peerCertificates[0]!, provider.hashes.sha256).subject, `CN=client-${kt}`);
    });
  }

  it('resolver gets the root hints and the TLS 1.3 schemes offered', () => {
    const seen: ClientCertificateRequest[] = [];
    const leaf = clients.get('ecdsa-p256')!;
    const c = new ClientConnection(clientConfig({
      resolveClientCertificate: (req) => {
        seen.push(req);
        return certified(leaf);
      },
    }), 'server.test');
    const s = new ServerConnection(serverConfig(verifier()));
    handshake(c, s);
    assert.equal(seen.length, 1);
    const req = seen[0]!;
    assert.deepEqual(req.acceptableIssuers, [parseCertificate(root.certDer).subject]);
    assert.ok(req.signatureSchemes.includes(SignatureScheme.EcdsaSecp256r1Sha256), 'ecdsa_secp256r1_sha256 offered');
    assert.equal(req.signatureSchemes.includes(SignatureScheme.RsaPkcs1Sha256), false, 'rsa_pkcs1 is not a TLS 1.3 handshake scheme');
    assert.deepEqual(s.negotiated?.peerCertificates[0], leaf.certDer);
  });

  it('resolver sees no issuers when the server sends no root hints', () => {
    let issuers: readonly Uint8Array[] | null = null;
    const c = new ClientConnection(clientConfig({ resolveClientCertificate: (req) => { issuers = req.acceptableIssuers; return certified(clients.get('ed25519')!); } }), 'server.test');
    const s = new ServerConnection(serverConfig(verifier({ sendRootHints: false })));
    handshake(c, s);
    assert.deepEqual(issuers, []);
    assert.equal(s.negotiated?.peerCertificates.length, 1);
  });

  it('resolver takes precedence over clientCertificate', () => {
    const c = new ClientConnection(clientConfig({ clientCertificate: certified(clients.get('rsa2048')!), resolveClientCertificate: () => certified(clients.get('ed25519')!) }), 'server.test');
    const s = new ServerConnection(serverConfig(verifier()));
    handshake(c, s);
    assert.deepEqual(s.negotiated?.peerCertificates[0], clients.get('ed25519')!.certDer);
  });

  it('async resolver parks the client and resumes', async () => {
    let calls = 0;
    const c = new ClientConnection(clientConfig({
      resolveClientCertificate: async () => {
        calls++;
        await new Promise((r) => setImmediate(r));
        return certified(clients.get('rsa2048')!);
      },
    }), 'server.test');
    const s = new ServerConnection(serverConfig(verifier()));
    await handshakeAsync(c, s);
    assert.equal(calls, 1);
    assert.deepEqual(s.negotiated?.peerCertificates[0], clients.get('rsa2048')!.certDer);
  });

  it('resolver returning null with optional auth: anonymous client, peerCertificates empty', () => {
    const c = new ClientConnection(clientConfig({ resolveClientCertificate: () => null }), 'server.test');
    const s = new ServerConnection(serverConfig(verifier({ mandatory: false })));
    handshake(c, s);
    assert.deepEqual(s.negotiated?.peerCertificates, []);
    assert.equal(s.negotiated?.peerSignatureScheme, null);
  });

  it('no certificate with mandatory auth: certificate_required', () => {
    const c = new ClientConnection(clientConfig(), 'server.test');
    const s = new ServerConnection(serverConfig(verifier()));
    assertRefused(runToFailure(c, s), 'ERR_TLS_PEER_CERTIFICATE_REQUIRED', AlertDescription.CertificateRequired);
  });

  it('a key with none of the offered schemes sends an empty Certificate (anonymous when optional)', () => {
    const c = new ClientConnection(clientConfig({ clientCertificate: certified(clients.get('ed25519')!) }), 'server.test');
    const s = new ServerConnection(serverConfig(restricted(verifier({ mandatory: false }), [SignatureScheme.EcdsaSecp256r1Sha256])));
    handshake(c, s);
    assert.deepEqual(s.negotiated?.peerCertificates, []);
  });

  it('rejects a non-function resolver at config time', () => {
    assert.throws(() => clientConfig({ resolveClientCertificate: 'nope' as never }), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG');
  });
});

describe('mTLS engine: bad client input', () => {
  it('client certificate with serverAuth EKU only: unsupported_certificate', () => {
    const c = new ClientConnection(clientConfig({ clientCertificate: certified(serverAuthOnly) }), 'server.test');
    const s = new ServerConnection(serverConfig(verifier()));
    assertRefused(runToFailure(c, s), 'ERR_TLS_CERT_REQUIRED_EKU_NOT_FOUND', AlertDescription.UnsupportedCertificate);
  });

  it('client certificate from an unknown CA: unknown_ca', () => {
    const other = OpenSslPki.create();
    try {
      const otherRoot = other.makeCa({ name: 'Other Root', keyType: 'ecdsa-p256' });
      const leaf = other.makeCertificate({ issuer: otherRoot, keyType: 'ecdsa-p256', name: 'stranger', eku: ['clientAuth'] });
      const c = new ClientConnection(clientConfig({ clientCertificate: certified(leaf) }), 'server.test');
      const s = new ServerConnection(serverConfig(verifier()));
      assertRefused(runToFailure(c, s), 'ERR_TLS_CERT_UNKNOWN_ISSUER', AlertDescription.UnknownCa);
    } finally {
      other.cleanup();
    }
  });

  it('CertificateVerify over the wrong transcript: decrypt_error', () => {
    const real = provider.loadSigningKey(clients.get('ecdsa-p256')!.keyPem);
    // Holds the key, but signs garbage instead of the RFC 8446 §4.4.3 content.
    const liar: SigningKey = {
      keyType: real.keyType,
      schemes: real.schemes,
      chooseScheme: (o) => real.chooseScheme(o),
      sign: (scheme, message) => real.sign(scheme, message.map((b) => b ^ 0x5a)),
      publicKeySpki: () => real.publicKeySpki(),
    };
    const c = new ClientConnection(clientConfig({ clientCertificate: { chain: [clients.get('ecdsa-p256')!.certDer], key: liar } }), 'server.test');
    const s = new ServerConnection(serverConfig(verifier()));
    assertRefused(runToFailure(c, s), 'ERR_TLS_PEER_BAD_SIGNATURE', AlertDescription.DecryptError);
  });

  it('CertificateVerify with a scheme the CertificateRequest did not offer: illegal_parameter', () => {
    const real = provider.loadSigningKey(clients.get('ecdsa-p256')!.keyPem);
    // The server offers only ecdsa_secp384r1_sha384; the client signs with secp256r1_sha256 anyway.
    const rogue: SigningKey = {
      keyType: real.keyType,
      schemes: real.schemes,
      chooseScheme: () => SignatureScheme.EcdsaSecp256r1Sha256,
      sign: (scheme, message) => real.sign(scheme, message),
      publicKeySpki: () => real.publicKeySpki(),
    };
    const c = new ClientConnection(clientConfig({ clientCertificate: { chain: [clients.get('ecdsa-p256')!.certDer], key: rogue } }), 'server.test');
    const s = new ServerConnection(serverConfig(restricted(verifier(), [SignatureScheme.EcdsaSecp384r1Sha384])));
    assertRefused(runToFailure(c, s), 'ERR_TLS_PEER_ILLEGAL_PARAMETER', AlertDescription.IllegalParameter);
  });

  it('post-handshake CertificateRequest is refused with unexpected_message (no post_handshake_auth offered)', () => {
    const c = new ClientConnection(clientConfig(), 'server.test');
    const s = new ServerConnection(serverConfig(verifier({ mandatory: false })));
    handshake(c, s);
    // RFC 8446 §4.3.2 CertificateRequest, written by hand: context "\x01", extensions with
    // signature_algorithms = [ecdsa_secp256r1_sha256].
    const body = Uint8Array.of(1, 0x01, 0, 8, 0, 13, 0, 4, 0, 2, 0x04, 0x03);
    const message = Uint8Array.of(13, 0, 0, body.length, ...body);
    // The server connection is its own HandshakeContext: queue the message, then let
    // processNewPackets() flush it under the server's application keys.
    (s as unknown as { sendHandshake(m: Uint8Array): void }).sendHandshake(message);
    s.processNewPackets();
    assert.throws(() => transfer(s, c), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_PEER_UNEXPECTED_MESSAGE' && e.alert === AlertDescription.UnexpectedMessage);
    assert.match(c.error?.message ?? '', /CertificateRequest/);
    assert.throws(() => transfer(c, s), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_ALERT_RECEIVED');
  });
});

describe('describeCertificate', () => {
  it('subject, issuer, SANs by kind, serial, validity and the SPKI pin match openssl and node:crypto', () => {
    const d = describeCertificate(described.certDer, provider.hashes.sha256);
    const x = new X509Certificate(described.certDer);
    assert.equal(d.subject, 'CN=Described Client');
    assert.equal(d.issuer, 'CN=mTLS Engine Root');
    assert.deepEqual(d.sans, {
      dns: ['a.client.test', 'b.client.test'],
      ip: ['10.1.2.3', '2001:db8::1'],
      uri: ['spiffe://example.org/ns/a'],
      email: ['alice@example.org'],
    });
    assert.equal(d.serial, described.serial.toLowerCase().replace(/^(00)+(?=..)/, ''));
    assert.equal(d.serial, x.serialNumber.toLowerCase().replace(/^(00)+(?=..)/, ''));
    assert.equal(d.notBefore, Date.parse(x.validFrom));
    assert.equal(d.notAfter, Date.parse(x.validTo));
    const spki = x.publicKey.export({ type: 'spki', format: 'der' });
    assert.equal(d.spkiSha256, createHash('sha256').update(spki).digest('hex'));
  });

  it('a certificate without SANs has empty lists', () => {
    const d = describeCertificate(root.certDer, provider.hashes.sha256);
    assert.deepEqual(d.sans, { dns: [], ip: [], uri: [], email: [] });
    assert.equal(d.subject, d.issuer);
  });

  it('malformed DER is a TlsError', () => {
    assert.throws(() => describeCertificate(Uint8Array.of(0x30, 0x03, 0x02, 0x01), provider.hashes.sha256), (e: unknown) => isTlsError(e) && e.code.startsWith('ERR_TLS_CERT_'));
  });
});
