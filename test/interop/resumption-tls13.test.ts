// TLS 1.3 resumption, 0-RTT and exporters against openssl s_server / s_client and node:tls,
// both directions: typetls resumes with s_server's tickets (and sends 0-RTT it accepts or
// rejects), s_client resumes with ours (-sess_out / -sess_in, -early_data), node:tls resumes
// both ways, and exported keying material matches s_client -keymatexport and node:tls.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { NegotiatedParameters } from '../../src/core/conn/api.ts';
import { createClientConfig, type ClientConfigOptions } from '../../src/core/client/config.ts';
import { ClientConnection } from '../../src/core/client/connection.ts';
import { createClientSessionStore } from '../../src/core/client/session-store.ts';
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

/** A typetls client over TCP; `early` is written before the handshake (0-RTT when allowed). */
function typetlsClient(port: number, config: ReturnType<typeof createClientConfig>, early?: string): { socket: TlsSocket; conn: ClientConnection; data: () => string } {
  const conn = new ClientConnection(config, leaf.hostname);
  const tcp = net.connect(port, '127.0.0.1');
  tcp.on('error', () => {});
  const socket = new TlsSocket({ connection: conn, transport: tcp });
  socket.on('error', (e) => { if (process.env.DEBUG_RESUME) console.error('client error', e); });
  let got = '';
  socket.on('data', (b: Buffer) => { got += b.toString('latin1'); });
  if (early !== undefined) socket.write(early);
  cleanups.push(() => { socket.destroy(); });
  return { socket, conn, data: () => got };
}

function clientConfig(o: Partial<ClientConfigOptions> = {}) {
  return createClientConfig({ provider, verifier: createServerVerifier({ roots: [pki.root.certDer], signatures: provider.signatures }), minVersion: 'TLSv1.3', ...o });
}

interface EchoServer {
  port: number;
  handshakes: NegotiatedParameters[];
  sockets: TlsSocket[];
  received: string[];
}

