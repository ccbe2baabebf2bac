// TLS 1.2 resumption (RFC 5246 §7.3 session ids, RFC 5077 tickets) against openssl and
// node:tls, both directions: typetls resumes with `openssl s_server -tls1_2` (which reports
// "Reused session-id"), `openssl s_client -tls1_2 -sess_out/-sess_in` and `-reconnect` resume
// with our server, node:tls with maxVersion 'TLSv1.2' both ways (`session`, `isSessionReused()`).
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { NegotiatedParameters } from '../../src/core/conn/api.ts';
import { createClientConfig, type ClientConfigOptions } from '../../src/core/client/config.ts';
import { ClientConnection } from '../../src/core/client/connection.ts';
import { createClientSessionStore, type MemoryClientSessionStore } from '../../src/core/client/session-store.ts';
import { createServerConfig, type ServerConfigOptions } from '../../src/core/server/config.ts';
import { ServerConnection } from '../../src/core/server/connection.ts';
import { createServerSessionStore } from '../../src/core/server/session-store.ts';
import { createTicketer } from '../../src/core/server/ticketer.ts';
import { nodeCryptoProvider as provider } from '../../src/providers/node/index.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { TlsSocket } from '../../src/node/socket.ts';
import { makeTempDir, runOpensslClient, startOpensslServer, type OpensslServer } from '../helpers/peers.ts';
import { makeInteropPki, type InteropPki, type ServerLeaf } from '../helpers/tls-pki.ts';
import { certifiedKey } from './typetls-endpoints.ts';

let pki: InteropPki;
let leaf: ServerLeaf;
const cleanups: (() => Promise<void> | void)[] = [];
const TLS12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;

before(() => {
  pki = makeInteropPki();
  leaf = pki.leaves['ecdsa-p256'];
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  pki.cleanup();
});

function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() - start > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

function closeCleanly(s: TlsSocket): Promise<void> {
  return new Promise((resolve) => {
    s.once('close', () => resolve());
    s.end();
    s.resume();
  });
}

function secured(s: TlsSocket): Promise<NegotiatedParameters> {
  return new Promise((resolve, reject) => {
    s.once('secureConnect', () => resolve(s.negotiated!));
    s.once('secure', () => resolve(s.negotiated!));
    s.once('error', reject);
  });
}

function typetlsClient(port: number, config: ReturnType<typeof createClientConfig>): { socket: TlsSocket; data: () => string } {
  const conn = new ClientConnection(config, leaf.hostname);
  const tcp = net.connect(port, '127.0.0.1');
  tcp.on('error', () => {});
  const socket = new TlsSocket({ connection: conn, transport: tcp });
  socket.on('error', () => {});
  let got = '';
  socket.on('data', (b: Buffer) => { got += b.toString('latin1'); });
  cleanups.push(() => { socket.destroy(); });
  return { socket, data: () => got };
}

function clientConfig(o: Partial<ClientConfigOptions> = {}) {
  return createClientConfig({ provider, verifier: createServerVerifier({ roots: [pki.root.certDer], signatures: provider.signatures }), ...TLS12, ...o });
}

interface EchoServer {
  port: number;
  handshakes: NegotiatedParameters[];
}

/** A typetls TLS 1.2 echo server with the given resumption options. */
async function typetlsServer(o: Partial<ServerConfigOptions>): Promise<EchoServer> {
  const config = createServerConfig({ provider, certificates: [certifiedKey(leaf)], ...TLS12, ...o });
  const out: EchoServer = { port: 0, handshakes: [] };
  const sockets: TlsSocket[] = [];
  const server = net.createServer((tcp) => {
    tcp.on('error', () => {});
    const s = new TlsSocket({ connection: new ServerConnection(config), transport: tcp });
    sockets.push(s);
    s.on('error', () => {});
    s.on('secure', () => out.handshakes.push(s.negotiated!));
    s.on('data', (b: Buffer) => s.write(b));
    s.on('end', () => s.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  out.port = (server.address() as net.AddressInfo).port;
  cleanups.push(() => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }));
  return out;
}

describe('typetls client -> openssl s_server -tls1_2', () => {
  async function server(extra: string[]): Promise<OpensslServer> {
    const s = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, tls13Only: false, extraArgs: ['-tls1_2', ...extra] });
    cleanups.push(() => s.stop());
    return s;
  }

  async function twice(s: OpensslServer, store: MemoryClientSessionStore, config: ReturnType<typeof clientConfig>): Promise<boolean[]> {
    const results: boolean[] = [];
    for (let i = 0; i < 2; i++) {
      const c = typetlsClient(s.port, config);
      results.push((await secured(c.socket)).resumed);
      await waitFor(() => store.tls12Size > 0, 'a TLS 1.2 session');
      // OpenSSL drops sessions of connections that end without close_notify.
      await closeCleanly(c.socket);
    }
    return results;
  }

  test('by session id (s_server -no_ticket)', async () => {
    const s = await server(['-no_ticket']);
    const store = createClientSessionStore();
    assert.deepEqual(await twice(s, store, clientConfig({ sessionStore: store })), [false, true]);
    assert.equal(store.getTls12(leaf.hostname)!.ticket, null);
    await s.waitForOutput(/Reused session-id/);
  });

  test('by RFC 5077 ticket', async () => {
    const s = await server([]);
    const store = createClientSessionStore();
    assert.deepEqual(await twice(s, store, clientConfig({ sessionStore: store, tls12SessionTickets: true })), [false, true]);
    assert.ok((store.getTls12(leaf.hostname)!.ticket?.length ?? 0) > 0, 'a ticket was kept');
    await s.waitForOutput(/Reused session-id/);
  });
});

