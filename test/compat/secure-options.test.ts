// secureOptions (OpenSSL SSL_OP_* bits), differential: the same assertions against node:tls and
// typetls/node-compat clients, each talking to a node:tls server (a mixed pair for the compat run).
import assert from 'node:assert/strict';
import { constants } from 'node:crypto';
import * as nodeTls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { close, impls, listen, makePki, type AnySocket, type Pki } from './harness.ts';

let pki: Pki;
before(() => { pki = makePki(); });
after(() => pki.pki.cleanup());

/** A node:tls TLS 1.2/1.3 server that issues TLS 1.2 tickets; returns its port. */
async function server(): Promise<{ port: number; stop: () => Promise<void> }> {
  const s = nodeTls.createServer({ key: pki.good.keyPem, cert: pki.good.certPem, minVersion: 'TLSv1.2' }, (c) => c.end('x'));
  const port = await listen(s);
  return { port, stop: () => close(s) };
}

function connectOnce(tls: (typeof impls)[number]['tls'], opts: Record<string, unknown>): Promise<{ protocol: string | null; ticket: boolean }> {
  return new Promise((resolve, reject) => {
    const s: AnySocket = tls.connect({ host: '127.0.0.1', ca: pki.root.certPem, servername: 'localhost', ...opts }, () => {
      // TLS 1.2: the ticket arrives in the server's final flight, before secureConnect.
      const protocol = s.getProtocol();
      const ticket = s.getTLSTicket() !== undefined;
      s.destroy();
      resolve({ protocol, ticket });
    });
    s.on('error', reject);
  });
}

for (const { name, tls } of impls) {
  describe(`secureOptions (${name})`, () => {
    test('SSL_OP_NO_TICKET: a TLS 1.2 client asks for no ticket; without it, it gets one', async () => {
      const srv = await server();
      try {
        const plain = await connectOnce(tls, { port: srv.port, maxVersion: 'TLSv1.2' });
        assert.deepEqual(plain, { protocol: 'TLSv1.2', ticket: true });
        const none = await connectOnce(tls, { port: srv.port, maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET });
        assert.deepEqual(none, { protocol: 'TLSv1.2', ticket: false });
      } finally {
        await srv.stop();
      }
    });

    test('SSL_OP_NO_TLSv1_3 caps at TLS 1.2; SSL_OP_NO_TLSv1_2 leaves TLS 1.3', async () => {
      const srv = await server();
      try {
        const r = await connectOnce(tls, { port: srv.port, secureOptions: constants.SSL_OP_NO_TLSv1_3 | constants.SSL_OP_NO_SSLv3 | constants.SSL_OP_NO_TLSv1 });
        assert.equal(r.protocol, 'TLSv1.2');
        const r13 = await connectOnce(tls, { port: srv.port, secureOptions: constants.SSL_OP_NO_TLSv1_2 });
        assert.equal(r13.protocol, 'TLSv1.3');
      } finally {
        await srv.stop();
      }
    });

    test('a non-number secureOptions is ERR_INVALID_ARG_TYPE', () => {
      assert.throws(() => tls.createSecureContext({ secureOptions: 'x' } as never), (e: Error & { code?: string }) => e.code === 'ERR_INVALID_ARG_TYPE');
    });
  });
}

test('typetls refuses secureOptions bits it cannot honour instead of ignoring them', () => {
  const compat = impls[1]!.tls;
  assert.throws(() => compat.createSecureContext({ secureOptions: constants.SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION } as never),
    (e: Error & { code?: string }) => e.code === 'ERR_TYPETLS_UNSUPPORTED_OPTION' && /0x40000/.test(e.message));
  // node:tls takes it (OpenSSL then allows insecure renegotiation).
  assert.doesNotThrow(() => nodeTls.createSecureContext({ secureOptions: constants.SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION }));
});

for (const { name, tls } of impls) {
  test(`SSL_OP_NO_TICKET on a ${name} server: no TLS 1.2 ticket; a session-id cache still resumes`, async () => {
    const cache = new Map<string, Buffer>();
    const s = tls.createServer({ key: pki.good.keyPem, cert: pki.good.certPem, maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET }, (c: AnySocket) => c.end('x'));
    s.on('newSession', (id: Buffer, data: Buffer, done: () => void) => { cache.set(id.toString('hex'), data); done(); });
    s.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => cb(null, cache.get(id.toString('hex')) ?? null));
    const port = await listen(s);
    try {
      const first = await new Promise<{ ticket: boolean; session: Buffer | undefined }>((resolve, reject) => {
        const c = nodeTls.connect({ host: '127.0.0.1', port, ca: pki.root.certPem, servername: 'localhost' }, () => {
          resolve({ ticket: c.getTLSTicket() !== undefined, session: c.getSession() });
          c.destroy();
        });
        c.on('error', reject);
      });
      assert.equal(first.ticket, false, 'no ticket issued');
      assert.notEqual(first.session, undefined, 'a session to resume');
      const reused = await new Promise<boolean>((resolve, reject) => {
        const c = nodeTls.connect({ host: '127.0.0.1', port, ca: pki.root.certPem, servername: 'localhost', session: first.session! }, () => {
          resolve(c.isSessionReused());
          c.destroy();
        });
        c.on('error', reject);
      });
      assert.equal(reused, true, 'resumed by session id');
    } finally {
      await close(s);
    }
  });
}