/** A typetls echo server with the given resumption options. */
async function typetlsServer(o: Partial<ServerConfigOptions>): Promise<EchoServer> {
  const config = createServerConfig({ provider, certificates: [certifiedKey(leaf)], minVersion: 'TLSv1.3', ...o });
  const out: EchoServer = { port: 0, handshakes: [], sockets: [], received: [] };
  const server = net.createServer((tcp) => {
    tcp.on('error', () => {});
    const s = new TlsSocket({ connection: new ServerConnection(config), transport: tcp });
    const index = out.received.push('') - 1;
    out.sockets.push(s);
    s.on('error', () => {});
    s.on('secure', () => out.handshakes.push(s.negotiated!));
    s.on('data', (b: Buffer) => {
      out.received[index] += b.toString('latin1');
      s.write(b);
    });
    s.on('end', () => s.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  out.port = (server.address() as net.AddressInfo).port;
  cleanups.push(() => new Promise<void>((r) => { for (const s of out.sockets) s.destroy(); server.close(() => r()); }));
  return out;
}

describe('typetls client -> openssl s_server', () => {
  async function server(extra: string[]): Promise<OpensslServer> {
    const s = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, extraArgs: extra });
    cleanups.push(() => s.stop());
    return s;
  }

  test('resumes with its tickets and sends 0-RTT that s_server accepts', async () => {
    const s = await server(['-early_data']);
    const store = createClientSessionStore();
    const config = clientConfig({ sessionStore: store, earlyData: true });
    const first = typetlsClient(s.port, config);
    assert.equal((await secured(first.socket)).resumed, false);
    await waitFor(() => store.size > 0, 'a ticket from s_server');
    // A clean close_notify: OpenSSL drops sessions of connections that end without one (and with
    // -early_data it checks its session cache for anti-replay).
    await closeCleanly(first.socket);
    const second = typetlsClient(s.port, config, 'early-hello\n');
    const neg = await secured(second.socket);
    assert.equal(neg.resumed, true);
    assert.equal(neg.earlyDataAccepted, true, s.output());
    await s.waitForOutput(/Early data received:\s*early-hello\s*End of early data/);
    await s.waitForOutput(/Reused session-id/);
    second.socket.destroy();
  });

  test('0-RTT rejected by s_server (no -early_data): resumed, data handed back', async () => {
    const s = await server([]);
    const store = createClientSessionStore();
    const first = typetlsClient(s.port, clientConfig({ sessionStore: store }));
    await secured(first.socket);
    await waitFor(() => store.size > 0, 'a ticket from s_server');
    first.socket.destroy();
    // s_server without -early_data sends max_early_data_size 0: fake a ticket that allows it.
    const t = store.take(leaf.hostname)!;
    store.put(leaf.hostname, { ...t, maxEarlyDataSize: 16384 });
    const second = typetlsClient(s.port, clientConfig({ sessionStore: store, earlyData: true }), 'early-hello\n');
    const neg = await secured(second.socket);
    assert.equal(neg.resumed, true);
    assert.equal(neg.earlyDataAccepted, false);
    assert.equal(Buffer.from(second.conn.takeRejectedEarlyData()!).toString(), 'early-hello\n');
    second.socket.destroy();
  });
});

describe('openssl s_client -> typetls server', () => {
  test('-sess_out / -sess_in resume; -early_data accepted with a single-use store', async () => {
    const srv = await typetlsServer({ sessionStore: createServerSessionStore(), maxEarlyDataSize: 16384 });
    const dir = makeTempDir();
    const sess = join(dir, 'sess.pem');
    const common = { port: srv.port, caFile: pki.caFile, servername: leaf.hostname };
    const r1 = await runOpensslClient({ ...common, extraArgs: ['-sess_out', sess], input: 'one\n', until: /^one$/m });
    assert.match(r1.stdout, /New, TLSv1\.3/);
    const r2 = await runOpensslClient({ ...common, extraArgs: ['-sess_in', sess, '-sess_out', sess], input: 'two\n', until: /^two$/m });
    assert.match(r2.stdout, /Reused, TLSv1\.3/, r2.stdout);
    const early = join(dir, 'early.txt');
    writeFileSync(early, 'zero-rtt\n');
    const r3 = await runOpensslClient({ ...common, extraArgs: ['-sess_in', sess, '-early_data', early], input: 'three\n', until: /^three$/m });
    assert.match(r3.stdout, /Reused, TLSv1\.3/, r3.stdout);
    assert.match(r3.stdout, /Early data was accepted/, r3.stdout);
    assert.deepEqual(srv.handshakes.map((h) => h.resumed), [false, true, true]);
    assert.equal(srv.handshakes[2]!.earlyDataAccepted, true);
    assert.match(srv.received[2]!, /^zero-rtt\nthree\n/);
  });

  test('-early_data rejected by a ticketer-only server; the handshake still resumes', async () => {
    const srv = await typetlsServer({ ticketer: createTicketer({ provider }) });
    const dir = makeTempDir();
    const sess = join(dir, 'sess.pem');
    const common = { port: srv.port, caFile: pki.caFile, servername: leaf.hostname };
    await runOpensslClient({ ...common, extraArgs: ['-sess_out', sess], input: 'one\n', until: /^one$/m });
    const early = join(dir, 'early.txt');
    writeFileSync(early, 'zero-rtt\n');
    // Our tickets carry no early_data extension, so s_client does not even try 0-RTT.
    const r = await runOpensslClient({ ...common, extraArgs: ['-sess_in', sess, '-early_data', early], input: 'two\n', until: /^two$/m });
    assert.match(r.stdout, /Reused, TLSv1\.3/, r.stdout);
    assert.match(r.stdout, /Early data was (not sent|rejected)/, r.stdout);
    assert.equal(srv.received[1]!.includes('zero-rtt'), false);
  });

  test('-keymatexport equals our exportKeyingMaterial', async () => {
    const srv = await typetlsServer({});
    const r = await runOpensslClient({ port: srv.port, caFile: pki.caFile, servername: leaf.hostname, extraArgs: ['-keymatexport', 'EXPERIMENTAL-typetls', '-keymatexportlen', '40'], input: 'x\n', until: /^x$/m });
    const m = /Keying material: ([0-9A-F]+)/i.exec(r.stdout);
    assert.ok(m, `no keying material in\n${r.stdout}`);
    const ours = srv.sockets[0]!.connection.exportKeyingMaterial('EXPERIMENTAL-typetls', null, 40);
    assert.equal(Buffer.from(ours).toString('hex').toUpperCase(), m[1]!.toUpperCase());
  });
});

describe('node:tls', () => {
  test('node:tls client resumes with our tickets; exporters agree', async () => {
    const srv = await typetlsServer({ ticketer: createTicketer({ provider }) });
    const connectOnce = (session?: Buffer): Promise<{ reused: boolean; session: Buffer | null; ekm: Buffer; index: number }> => new Promise((resolve, reject) => {
      let got: Buffer | null = null;
      const s = tls.connect({ port: srv.port, host: '127.0.0.1', servername: leaf.hostname, ca: readFileSync(pki.caFile), minVersion: 'TLSv1.3', ...(session ? { session } : {}) });
      s.on('session', (b: Buffer) => { got ??= b; });
      s.on('error', reject);
      s.on('secureConnect', () => {
        const ekm = s.exportKeyingMaterial(32, 'EXPERIMENTAL-node', Buffer.from('ctx'));
        s.write('hi');
        s.once('data', () => {
          const index = srv.sockets.length - 1;
          const reused = s.isSessionReused();
          waitFor(() => got !== null, 'a session').then(() => { s.destroy(); resolve({ reused, session: got, ekm, index }); }, reject);
        });
      });
    });
    const a = await connectOnce();
    assert.equal(a.reused, false);
    assert.deepEqual(Buffer.from(srv.sockets[a.index]!.connection.exportKeyingMaterial('EXPERIMENTAL-node', Buffer.from('ctx'), 32)), a.ekm);
    const b = await connectOnce(a.session!);
    assert.equal(b.reused, true);
    assert.equal(srv.handshakes[1]!.resumed, true);
    assert.deepEqual(Buffer.from(srv.sockets[b.index]!.connection.exportKeyingMaterial('EXPERIMENTAL-node', Buffer.from('ctx'), 32)), b.ekm);
  });

  test('typetls client resumes against a node:tls server', async () => {
    const server = tls.createServer({ key: leaf.keyPem, cert: leaf.fullChainPem, minVersion: 'TLSv1.3' }, (s) => { s.on('error', () => {}); s.pipe(s); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as net.AddressInfo).port;
    const store = createClientSessionStore();
    const config = clientConfig({ sessionStore: store });
    const results: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const c = typetlsClient(port, config);
      results.push((await secured(c.socket)).resumed);
      c.socket.write('ping');
      // node:tls sends tickets after full handshakes only; the first gave us two.
      await waitFor(() => c.data() === 'ping' && (i > 0 || store.size > 1), 'echo and tickets');
      c.socket.destroy();
    }
    assert.deepEqual(results, [false, true, true]);
  });
});
