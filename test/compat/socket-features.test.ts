// Differential: the same scenarios with node:tls and typetls/node-compat on the side under test;
// the other end is node:tls unless noted, so every typetls run is also a mixed pair.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as nodeTls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { close, impls, listen, makePki, readToEnd, type AnySocket, type Pki } from './harness.ts';

let p: Pki;
before(() => { p = makePki(); });
after(() => p.pki.cleanup());

function secured(s: AnySocket): Promise<void> {
  return new Promise((resolve, reject) => { s.once('secureConnect', () => resolve()); s.once('error', reject); });
}

async function withNodeServer(options: nodeTls.TlsOptions, onConn: (s: nodeTls.TLSSocket) => void, fn: (port: number) => Promise<void>): Promise<void> {
  const server = nodeTls.createServer({ key: p.good.keyPem, cert: p.good.certPem, ...options }, onConn);
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  try { await fn(port); } finally { await close(server); }
}

const nodePeerCerts = new Map<string, unknown>();

for (const impl of impls) {
  const tls = impl.tls;
  describe(`client features: ${impl.name}`, () => {
    const base = (port: number): Record<string, unknown> => ({ host: '127.0.0.1', port, ca: p.root.certPem, servername: 'localhost' });

    test('ALPN: the server picks from our list; none offered -> false', async () => {
      await withNodeServer({ ALPNProtocols: ['h2', 'http/1.1'] }, (s) => s.end(), async (port) => {
        const a = tls.connect({ ...base(port), ALPNProtocols: ['http/1.1', 'h2'] });
        await secured(a);
        assert.equal(a.alpnProtocol, 'h2');
        a.destroy();
        const b = tls.connect({ ...base(port), ALPNProtocols: Buffer.from('\x08http/1.1', 'latin1') });
        await secured(b);
        assert.equal(b.alpnProtocol, 'http/1.1');
        b.destroy();
        const c = tls.connect(base(port));
        await secured(c);
        assert.equal(c.alpnProtocol, false);
        assert.equal(c.servername, 'localhost');
        c.destroy();
      });
    });

    test('getProtocol, getCipher, getEphemeralKeyInfo with ciphers and ecdhCurve', async () => {
      await withNodeServer({}, (s) => s.end(), async (port) => {
        const s = tls.connect({ ...base(port), ciphers: 'TLS_AES_128_GCM_SHA256', ecdhCurve: 'P-256' });
        await secured(s);
        assert.equal(s.getProtocol(), 'TLSv1.3');
        assert.deepEqual(s.getCipher(), { name: 'TLS_AES_128_GCM_SHA256', standardName: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3' });
        assert.deepEqual(s.getEphemeralKeyInfo(), { type: 'ECDH', name: 'prime256v1', size: 256 });
        assert.equal(s.isSessionReused(), false);
        assert.equal(s.encrypted, true);
        s.destroy();
      });
    });

    test('getPeerCertificate(true) has node:tls shape and values', async () => {
      await withNodeServer({ cert: p.underInt.certPem + p.int.certPem, key: p.underInt.keyPem }, (s) => s.end(), async (port) => {
        const s = tls.connect(base(port));
        await secured(s);
        const c = s.getPeerCertificate(true) as unknown as Record<string, unknown>;
        s.destroy();
        const flat = (x: Record<string, unknown>): Record<string, unknown> => {
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(x)) if (k !== 'issuerCertificate') out[k] = v;
          return out;
        };
        const chain: Array<Record<string, unknown>> = [];
        for (let cur: Record<string, unknown> | undefined = c; cur !== undefined && chain.length < 5; ) {
          chain.push(flat(cur));
          const next = cur['issuerCertificate'] as Record<string, unknown> | undefined;
          if (next === cur) break;
          cur = next;
        }
        assert.equal(chain.length, 3, 'leaf -> intermediate -> root');
        assert.equal((chain[0]!['subjectaltname']), 'DNS:localhost, IP Address:127.0.0.1');
        if (impl.name === 'node:tls') nodePeerCerts.set('chain', chain);
        else assert.deepStrictEqual(chain, nodePeerCerts.get('chain'));
      });
    });

    test('exportKeyingMaterial equals the server end; keylog events', async () => {
      let serverKey: Buffer | undefined;
      const serverDone = new Promise<void>((resolve) => {
        void withNodeServer({}, (s) => {
          serverKey = s.exportKeyingMaterial(32, 'EXPERIMENTAL test', Buffer.from('ctx'));
          s.end();
          resolve();
        }, async (port) => {
          const s = tls.connect(base(port));
          const labels: string[] = [];
          s.on('keylog', (line: Buffer) => labels.push(line.toString('latin1').split(' ')[0]!));
          await secured(s);
          const mine = s.exportKeyingMaterial(32, 'EXPERIMENTAL test', Buffer.from('ctx'));
          await serverDone;
          assert.deepEqual(mine, serverKey);
          assert.deepEqual(labels.sort(), ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0']);
          s.destroy();
        });
      });
      await serverDone;
    });

    test('half-close: end() then still read the reply', async () => {
      await withNodeServer({ allowHalfOpen: true }, (s) => {
        void readToEnd(s).then((got) => s.end(`got ${got.length}`));
      }, async (port) => {
        const s = tls.connect({ ...base(port), allowHalfOpen: true });
        await secured(s);
        s.end('x'.repeat(1000));
        assert.equal((await readToEnd(s)).toString(), 'got 1000');
      });
    });

    test('backpressure: write() returns false, drain comes, all bytes arrive', async () => {
      let received = 0;
      let serverEnded!: () => void;
      const ended = new Promise<void>((r) => { serverEnded = r; });
      await withNodeServer({}, (s) => {
        s.pause();
        setTimeout(() => {
          s.on('data', (d: Buffer) => { received += d.length; });
          s.on('end', () => { s.end(); serverEnded(); });
          s.resume();
        }, 50);
      }, async (port) => {
        const s = tls.connect(base(port));
        await secured(s);
        const chunk = Buffer.alloc(64 * 1024, 7);
        let sawFalse = false;
        let written = 0;
        // The server reads nothing for 50 ms: once the transport's buffers fill, write() says wait.
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!s.write(chunk)) {
            sawFalse = true;
            break;
          }
        }
        assert.equal(sawFalse, true, 'write() should have returned false');
        await new Promise((r) => s.once('drain', r));
        s.end();
        s.resume();
        await ended;
        assert.equal(received, written);
      });
    });

    test('STARTTLS: connect({ socket }) over a plain connection', async () => {
      const server = net.createServer((raw) => {
        raw.once('data', () => {
          raw.write('GO\n');
          const t = new nodeTls.TLSSocket(raw, { isServer: true, secureContext: nodeTls.createSecureContext({ key: p.good.keyPem, cert: p.good.certPem }) });
          t.on('secure', () => t.end('secret'));
          t.on('error', () => {});
        });
      });
      const port = await listen(server);
      try {
        const raw = net.connect(port, '127.0.0.1');
        raw.write('STARTTLS\n');
        await new Promise((r) => raw.once('data', r));
        const s = tls.connect({ socket: raw, ca: p.root.certPem, servername: 'localhost' });
        await secured(s);
        assert.equal(s.authorized, true);
        assert.equal((await readToEnd(s)).toString(), 'secret');
      } finally {
        await close(server);
      }
    });

    test('errors: refused port (ECONNREFUSED), server drops during handshake (ECONNRESET)', async () => {
      const closed = net.createServer();
      const deadPort = await listen(closed);
      await close(closed);
      const e1 = await new Promise<Error & { code?: string }>((resolve) => tls.connect({ host: '127.0.0.1', port: deadPort }).on('error', resolve));
      assert.equal(e1.code, 'ECONNREFUSED');
      const dropper = net.createServer((s) => s.once('data', () => s.destroy()));
      const port = await listen(dropper);
      try {
        const e2 = await new Promise<Error & { code?: string }>((resolve) => tls.connect({ host: '127.0.0.1', port, ca: p.root.certPem }).on('error', resolve));
        assert.equal(e2.code, 'ECONNRESET');
      } finally {
        await close(dropper);
      }
    });

    test('destroy() before the handshake emits close without error', async () => {
      await withNodeServer({}, () => {}, async (port) => {
        const s = tls.connect(base(port));
        let errored = false;
        s.on('error', () => { errored = true; });
        s.destroy();
        await new Promise((r) => s.once('close', r));
        assert.equal(errored, false);
      });
    });

    test('renegotiate() on TLS 1.3 returns false with ERR_SSL_WRONG_SSL_VERSION', async () => {
      await withNodeServer({}, (s) => s.end(), async (port) => {
        const s = tls.connect(base(port));
        await secured(s);
        const err = await new Promise<Error & { code?: string }>((resolve) => {
          assert.equal(s.renegotiate({}, (e) => resolve(e as Error)), false);
        });
        assert.equal(err.code, 'ERR_SSL_WRONG_SSL_VERSION');
        s.destroy();
      });
    });
  });

  describe(`server features: ${impl.name}`, () => {
    async function withServer(options: Record<string, unknown>, onConn: (s: AnySocket) => void, fn: (port: number, server: nodeTls.Server) => Promise<void>): Promise<void> {
      const server = tls.createServer({ key: p.good.keyPem, cert: p.good.certPem, ...options }, onConn);
      const port = await listen(server);
      try { await fn(port, server); } finally { await close(server); }
    }

    test('SNICallback picks the context; servername and ALPN on the server socket', async () => {
      const altCtx = tls.createSecureContext({ key: p.alt.keyPem, cert: p.alt.certPem });
      const seen: Array<[string | false, string | false]> = [];
      await withServer({
        ALPNProtocols: ['http/1.1'],
        SNICallback: (name: string, cb: (e: Error | null, c?: unknown) => void) => cb(null, name === 'alt.test' ? altCtx : undefined),
      }, (s) => { seen.push([s.servername as string | false, s.alpnProtocol as string | false]); s.end(); }, async (port) => {
        const a = nodeTls.connect({ host: '127.0.0.1', port, ca: p.root.certPem, servername: 'alt.test', ALPNProtocols: ['http/1.1'] });
        await secured(a);
        assert.equal(a.authorized, true);
        assert.equal(a.getPeerCertificate().subject.CN, 'alt.test');
        await readToEnd(a);
        const b = nodeTls.connect({ host: '127.0.0.1', port, ca: p.root.certPem, servername: 'localhost' });
        await secured(b);
        assert.equal(b.getPeerCertificate().subject.CN, 'localhost');
        await readToEnd(b);
      });
      assert.deepEqual(seen, [['alt.test', 'http/1.1'], ['localhost', false]]);
    });

    test('addContext chooses by SNI name', async () => {
      await withServer({}, (s) => s.end(), async (port, server) => {
        (server as unknown as { addContext(h: string, c: unknown): void }).addContext('*.test', { key: p.alt.keyPem, cert: p.alt.certPem });
        const a = nodeTls.connect({ host: '127.0.0.1', port, ca: p.root.certPem, servername: 'alt.test' });
        await secured(a);
        assert.equal(a.getPeerCertificate().subject.CN, 'alt.test');
        await readToEnd(a);
      });
    });

    test('requestCert: authorized client; rejectUnauthorized false lets an unverified client in', async () => {
      const results: Array<[boolean, string | null]> = [];
      await withServer({ requestCert: true, rejectUnauthorized: false, ca: p.root.certPem }, (s) => { results.push([s.authorized, (s.authorizationError as unknown as string | null) ?? null]); s.end(); }, async (port) => {
        for (const opts of [{ key: p.client.keyPem, cert: p.client.certPem }, { key: p.clientUnderOtherRoot.keyPem, cert: p.clientUnderOtherRoot.certPem }]) {
          const c = nodeTls.connect({ host: '127.0.0.1', port, ca: p.root.certPem, servername: 'localhost', ...opts });
          await secured(c);
          await readToEnd(c);
        }
      });
      assert.deepEqual(results, [[true, null], [false, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']]);
    });

    test('handshakeTimeout -> tlsClientError ERR_TLS_HANDSHAKE_TIMEOUT; keylog on the server', async () => {
      await withServer({ handshakeTimeout: 100 }, (s) => s.end(), async (port, server) => {
        const lines: string[] = [];
        server.on('keylog', (line: Buffer) => lines.push(line.toString('latin1')));
        const err = new Promise<Error & { code?: string }>((resolve) => server.once('tlsClientError', resolve));
        const raw = net.connect(port, '127.0.0.1');
        assert.equal((await err).code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
        raw.destroy();
        const c = nodeTls.connect({ host: '127.0.0.1', port, ca: p.root.certPem, servername: 'localhost' });
        await secured(c);
        await readToEnd(c);
        assert.equal(lines.length, 5);
        assert.ok(lines.every((l) => l.endsWith('\n')), 'keylog lines end with a newline');
      });
    });

    test('STARTTLS server: new TLSSocket(socket, { isServer: true, secureContext })', async () => {
      const server = net.createServer((raw) => {
        const t = new tls.TLSSocket(raw, { isServer: true, secureContext: tls.createSecureContext({ key: p.good.keyPem, cert: p.good.certPem }) });
        t.on('secure', () => t.end('over tls'));
        t.on('error', () => {});
      });
      const port = await listen(server);
      try {
        const c = nodeTls.connect({ host: '127.0.0.1', port, ca: p.root.certPem, servername: 'localhost' });
        await secured(c);
        assert.equal((await readToEnd(c)).toString(), 'over tls');
      } finally {
        await close(server);
      }
    });
  });
}