describe('openssl s_client -tls1_2 -> typetls server', () => {
  const common = () => ({ caFile: pki.caFile, servername: leaf.hostname, tls13Only: false });

  for (const [name, options, ticketArgs] of [
    ['session id (session store, s_client -no_ticket)', () => ({ sessionStore: createServerSessionStore() }), ['-no_ticket']],
    ['RFC 5077 ticket (ticketer)', () => ({ ticketer: createTicketer({ provider }) }), []],
  ] as const) {
    test(`-sess_out / -sess_in: ${name}`, async () => {
      const srv = await typetlsServer(options());
      const sess = join(makeTempDir(), 'sess.pem');
      const r1 = await runOpensslClient({ ...common(), port: srv.port, extraArgs: ['-tls1_2', ...ticketArgs, '-sess_out', sess], input: 'one\n', until: /^one$/m });
      assert.match(r1.stdout, /New, TLSv1\.2/, r1.stdout);
      const r2 = await runOpensslClient({ ...common(), port: srv.port, extraArgs: ['-tls1_2', ...ticketArgs, '-sess_in', sess], input: 'two\n', until: /^two$/m });
      assert.match(r2.stdout, /Reused, TLSv1\.2/, r2.stdout);
      assert.deepEqual(srv.handshakes.map((h) => h.resumed), [false, true]);
    });

    test(`-reconnect: ${name}`, async () => {
      const srv = await typetlsServer(options());
      const r = await runOpensslClient({ ...common(), port: srv.port, extraArgs: ['-tls1_2', ...ticketArgs, '-reconnect'], input: 'x\n', until: /^x$/m, timeoutMs: 20_000 });
      const reused = r.stdout.match(/^Reused, TLSv1\.2/gm) ?? [];
      assert.equal(reused.length, 5, r.stdout);
      assert.deepEqual(srv.handshakes.map((h) => h.resumed), [false, true, true, true, true, true]);
    });
  }
});

describe('node:tls, maxVersion TLSv1.2', () => {
  for (const [name, options] of [
    ['session id', () => ({ sessionStore: createServerSessionStore() })],
    ['ticket', () => ({ ticketer: createTicketer({ provider }) })],
  ] as const) {
    test(`node:tls client resumes with our server (${name})`, async () => {
      const srv = await typetlsServer(options());
      const connectOnce = (session?: Buffer): Promise<{ reused: boolean; session: Buffer | null }> => new Promise((resolve, reject) => {
        let got: Buffer | null = null;
        const s = tls.connect({ port: srv.port, host: '127.0.0.1', servername: leaf.hostname, ca: readFileSync(pki.caFile), maxVersion: 'TLSv1.2', ...(session ? { session } : {}) });
        s.on('session', (b: Buffer) => { got = b; });
        s.on('error', reject);
        s.on('secureConnect', () => {
          s.write('hi');
          s.once('data', () => {
            const reused = s.isSessionReused();
            waitFor(() => got !== null || reused, 'a session').then(() => { s.end(); resolve({ reused, session: got }); }, reject);
          });
        });
      });
      const a = await connectOnce();
      assert.equal(a.reused, false);
      const b = await connectOnce(a.session!);
      assert.equal(b.reused, true);
      assert.deepEqual(srv.handshakes.map((h) => h.resumed), [false, true]);
    });
  }

  test('typetls client resumes against a node:tls server (tickets and ids)', async () => {
    const server = tls.createServer({ key: leaf.keyPem, cert: leaf.fullChainPem, maxVersion: 'TLSv1.2' }, (s) => { s.on('error', () => {}); s.pipe(s); });
    // node:tls keeps no server-side session cache of its own: session ids need these events.
    const cache = new Map<string, Buffer>();
    server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => { cache.set(id.toString('hex'), data); cb(); });
    server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => cb(null, cache.get(id.toString('hex')) ?? null));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as net.AddressInfo).port;
    for (const tickets of [true, false]) {
      const store = createClientSessionStore();
      const config = clientConfig({ sessionStore: store, tls12SessionTickets: tickets });
      const results: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        const c = typetlsClient(port, config);
        results.push((await secured(c.socket)).resumed);
        c.socket.write('ping');
        await waitFor(() => c.data() === 'ping', 'echo');
        await closeCleanly(c.socket);
      }
      assert.deepEqual(results, [false, true, true], `tickets ${String(tickets)}`);
    }
  });
});
