// Module shape (mutable default export, late binding, frozen rootCertificates) and bad input:
// options of the wrong type give the same error codes as node:tls.
import assert from 'node:assert/strict';
import * as nodeTls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import compat, { connect as namedConnect } from '../../src/node-compat/index.ts';
import { assertSameThrowCode, close, codeOf, impls, listen, makePki, outcome, type Pki } from './harness.ts';

let p: Pki;
before(() => { p = makePki(); });
after(() => p.pki.cleanup());

describe('module shape', () => {
  test('default export is a mutable object with node:tls members', () => {
    for (const k of ['connect', 'createServer', 'Server', 'TLSSocket', 'createSecureContext', 'SecureContext', 'checkServerIdentity', 'getCiphers', 'rootCertificates', 'DEFAULT_MIN_VERSION', 'DEFAULT_MAX_VERSION', 'DEFAULT_CIPHERS', 'DEFAULT_ECDH_CURVE']) {
      assert.ok(k in compat, `missing ${k}`);
    }
    assert.equal(Object.isFrozen(compat), false);
    assert.equal(compat.DEFAULT_MIN_VERSION, nodeTls.DEFAULT_MIN_VERSION);
    assert.equal(compat.DEFAULT_MAX_VERSION, nodeTls.DEFAULT_MAX_VERSION);
    assert.equal(compat.DEFAULT_ECDH_CURVE, nodeTls.DEFAULT_ECDH_CURVE);
    assert.ok(compat.getCiphers().includes('tls_aes_128_gcm_sha256'), 'getCiphers lists TLS 1.3 suites');
    assert.ok(compat.getCiphers().every((c) => nodeTls.getCiphers().includes(c)), 'every name is one node:tls knows');
  });

  test('rootCertificates is frozen and not assignable, as node:tls', () => {
    assert.equal(Object.isFrozen(compat.rootCertificates), true);
    assert.deepEqual(compat.rootCertificates, nodeTls.rootCertificates);
    assert.throws(() => { (compat as { rootCertificates: unknown }).rootCertificates = []; }, TypeError);
    assert.throws(() => { (nodeTls as { rootCertificates: unknown }).rootCertificates = []; }, TypeError);
  });

  test('late binding: patched checkServerIdentity and createSecureContext are obeyed; connect works without this', async () => {
    const server = nodeTls.createServer({ key: p.good.keyPem, cert: p.good.certPem }, (s) => s.end());
    const port = await listen(server);
    const saved = { csi: compat.checkServerIdentity, csc: compat.createSecureContext };
    try {
      const calls: string[] = [];
      compat.checkServerIdentity = (host, cert) => {
        calls.push(host);
        return saved.csi(host, cert);
      };
      compat.createSecureContext = (o) => {
        calls.push('createSecureContext');
        return saved.csc(o);
      };
      const o = await outcome({ ...compat, connect: namedConnect } as never, { host: '127.0.0.1', port, ca: p.root.certPem, servername: 'localhost' });
      assert.equal(o.authorized, true);
      assert.deepEqual(calls, ['createSecureContext', 'localhost']);
      compat.checkServerIdentity = () => new Error('pinned elsewhere');
      const refused = await outcome(compat as never, { host: '127.0.0.1', port, ca: p.root.certPem, servername: 'localhost' });
      assert.equal(refused.ok, false);
    } finally {
      compat.checkServerIdentity = saved.csi;
      compat.createSecureContext = saved.csc;
      await close(server);
    }
  });
});

const badConnect: ReadonlyArray<[string, Record<string, unknown>]> = [
  ['ca', { ca: 1 }], ['cert', { cert: 1 }], ['key', { key: 1 }], ['ciphers', { ciphers: 1 }], ['ecdhCurve', { ecdhCurve: 1 }],
  ['sigalgs', { sigalgs: 1 }], ['minVersion', { minVersion: 1 }], ['maxVersion', { maxVersion: 'TLSv9' }],
  ['session', { session: 1 }], ['timeout', { timeout: 'x' }], ['highWaterMark', { highWaterMark: 'x' }], ['secureContext', { secureContext: 1 }],
  ['host', { host: 1 }], ['signal', { signal: 1 }], ['ciphers (none match)', { ciphers: 'NOPE' }], ['ecdhCurve (unknown)', { ecdhCurve: 'foo' }],
];
const badServer: ReadonlyArray<[string, Record<string, unknown>]> = [
  ['ca', { ca: 1 }], ['key', { key: 1 }], ['cert', { cert: 1 }], ['ciphers', { ciphers: 1 }], ['SNICallback', { SNICallback: 1 }],
  ['handshakeTimeout', { handshakeTimeout: 'x' }], ['sessionTimeout', { sessionTimeout: 'x' }], ['ticketKeys', { ticketKeys: 1 }],
];


describe('bad input: same codes as node:tls', () => {
  for (const [name, opts] of badConnect) {
    test(`connect ${name}`, () => {
      assertSameThrowCode((tls) => tls.connect({ host: '127.0.0.1', port: 1, ...opts }));
    });
  }
  for (const [name, opts] of badServer) {
    test(`createServer ${name}`, () => {
      assertSameThrowCode((tls) => tls.createServer(opts));
    });
  }
  test('createSecureContext(1)', () => {
    const [node, ours] = impls.map((i) => codeOf(() => i.tls.createSecureContext(1 as never)));
    assert.equal(ours, node);
  });
  test('unsupported options are refused with a clear error, never ignored', () => {
    assert.throws(() => compat.createSecureContext({ dhparam: 'x' }), (e: Error & { code?: string }) => e.code === 'ERR_TYPETLS_UNSUPPORTED_OPTION' && /finite-field/.test(e.message));
    assert.throws(() => compat.createServer({ key: p.good.keyPem, cert: p.good.certPem, ALPNCallback: 'h2' as never }), (e: Error & { code?: string }) => e.code === 'ERR_INVALID_ARG_TYPE' && /ALPNCallback/.test(e.message));
    assert.throws(() => compat.createSecureContext({ ciphers: 'AES128-SHA:DHE-RSA-AES128-GCM-SHA256' }), (e: Error & { code?: string }) => e.code === 'ERR_SSL_NO_CIPHER_MATCH' && /ECDHE-ECDSA-AES128-GCM-SHA256/.test(e.message));
    assert.throws(() => compat.createSecureContext({ maxVersion: 'TLSv1.1' }), /TLSv1\.2 and TLSv1\.3 only/);
  });
});
