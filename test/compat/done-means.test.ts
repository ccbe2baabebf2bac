// Issue 6 "Done means" items the other compat files do not cover, differential: each test runs
// against node:tls and typetls/node-compat with identical assertions. Server-side tests put the
// implementation under test behind a node:tls client (the reverse mixed pair of
// socket-features.test.ts); client-side ones face a node:tls server.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as nodeTls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { assertSameThrowCode, close, impls, listen, makePki, readToEnd, type AnySocket, type Pki, type TlsModule } from './harness.ts';

let p: Pki;
before(() => { p = makePki(); });
after(() => p.pki.cleanup());

function secured(s: AnySocket): Promise<void> {
  return new Promise((resolve, reject) => { s.once('secureConnect', () => resolve()); s.once('error', reject); });
}

function once<T = unknown>(e: NodeJS.EventEmitter, event: string): Promise<T> {
  return new Promise((resolve) => e.once(event, (v: T) => resolve(v)));
}

/** No exporter context (RFC 5705 §4: differs from an empty one); node's types want an argument. */
const noContext = undefined as unknown as Buffer;

const base = (port: number): Record<string, unknown> => ({ host: '127.0.0.1', port, ca: p.root.certPem, servername: 'localhost' });

async function withServer(tls: TlsModule, options: Record<string, unknown>, onConn: (s: AnySocket) => void, fn: (port: number, server: nodeTls.Server) => Promise<void>): Promise<void> {
  const server = tls.createServer({ key: p.good.keyPem, cert: p.good.certPem, ...options }, onConn);
  const port = await listen(server);
  try { await fn(port, server); } finally { await close(server); }
}

/** getPeerCertificate(true) flattened to the chain of objects (issuerCertificate links dropped). */
function chainOf(c: Record<string, unknown>): Array<Record<string, unknown>> {
  const chain: Array<Record<string, unknown>> = [];
  for (let cur: Record<string, unknown> | undefined = c; cur !== undefined && chain.length < 5;) {
    const flat: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(cur)) if (k !== 'issuerCertificate') flat[k] = v;
    chain.push(flat);
    const next = cur['issuerCertificate'] as Record<string, unknown> | undefined;
    if (next === cur) break;
    cur = next;
  }
  return chain;
}

/** What node:tls produced for a test, compared with typetls' run of the same test. */
const nodeResults = new Map<string, unknown>();
function sameAsNode(impl: string, key: string, value: unknown): void {
  if (impl === 'node:tls') nodeResults.set(key, value);
  else assert.deepStrictEqual(value, nodeResults.get(key));
}

