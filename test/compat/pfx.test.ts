// Differential: `pfx` (PKCS#12) + `passphrase` in createSecureContext / createServer / connect,
// node:tls vs typetls/node-compat with identical assertions: a server and a client certificate
// from a pfx, the array form, the CA certificates of a pfx being trusted (Node adds them to the
// context's store), and the errors for a wrong passphrase, wrong types and a pfx without key.
// `openssl pkcs12 -legacy` files (RC2-40) are where the two differ: Node 20's OpenSSL 3 has no
// RC2 in its default provider; typetls reads them.
import assert from 'node:assert/strict';
import * as nodeTls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { close, impls, listen, makePki, type AnySocket, type Pki, type TlsModule } from './harness.ts';
import type { IssuedCertificate } from '../helpers/pki-openssl.ts';

let p: Pki;
let serverPfx: Buffer; // underInt + int, passphrase 'server-pw'
let clientPfx: Buffer; // client + root, passphrase 'client-pw'
let legacyPfx: Buffer; // good, -legacy, passphrase 'legacy-pw'
let noKeyPfx: Buffer;

function exportPfx(leaf: IssuedCertificate, pass: string, args: readonly string[], extra: readonly IssuedCertificate[] = []): Buffer {
  const out = join(p.pki.dir, `compat-${Math.random().toString(36).slice(2)}.p12`);
  const certfile = extra.length > 0 ? ['-certfile', p.pki.writeFile(`compat-chain-${Math.random().toString(36).slice(2)}.pem`, extra.map((c) => c.certPem).join(''))] : [];
  p.pki.openssl(['pkcs12', '-export', '-in', leaf.certPath, '-inkey', leaf.keyPath, ...certfile, '-out', out, '-passout', `pass:${pass}`, ...args]);
  return readFileSync(out);
}

before(() => {
  p = makePki();
  serverPfx = exportPfx(p.underInt, 'server-pw', [], [p.int]);
  clientPfx = exportPfx(p.client, 'client-pw', [], [p.root]);
  legacyPfx = exportPfx(p.good, 'legacy-pw', ['-legacy']);
  const out = join(p.pki.dir, 'nokey.p12');
  p.pki.openssl(['pkcs12', '-export', '-nokeys', '-in', p.good.certPath, '-out', out, '-passout', 'pass:x']);
  noKeyPfx = readFileSync(out);
});
after(() => p.pki.cleanup());

/** Connects a node:tls client to `server` and returns what it saw. */
async function nodeClientSees(server: nodeTls.Server, extra: Record<string, unknown> = {}): Promise<{ authorized: boolean; peer: string; chainLength: number }> {
  const port = await listen(server);
  try {
    return await new Promise((resolve, reject) => {
      const s = nodeTls.connect({ host: '127.0.0.1', port, ca: p.root.certPem, servername: 'localhost', ...extra }, () => {
        let chainLength = 0;
        for (let c = s.getPeerCertificate(true); c !== undefined && chainLength < 5; c = c.issuerCertificate) {
          chainLength++;
          if (c.issuerCertificate === c) break;
        }
        resolve({ authorized: s.authorized, peer: s.getPeerCertificate().fingerprint256, chainLength });
        s.destroy();
      });
      s.on('error', reject);
    });
  } finally {
    await close(server);
  }
}

function fingerprint(der: Uint8Array): string {
  return new X509Certificate(der).fingerprint256;
}

function thrown(f: () => unknown): Error & { code?: string } {
  try {
    f();
  } catch (e) {
    return e as Error & { code?: string };
  }
  assert.fail('expected an exception');
}

