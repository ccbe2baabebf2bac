/**
 * OCSP stapling in TLS 1.3 (RFC 8446 §4.4.2.1), typetls against itself in memory: the server
 * staples `CertifiedKey.ocspResponse` in the end-entity's CertificateEntry only when the
 * ClientHello had status_request; the client hands it to the verifier and to `negotiated`;
 * a staple the client did not ask for is unsupported_extension; stapling and compression
 * share the server's certificate cache correctly.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import type { ClientConfigOptions } from '../../src/core/client/config.ts';
import { AlertDescription, CertificateCompressionAlgorithm } from '../../src/core/codec/codepoints.ts';
import type { ServerCertificateInput, ServerCertVerifier } from '../../src/core/verify.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority, type IssuedCertificate } from '../helpers/pki-openssl.ts';
import { handshake, transfer } from '../helpers/memory-pair.ts';

const provider = nodeCryptoProvider;
// Opaque to TLS: the engine never parses the OCSPResponse (the verifier may).
const fakeResponse = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
let pki: OpenSslPki;
let root: CertificateAuthority;
let leaf: IssuedCertificate;

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'OCSP Root', keyType: 'ecdsa-p256' });
  leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:server.test'], eku: ['serverAuth'] });
});
after(() => pki.cleanup());

function stapledKey(response: Uint8Array | null = fakeResponse): CertifiedKey {
  return { chain: [leaf.certDer], key: provider.loadSigningKey(leaf.keyPem), ocspResponse: response };
}

/** The standard verifier, recording what it was given. */
function recordingVerifier(seen: ServerCertificateInput[]): ServerCertVerifier {
  const inner = createServerVerifier({ roots: [root.certDer], signatures: provider.signatures });
  return {
    verifyServerCertificate: (input) => { seen.push(input); return inner.verifyServerCertificate(input); },
    verifyTls13Signature: (...a) => inner.verifyTls13Signature(...a),
    verifyTls12Signature: (...a) => inner.verifyTls12Signature(...a),
    supportedSchemes: () => inner.supportedSchemes(),
  };
}

function client(seen: ServerCertificateInput[], extra: Partial<ClientConfigOptions> = {}): ClientConnection {
  return new ClientConnection(createClientConfig({ provider, verifier: recordingVerifier(seen), ...extra }), 'server.test');
}

function hex(b: Uint8Array | null | undefined): string | null {
  return b === null || b === undefined ? null : Buffer.from(b).toString('hex');
}

describe('OCSP stapling (TLS 1.3)', () => {
  for (const compression of ['none', [CertificateCompressionAlgorithm.Brotli]] as const) {
    const label = compression === 'none' ? 'uncompressed' : 'compressed';
    it(`a client that asks gets the response, and so does its verifier (${label})`, () => {
      const seen: ServerCertificateInput[] = [];
      const c = client(seen, { requestOcsp: true, certificateCompression: compression });
      const s = new ServerConnection(createServerConfig({ provider, certificates: [stapledKey()] }));
      handshake(c, s);
      assert.equal(seen.length, 1);
      assert.equal(hex(seen[0]!.ocspResponse), hex(fakeResponse));
      assert.equal(hex(c.negotiated!.ocspResponse), hex(fakeResponse));
      assert.equal(hex(s.negotiated!.ocspResponse), hex(fakeResponse));
      assert.equal(c.negotiated!.certificateCompression?.algorithm ?? null, compression === 'none' ? null : CertificateCompressionAlgorithm.Brotli);
    });
  }

  it('a client that does not ask (the default) gets no staple', () => {
    const seen: ServerCertificateInput[] = [];
    const c = client(seen);
    const s = new ServerConnection(createServerConfig({ provider, certificates: [stapledKey()] }));
    handshake(c, s);
    assert.equal(seen[0]!.ocspResponse, null);
    assert.equal(c.negotiated!.ocspResponse, null);
    assert.equal(s.negotiated!.ocspResponse, null);
  });

  it('a server without a response staples nothing, and the client is fine with that', () => {
    const seen: ServerCertificateInput[] = [];
    const c = client(seen, { requestOcsp: true });
    const s = new ServerConnection(createServerConfig({ provider, certificates: [stapledKey(null)] }));
    handshake(c, s);
    assert.equal(c.negotiated!.ocspResponse, null);
  });

  it('the compressed-certificate cache keeps stapled and unstapled messages apart', () => {
    const ck = stapledKey();
    const config = createServerConfig({ provider, certificates: [ck] });
    for (const ask of [true, false, true, false]) {
      const c = client([], { requestOcsp: ask });
      const s = new ServerConnection(config);
      handshake(c, s);
      assert.equal(hex(c.negotiated!.ocspResponse), ask ? hex(fakeResponse) : null);
      assert.equal(c.negotiated!.certificateCompression?.algorithm, CertificateCompressionAlgorithm.Brotli);
    }
  });

  it('a staple we did not ask for: unsupported_extension', () => {
    // Our server never does this: the ClientHello asks, then the test withdraws the request in
    // the client's config (the state reads it when the Certificate arrives).
    const c = client([], { requestOcsp: true });
    const s = new ServerConnection(createServerConfig({ provider, certificates: [stapledKey()] }));
    transfer(c, s);
    (c as unknown as { config: { requestOcsp: boolean } }).config.requestOcsp = false;
    try {
      transfer(s, c);
    } catch {
      // expected: the client fails
    }
    assert.equal(c.error?.code, 'ERR_TLS_PEER_UNSOLICITED_EXTENSION');
    assert.equal(c.error?.alert, AlertDescription.UnsupportedExtension);
    assert.match(c.error?.message ?? '', /status_request/);
  });

  it('the ClientHello carries status_request (ocsp) only when asked', () => {
    const withOcsp = client([], { requestOcsp: true, grease: false }).writeTls()!;
    const without = client([], { grease: false }).writeTls()!;
    const ext = Buffer.from('0005000501' + '0000' + '0000', 'hex');
    assert.equal(Buffer.from(withOcsp).includes(ext), true, 'status_request(ocsp) in the ClientHello');
    assert.equal(Buffer.from(without).includes(ext), false, 'no status_request by default');
  });
});