for (const impl of impls) {
  const tls = impl.tls;

  describe(`server end: ${impl.name} with node:tls clients`, () => {
    test('exportKeyingMaterial equals the client end; getProtocol/getCipher on the server socket', async () => {
      let serverSide: unknown[] = [];
      await withServer(tls, {}, (s) => {
        serverSide = [s.exportKeyingMaterial(48, 'EXPERIMENTAL done-means', Buffer.from('ctx')), s.exportKeyingMaterial(16, 'EXPERIMENTAL no-context', noContext), s.getProtocol(), s.getCipher()];
        s.end();
      }, async (port) => {
        const c = nodeTls.connect({ ...base(port), ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
        await secured(c);
        const mine = [c.exportKeyingMaterial(48, 'EXPERIMENTAL done-means', Buffer.from('ctx')), c.exportKeyingMaterial(16, 'EXPERIMENTAL no-context', noContext), c.getProtocol(), c.getCipher()];
        await readToEnd(c);
        assert.deepEqual(serverSide, mine);
        assert.deepEqual(serverSide[3], { name: 'TLS_CHACHA20_POLY1305_SHA256', standardName: 'TLS_CHACHA20_POLY1305_SHA256', version: 'TLSv1.3' });
      });
    });

    test('TLS 1.2: exportKeyingMaterial equal across the ends', async () => {
      let serverKey: Buffer | undefined;
      await withServer(tls, { maxVersion: 'TLSv1.2' }, (s) => { serverKey = s.exportKeyingMaterial(32, 'EXPERIMENTAL tls12', Buffer.from('x')); s.end(); }, async (port) => {
        const c = nodeTls.connect(base(port));
        await secured(c);
        assert.equal(c.getProtocol(), 'TLSv1.2');
        const mine = c.exportKeyingMaterial(32, 'EXPERIMENTAL tls12', Buffer.from('x'));
        await readToEnd(c);
        assert.deepEqual(serverKey, mine);
      });
    });

    test('requestCert: the client certificate through getPeerCertificate(true), getCertificate() has node shape', async () => {
      let got: unknown[] = [];
      await withServer(tls, { requestCert: true, ca: p.root.certPem }, (s) => {
        const peer = s.getPeerCertificate(true) as unknown as Record<string, unknown>;
        const mine = s.getCertificate() as unknown as Record<string, unknown>;
        got = [s.authorized, chainOf(peer), mine['subject'], mine['subjectaltname'], mine['fingerprint256']];
        s.end();
      }, async (port) => {
        const c = nodeTls.connect({ ...base(port), key: p.client.keyPem, cert: p.client.certPem });
        await secured(c);
        await readToEnd(c);
      });
      assert.equal(got[0], true);
      const chain = got[1] as Array<Record<string, unknown>>;
      assert.equal(chain.length, 2, 'client leaf -> root');
      assert.equal((chain[0]!['subject'] as Record<string, unknown>)['CN'], 'client');
      assert.equal(got[3], 'DNS:localhost, IP Address:127.0.0.1');
      sameAsNode(impl.name, 'server-peer-cert', got);
    });

    test('half-close: the client ends, the server (allowHalfOpen) still replies', async () => {
      await withServer(tls, { allowHalfOpen: true }, (s) => {
        void readToEnd(s).then((got) => s.end(`server got ${got.length}`));
      }, async (port) => {
        const c = nodeTls.connect(base(port));
        await secured(c);
        c.end('y'.repeat(5000));
        assert.equal((await readToEnd(c)).toString(), 'server got 5000');
      });
    });

    test('backpressure: server write() returns false against a client that does not read yet, then drain', async () => {
      let sawFalse = false;
      let written = 0;
      let drained = false;
      await withServer(tls, {}, (s) => {
        const chunk = Buffer.alloc(64 * 1024, 1);
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!s.write(chunk)) { sawFalse = true; break; }
        }
        s.once('drain', () => { drained = true; s.end(); });
      }, async (port) => {
        const c = nodeTls.connect(base(port));
        c.pause();
        await secured(c);
        // The client reads nothing for 50 ms: the server's buffers fill and write() says wait.
        await new Promise((r) => setTimeout(r, 50));
        c.resume();
        assert.equal((await readToEnd(c)).length, written);
      });
      assert.equal(sawFalse, true, 'write() should have returned false');
      assert.equal(drained, true);
    });

    test('a client that drops during the handshake: tlsClientError ECONNRESET, the server keeps serving', async () => {
      await withServer(tls, {}, (s) => s.end('ok'), async (port, server) => {
        const err = once<Error & { code?: string }>(server, 'tlsClientError');
        const raw = net.connect(port, '127.0.0.1');
        raw.write(Buffer.from('16030100', 'hex')); // a partial record header, then RST
        await once(raw, 'connect');
        await new Promise((r) => setTimeout(r, 20));
        raw.resetAndDestroy();
        assert.equal((await err).code, 'ECONNRESET');
        const c = nodeTls.connect(base(port));
        await secured(c);
        assert.equal((await readToEnd(c)).toString(), 'ok');
      });
    });

    test('setTimeout on the server socket: timeout event, the socket stays open', async () => {
      const events: string[] = [];
      await withServer(tls, {}, (s) => {
        s.setTimeout(50, () => {
          events.push(`timeout destroyed=${s.destroyed}`);
          s.end('bye');
        });
      }, async (port) => {
        const c = nodeTls.connect(base(port));
        await secured(c);
        assert.equal((await readToEnd(c)).toString(), 'bye');
      });
      assert.deepEqual(events, ['timeout destroyed=false']);
    });
  });

  describe(`client end: ${impl.name} against node:tls`, () => {
    test('connect({ timeout }) emits timeout once idle, leaves the socket open; setTimeout(0) disarms', async () => {
      await withNodeServer({}, () => {}, async (port) => {
        const s = tls.connect({ ...base(port), timeout: 50 });
        await secured(s);
        await once(s, 'timeout');
        assert.equal(s.destroyed, false);
        s.setTimeout(0);
        let again = false;
        s.on('timeout', () => { again = true; });
        await new Promise((r) => setTimeout(r, 120));
        assert.equal(again, false);
        s.destroy();
      });
    });

    test('destroy(err) after the handshake: error with that err, then close; the server sees the end', async () => {
      let serverClosed!: () => void;
      const serverClosedP = new Promise<void>((r) => { serverClosed = r; });
      await withNodeServer({}, (s) => { s.on('error', () => {}); s.on('close', () => serverClosed()); s.write('hi'); }, async (port) => {
        const s = tls.connect(base(port));
        await secured(s);
        // TLS 1.3: the server accepts the connection once our Finished arrives; its data proves it.
        await once(s, 'data');
        const mine = new Error('mine');
        const events: string[] = [];
        s.on('error', (e) => events.push(e === mine ? 'error(mine)' : `error(${String(e)})`));
        const closed = once(s, 'close');
        s.destroy(mine);
        await closed;
        assert.deepEqual(events, ['error(mine)']);
        assert.equal(s.destroyed, true);
        await serverClosedP;
      });
    });

    test('the server destroys after sending: the client reads the data, ends and closes without error', async () => {
      await withNodeServer({}, (s) => { s.write('last words'); setImmediate(() => s.destroy()); }, async (port) => {
        const s = tls.connect(base(port));
        let errored: Error | null = null;
        s.on('error', (e: Error) => { errored = e; });
        const closed = once(s, 'close');
        await secured(s);
        assert.equal((await readToEnd(s)).toString(), 'last words');
        await closed;
        assert.equal(errored, null);
      });
    });

    test('write() after end() fails with ERR_STREAM_WRITE_AFTER_END', async () => {
      await withNodeServer({ allowHalfOpen: true }, (s) => { s.resume(); s.on('end', () => s.end()); }, async (port) => {
        const s = tls.connect(base(port));
        await secured(s);
        s.end();
        const err = await new Promise<Error & { code?: string }>((resolve) => s.write('late', (e) => resolve(e as Error)));
        assert.equal(err.code, 'ERR_STREAM_WRITE_AFTER_END');
        s.on('error', () => {});
        s.destroy();
      });
    });
  });

  describe(`pg-style STARTTLS: ${impl.name} at both ends`, () => {
    test('SSLRequest over TCP, the server answers S, then tls.connect({ socket }) / new TLSSocket(raw, { isServer })', async () => {
      // PostgreSQL: Int32 length 8, Int32 80877103 (SSLRequest); the server answers one byte 'S'.
      const sslRequest = Buffer.from('0000000804d2162f', 'hex');
      const server = net.createServer((raw) => {
        raw.once('data', (d: Buffer) => {
          if (!d.equals(sslRequest)) { raw.destroy(); return; }
          raw.write('S');
          const t = new tls.TLSSocket(raw, { isServer: true, secureContext: tls.createSecureContext({ key: p.good.keyPem, cert: p.good.certPem }) });
          t.on('error', () => {});
          t.on('data', (q: Buffer) => t.end(`R:${q.toString()}`));
        });
      });
      const port = await listen(server);
      try {
        const raw = net.connect(port, '127.0.0.1');
        raw.write(sslRequest);
        const answer = await once<Buffer>(raw, 'data');
        assert.equal(answer.toString(), 'S');
        const s = tls.connect({ socket: raw, ca: p.root.certPem, servername: 'localhost' });
        await secured(s);
        assert.equal(s.authorized, true);
        assert.equal(s.encrypted, true);
        s.write('SELECT 1');
        assert.equal((await readToEnd(s)).toString(), 'R:SELECT 1');
      } finally {
        await close(server);
      }
    });
  });
}