for (const impl of impls) {
  const tls: TlsModule = impl.tls;
  describe(`pfx: ${impl.name}`, () => {
    test('server from pfx + passphrase serves its leaf and intermediate', async () => {
      const server = tls.createServer({ pfx: serverPfx, passphrase: 'server-pw' }, (s: AnySocket) => s.end()) as unknown as nodeTls.Server;
      const seen = await nodeClientSees(server);
      assert.equal(seen.authorized, true);
      assert.equal(seen.peer, fingerprint(p.underInt.certDer));
    });

    test('array form: [{ buf, passphrase }] and [{ buf }] with options.passphrase', async () => {
      for (const options of [{ pfx: [{ buf: serverPfx, passphrase: 'server-pw' }] }, { pfx: [{ buf: serverPfx }], passphrase: 'server-pw' }, { pfx: [serverPfx], passphrase: 'server-pw' }]) {
        const server = tls.createServer(options, (s: AnySocket) => s.end()) as unknown as nodeTls.Server;
        const seen = await nodeClientSees(server);
        assert.equal(seen.authorized, true);
        assert.equal(seen.peer, fingerprint(p.underInt.certDer));
      }
    });

    test('client certificate from pfx', async () => {
      const server = nodeTls.createServer({ cert: p.good.certPem, key: p.good.keyPem, ca: p.root.certPem, requestCert: true, rejectUnauthorized: true });
      const peer = new Promise<{ authorized: boolean; cn: unknown }>((resolve) => server.on('secureConnection', (s) => {
        resolve({ authorized: s.authorized, cn: s.getPeerCertificate().subject.CN });
        s.end();
      }));
      const port = await listen(server);
      try {
        const s = tls.connect({ host: '127.0.0.1', port, ca: p.root.certPem, servername: 'localhost', pfx: clientPfx, passphrase: 'client-pw' });
        s.on('error', () => {});
        assert.deepEqual(await peer, { authorized: true, cn: 'client' });
        s.destroy();
      } finally {
        await close(server);
      }
    });

    test('the CA certificates of a pfx are trusted (no "ca" given)', async () => {
      const server = nodeTls.createServer({ cert: p.good.certPem, key: p.good.keyPem }, (s) => s.end());
      const port = await listen(server);
      try {
        const authorized = await new Promise<boolean>((resolve, reject) => {
          const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', pfx: clientPfx, passphrase: 'client-pw' }, () => {
            resolve(s.authorized);
            s.destroy();
          });
          s.on('error', reject);
        });
        assert.equal(authorized, true);
      } finally {
        await close(server);
      }
    });

    test('wrong or missing passphrase: "mac verify failure"', () => {
      for (const options of [{ pfx: serverPfx, passphrase: 'nope' }, { pfx: serverPfx }, { pfx: [{ buf: serverPfx, passphrase: 'nope' }] }]) {
        const e = thrown(() => tls.createSecureContext(options));
        assert.match(e.message, /^mac verify failure/);
        assert.throws(() => tls.createServer(options), /^Error: mac verify failure|mac verify failure/);
      }
    });

    test('wrong types: Node\'s codes', () => {
      for (const pfx of [5, true, {}, [{}], [{ buf: 5 }]]) {
        const e = thrown(() => tls.createSecureContext({ pfx }));
        assert.equal(e.code, 'ERR_CRYPTO_OPERATION_FAILED', `pfx: ${JSON.stringify(pfx)}`);
        assert.match(e.message, /^Unable to load PFX certificate/);
      }
      for (const options of [{ pfx: serverPfx, passphrase: 5 }, { pfx: [{ buf: serverPfx, passphrase: 5 }] }]) {
        const e = thrown(() => tls.createSecureContext(options));
        assert.ok(e instanceof TypeError);
        assert.equal(e.code, 'ERR_INVALID_ARG_TYPE');
        assert.equal(e.message, 'Pass phrase must be a buffer');
      }
      // null is "not given"; a Buffer passphrase works.
      tls.createSecureContext({ pfx: null });
      tls.createSecureContext({ pfx: serverPfx, passphrase: Buffer.from('server-pw') });
    });

    test('a pfx without a private key', () => {
      const e = thrown(() => tls.createSecureContext({ pfx: noKeyPfx, passphrase: 'x' }));
      assert.equal(e.code, 'ERR_CRYPTO_OPERATION_FAILED');
      assert.match(e.message, /^Unable to load private key from PFX data/);
    });

    test('malformed pfx bytes are refused', () => {
      for (const pfx of [Buffer.from('hello'), Buffer.alloc(0), serverPfx.subarray(0, 500)]) {
        assert.throws(() => tls.createSecureContext({ pfx, passphrase: 'server-pw' }), Error);
      }
    });
  });
}

describe('pfx from openssl pkcs12 -legacy (RC2-40 certificates)', () => {
  test('typetls/node-compat serves it; node:tls on OpenSSL 3 without the legacy provider cannot load it', async () => {
    const compat = impls.find((i) => i.name === 'typetls/node-compat')!.tls;
    const server = compat.createServer({ pfx: legacyPfx, passphrase: 'legacy-pw' }, (s: AnySocket) => s.end()) as unknown as nodeTls.Server;
    const seen = await nodeClientSees(server);
    assert.equal(seen.authorized, true);
    assert.equal(seen.peer, fingerprint(p.good.certDer));
    // Node 20 (OpenSSL 3.0, default provider only) throws ERR_CRYPTO_UNSUPPORTED_OPERATION
    // "Unsupported PKCS12 PFX data"; a Node whose OpenSSL loads the legacy provider succeeds.
    try {
      nodeTls.createSecureContext({ pfx: legacyPfx, passphrase: 'legacy-pw' });
    } catch (e) {
      assert.equal((e as { code?: string }).code, 'ERR_CRYPTO_UNSUPPORTED_OPERATION');
      assert.equal((e as Error).message, 'Unsupported PKCS12 PFX data');
    }
  });

  test('typetls wraps its own unsupported algorithms in Node\'s code', () => {
    const compat = impls.find((i) => i.name === 'typetls/node-compat')!.tls;
    // A PFX whose version is 4: our reader refuses it as unsupported.
    const bad = Buffer.from(serverPfx);
    const at = (bad[1]! & 0x80) !== 0 ? 2 + (bad[1]! & 0x7f) : 2;
    bad[at + 2] = 4;
    const e = thrown(() => compat.createSecureContext({ pfx: bad, passphrase: 'server-pw' }));
    assert.equal(e.code, 'ERR_CRYPTO_UNSUPPORTED_OPERATION');
    assert.match(e.message, /^Unsupported PKCS12 PFX data/);
  });
});
