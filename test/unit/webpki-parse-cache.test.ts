/**
 * The verifiers' certificate parse cache (src/webpki/parse-cache.ts): a repeat chain is parsed
 * once; hits need byte-identical input; entries are the cache's own copies; failures are not
 * cached; bounded.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CertificateParseCache } from '../../src/webpki/parse-cache.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { isTlsError } from '../../src/core/errors.ts';
import { OpenSslPki, type CertificateAuthority } from '../helpers/pki-openssl.ts';

let pki: OpenSslPki;
let root: CertificateAuthority;
let inter: CertificateAuthority;
let leaves: Uint8Array[];

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'Parse Cache Root', keyType: 'ecdsa-p256' });
  inter = pki.makeCa({ name: 'Parse Cache Intermediate', keyType: 'ecdsa-p256', issuer: root });
  leaves = [1, 2, 3].map((i) => pki.makeCertificate({ issuer: inter, keyType: 'ecdsa-p256', name: `leaf${i}`, sans: ['DNS:server.test'], eku: ['serverAuth'] }).certDer);
});
after(() => pki.cleanup());

test('parse cache: byte-identical input gives the cached certificate, held as a copy', () => {
  const cache = new CertificateParseCache();
  const input = leaves[0]!.slice();
  const a = cache.parse(input);
  assert.notEqual(a.der, input, 'the cache keeps its own copy');
  input.fill(0); // the caller reuses its buffer
  const b = cache.parse(leaves[0]!.slice());
  assert.equal(b, a);
  assert.deepEqual(b.der, leaves[0]);
  assert.notEqual(cache.parse(leaves[1]!), a);
});

test('parse cache: a different certificate with the same tail and length is not a hit', () => {
  const cache = new CertificateParseCache();
  const a = cache.parse(leaves[0]!);
  // Flip one byte inside the TBS: same length and tail, so the same map key, other bytes.
  const altered = leaves[0]!.slice();
  altered[20] = altered[20]! ^ 1;
  let b: unknown;
  try {
    b = cache.parse(altered);
  } catch (e) {
    b = e;
  }
  assert.notEqual(b, a);
});

test('parse cache: failures are not cached, and bounded (least recently used dropped)', () => {
  const cache = new CertificateParseCache(2);
  const bad = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00);
  for (let i = 0; i < 2; i++) {
    assert.throws(() => cache.parse(bad), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CERT_BAD_ENCODING');
  }
  const a = cache.parse(leaves[0]!);
  cache.parse(leaves[1]!);
  assert.equal(cache.parse(leaves[0]!), a); // refreshes leaf 0
  cache.parse(leaves[2]!); // evicts leaf 1
  assert.equal(cache.parse(leaves[0]!), a);
  const b1 = cache.parse(leaves[1]!);
  assert.equal(cache.parse(leaves[1]!), b1);
});

test('server verifier: repeat chains verify from the cache; a bad chain still fails every time', () => {
  const v = createServerVerifier({ roots: [root.certDer], signatures: nodeCryptoProvider.signatures });
  const input = { endEntity: leaves[0]!, intermediates: [inter.certDer], serverName: { kind: 'dns' as const, name: 'server.test' }, ocspResponse: null, now: Date.now() };
  for (let i = 0; i < 3; i++) {
    const r = v.verifyServerCertificate({ ...input, endEntity: leaves[0]!.slice(), intermediates: [inter.certDer.slice()] });
    assert.ok(!(r instanceof Promise));
    assert.deepEqual(r.path[0], leaves[0]);
  }
  for (let i = 0; i < 2; i++) {
    assert.throws(() => v.verifyServerCertificate({ ...input, serverName: { kind: 'dns', name: 'other.test' } }), (e: unknown) => isTlsError(e) && e.code.startsWith('ERR_TLS_CERT_'));
    // Without the intermediate: unknown issuer, even though the intermediate is cached.
    assert.throws(() => v.verifyServerCertificate({ ...input, intermediates: [] }), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CERT_UNKNOWN_ISSUER');
  }
  // An unparsable intermediate next to the good one does not break the path.
  const r = v.verifyServerCertificate({ ...input, intermediates: [Uint8Array.of(1, 2, 3), inter.certDer] });
  assert.ok(!(r instanceof Promise));
  // The path handed out is a copy: changing it does not touch the cache.
  r.path[0]!.fill(0);
  const again = v.verifyServerCertificate(input);
  assert.ok(!(again instanceof Promise));
  assert.deepEqual(again.path[0], leaves[0]);
});