async function withNodeServer(options: nodeTls.TlsOptions, onConn: (s: nodeTls.TLSSocket) => void, fn: (port: number) => Promise<void>): Promise<void> {
  const server = nodeTls.createServer({ key: p.good.keyPem, cert: p.good.certPem, ...options }, onConn);
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  try { await fn(port); } finally { await close(server); }
}

/** The error code a call throws (undefined when it does not throw); a socket made is destroyed. */

// Options from the list not in module-and-options.test.ts, where node:tls throws a coded error.
const badConnect: ReadonlyArray<[string, Record<string, unknown>]> = [
  ['port (string)', { port: 'x' }], ['port (out of range)', { port: 70000 }], ['servername', { servername: 1 }],
  ['ALPNProtocols (array of numbers)', { ALPNProtocols: [1] }], ['key ([{ pem: 1 }])', { key: [{ pem: 1 }] }], ['ca ([1])', { ca: [1] }],
  ['crl', { crl: 1 }], ['minVersion (unknown)', { minVersion: 'TLSv9' }],
  ['highWaterMark (negative)', { highWaterMark: -1 }], ['path', { path: 1 }], ['localAddress', { localAddress: 1 }],
  ['session (string)', { session: 'x' }], ['sigalgs (empty)', { sigalgs: '' }],
];
const badServer: ReadonlyArray<[string, Record<string, unknown>]> = [
  ['minVersion', { minVersion: 1 }], ['maxVersion', { maxVersion: 'x' }], ['ecdhCurve', { ecdhCurve: 1 }], ['sigalgs', { sigalgs: 1 }],
  ['crl', { crl: 1 }], ['ticketKeys (10 bytes)', { ticketKeys: Buffer.alloc(10) }], ['sessionTimeout (negative)', { sessionTimeout: -1 }],
];

/**
 * A transport that goes nowhere: a connect() that throws after making its socket (node:tls does
 * for `servername`) then leaks nothing that later fails with ECONNREFUSED.
 */
function inert(): Duplex {
  return new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
}

describe('bad input (issue 6 option list): same codes as node:tls', () => {
  for (const [name, opts] of badConnect) {
    test(`connect ${name}`, () => {
      // Transport options need net.connect (both validate them before connecting).
      const target = 'port' in opts || 'path' in opts || 'localAddress' in opts ? { host: '127.0.0.1', port: 1 } : { socket: inert() };
      assertSameThrowCode((tls) => tls.connect({ ...target, ...opts }));
    });
  }
  for (const [name, opts] of badServer) {
    test(`createServer ${name}`, () => {
      assertSameThrowCode((tls) => tls.createServer(opts));
    });
  }
});

describe('a connect() that throws after opening its transport leaks nothing', () => {
  test('timeout: -1 throws ERR_OUT_OF_RANGE and the TCP attempt is torn down (no late ECONNREFUSED)', async () => {
    const compat = impls.find((i) => i.name !== 'node:tls')!.tls;
    assert.throws(() => compat.connect({ host: '127.0.0.1', port: 1, timeout: -1 }), (e: Error & { code?: string }) => e.code === 'ERR_OUT_OF_RANGE');
    // An error from a leaked socket would surface as an uncaught exception in this window,
    // which the test runner reports as a failure of this file.
    await new Promise((r) => setTimeout(r, 300));
  });
});

describe('getProtocol() before the handshake and after destroy', () => {
  for (const { name, tls } of impls) {
    test(`${name}: 'TLSv1.3' while connecting, maxVersion once the handshake began, null once destroyed`, () => {
      const connecting = tls.connect({ host: '127.0.0.1', port: 1, maxVersion: 'TLSv1.2' });
      connecting.on('error', () => {});
      assert.equal(connecting.getProtocol(), 'TLSv1.3');
      connecting.destroy();
      const s = tls.connect({ socket: inert(), maxVersion: 'TLSv1.2' });
      s.on('error', () => {});
      assert.equal(s.getProtocol(), 'TLSv1.2');
      s.destroy();
      assert.equal(s.getProtocol(), null);
    });
  }
});
