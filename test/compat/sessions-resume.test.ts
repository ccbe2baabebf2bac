// Differential: TLS 1.2 sessions (session ids and RFC 5077 tickets), ticketKeys shared across
// servers, node:tls' external session cache ('newSession'/'resumeSession') for TLS 1.2 and 1.3,
// and setSession() before the handshake, through node:tls and typetls/node-compat with identical
// assertions. Client tests run against a node:tls server, server tests with node:tls clients
// (so each typetls run is a mixed pair); the last block pairs node-compat with itself.
import assert from 'node:assert/strict';
import { constants, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as nodeTls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { close, impls, listen, makePki, readToEnd, type AnySocket, type Pki, type TlsModule } from './harness.ts';

let p: Pki;
before(() => { p = makePki(); });
after(() => p.pki.cleanup());

const node = nodeTls as unknown as TlsModule;
const base = (port: number): Record<string, unknown> => ({ host: '127.0.0.1', port, ca: p.root.certPem, servername: 'localhost' });

/** `TLSSocket.setSession()` (node:tls has it; @types/node does not declare it). */
function setSession(s: AnySocket, session: unknown): void {
  (s as unknown as { setSession(v: unknown): void }).setSession(session);
}

interface Conn { s: AnySocket; sessions: Buffer[]; atSecure: { session: boolean; ticket: boolean; sessionEventsBefore: number } }

/** Connects, reads to the end (the servers here end after the handshake), collects 'session' events. */
function connectFor(tls: TlsModule, options: Record<string, unknown>): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const s = tls.connect(options);
    const sessions: Buffer[] = [];
    let atSecure = { session: false, ticket: false, sessionEventsBefore: 0 };
    s.on('session', (b: Buffer) => sessions.push(b));
    s.once('secureConnect', () => {
      atSecure = { session: Buffer.isBuffer(s.getSession()), ticket: Buffer.isBuffer(s.getTLSTicket()), sessionEventsBefore: sessions.length };
    });
    s.once('error', reject);
    readToEnd(s).then(() => resolve({ s, sessions, atSecure }), reject);
  });
}

async function withServer(tls: TlsModule, options: Record<string, unknown>, fn: (port: number, server: nodeTls.Server, reused: boolean[]) => Promise<void>, setup?: (server: nodeTls.Server) => void): Promise<void> {
  const reused: boolean[] = [];
  const server = tls.createServer({ key: p.good.keyPem, cert: p.good.certPem, ...options }, (s) => {
    s.on('error', () => {}); // transports are destroyed at the end (below)
    reused.push(s.isSessionReused());
    s.end('hi');
  });
  server.on('tlsClientError', () => {});
  // Transports are destroyed before close: a node:tls server can miss the end of a connection
  // whose client wrote before the handshake (the constructed-socket test) and never close.
  const transports = new Set<net.Socket>();
  server.on('connection', (c: net.Socket) => { transports.add(c); c.once('close', () => transports.delete(c)); });
  setup?.(server);
  const port = await listen(server);
  try {
    await fn(port, server, reused);
  } finally {
    for (const c of transports) c.destroy();
    await close(server);
  }
}

/** A Map cache on 'newSession'/'resumeSession', recording the events (hex ids). */
function cache(server: nodeTls.Server, mode: 'map' | 'nothing' | 'error' = 'map'): { newIds: string[]; resumeIds: string[]; store: Map<string, Buffer> } {
  const r = { newIds: [] as string[], resumeIds: [] as string[], store: new Map<string, Buffer>() };
  server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
    assert.equal(Buffer.isBuffer(id) && Buffer.isBuffer(data) && data.length > 0, true);
    r.newIds.push(id.toString('hex'));
    r.store.set(id.toString('hex'), data);
    done();
  });
  server.on('resumeSession', (id: Buffer, cb: (e: Error | null, d?: Buffer | null) => void) => {
    r.resumeIds.push(id.toString('hex'));
    if (mode === 'error') cb(new Error('cache down'));
    else cb(null, mode === 'nothing' ? null : r.store.get(id.toString('hex')) ?? null);
  });
  return r;
}

for (const impl of impls) {
  const tls = impl.tls;
  describe(`client: ${impl.name} against node:tls (TLS 1.2 sessions, setSession)`, () => {
    test('TLS 1.2 ticket: session after secureConnect, getSession/getTLSTicket, connect({ session }) resumes', async () => {
      await withServer(node, { maxVersion: 'TLSv1.2' }, async (port, _server, reused) => {
        const a = await connectFor(tls, base(port));
        assert.equal(a.s.getProtocol(), 'TLSv1.2');
        assert.deepEqual(a.atSecure, { session: true, ticket: true, sessionEventsBefore: 0 }, 'getSession() at secureConnect; the event comes after it');
        assert.equal(a.sessions.length, 1);
        const b = await connectFor(tls, { ...base(port), session: a.sessions[0] });
        assert.equal(b.s.isSessionReused(), true);
        assert.equal(b.s.authorized, true);
        assert.equal(b.sessions.length, 0, 'no new session on a resumed TLS 1.2 handshake');
        // A TLS 1.2 session stays usable (unlike a TLS 1.3 ticket).
        const c = await connectFor(tls, { ...base(port), session: a.sessions[0] });
        assert.equal(c.s.isSessionReused(), true);
        assert.deepEqual(reused, [false, true, true]);
      });
    });

    test('TLS 1.2 session id (server without tickets, Map cache): resumes', async () => {
      let events: ReturnType<typeof cache> | null = null;
      await withServer(node, { maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET }, async (port, _server, reused) => {
        const a = await connectFor(tls, base(port));
        assert.deepEqual(a.atSecure, { session: true, ticket: false, sessionEventsBefore: 0 });
        const b = await connectFor(tls, { ...base(port), session: a.sessions[0] });
        assert.equal(b.s.isSessionReused(), true);
        assert.deepEqual(reused, [false, true]);
        assert.equal(events!.newIds.length, 1);
        assert.equal(events!.resumeIds.at(-1), events!.newIds[0], 'the client offered the session id');
      }, (server) => { events = cache(server); });
    });

    test('setSession() on new TLSSocket(socket) before the handshake starts: resumed (TLS 1.3 and 1.2)', async () => {
      for (const maxVersion of ['TLSv1.3', 'TLSv1.2']) {
        await withServer(node, { maxVersion }, async (port) => {
          // No SNI (an IP host), as the socket made below sends none.
          const a = await connectFor(tls, { host: '127.0.0.1', port, ca: p.root.certPem, checkServerIdentity: () => undefined });
          const raw = new net.Socket();
          const s = new tls.TLSSocket(raw, { isServer: false, ca: p.root.certPem });
          setSession(s, a.sessions[0]!);
          const secure = new Promise<void>((resolve, reject) => { s.once('secure', () => resolve()); s.once('error', reject); });
          raw.connect(port, '127.0.0.1');
          s.on('data', () => {}); // node:tls reads the transport only once the TLS socket is read
          s.write('x'); // node:tls starts a constructed client's handshake at its first write
          await secure;
          assert.equal(s.isSessionReused(), true, maxVersion);
          assert.equal(s.getProtocol(), maxVersion);
          s.on('data', () => {});
          await new Promise((resolve) => s.once('close', resolve)); // the server ends after the handshake
        });
      }
    });

    test('setSession() right after connect() counts', async () => {
      await withServer(node, {}, async (port) => {
        const a = await connectFor(tls, base(port));
        const s = tls.connect(base(port));
        setSession(s, a.sessions[0]!);
        await new Promise<void>((resolve, reject) => { s.once('secureConnect', () => resolve()); s.once('error', reject); });
        assert.equal(s.isSessionReused(), true);
        // (A session set after a TLS 1.3 handshake breaks node:tls' next read: not tested.)
        assert.throws(() => setSession(s, 42), { code: 'ERR_INVALID_ARG_TYPE', message: 'Session must be a buffer' });
        await readToEnd(s);
      });
    });

    test('a session that is not a Buffer is a TypeError', () => {
      assert.throws(() => tls.connect({ host: '127.0.0.1', port: 1, session: 'not a buffer' }), { code: 'ERR_INVALID_ARG_TYPE', message: 'Session must be a buffer' });
    });
  });

  describe(`server: ${impl.name} with node:tls clients (TLS 1.2 tickets, session cache events)`, () => {
    test('TLS 1.2 tickets: shared ticketKeys resume across servers; setTicketKeys ends them', async () => {
      const keys = randomBytes(48);
      await withServer(tls, { ticketKeys: keys, maxVersion: 'TLSv1.2' }, async (port, server, reused) => {
        const a = await connectFor(node, base(port));
        assert.equal(a.s.getProtocol(), 'TLSv1.2');
        assert.equal(a.atSecure.ticket, true, 'a ticket was issued');
        const b = await connectFor(node, { ...base(port), session: a.sessions[0] });
        assert.equal(b.s.isSessionReused(), true);
        await withServer(tls, { ticketKeys: keys, maxVersion: 'TLSv1.2' }, async (port2, _s2, reused2) => {
          const c = await connectFor(node, { ...base(port2), session: a.sessions[0] });
          assert.equal(c.s.isSessionReused(), true, 'same ticketKeys: resumed on another server');
          assert.deepEqual(reused2, [true]);
        });
        server.setTicketKeys(randomBytes(48));
        const d = await connectFor(node, { ...base(port), session: a.sessions[0] });
        assert.equal(d.s.isSessionReused(), false);
        assert.deepEqual(reused, [false, true, false]);
      });
    });

    test('TLS 1.2 session ids through newSession/resumeSession (clients without tickets)', async () => {
      let ev: ReturnType<typeof cache> | null = null;
      const noTicket = { secureOptions: constants.SSL_OP_NO_TICKET };
      await withServer(tls, { maxVersion: 'TLSv1.2' }, async (port, _server, reused) => {
        const a = await connectFor(node, { ...base(port), ...noTicket });
        assert.equal(ev!.newIds.length, 1, 'newSession for the full handshake');
        assert.equal(ev!.newIds[0]!.length, 64, '32-byte session id');
        assert.equal(a.atSecure.ticket, false);
        const b = await connectFor(node, { ...base(port), ...noTicket, session: a.sessions[0] });
        assert.equal(b.s.isSessionReused(), true);
        assert.equal(ev!.resumeIds.at(-1), ev!.newIds[0], 'resumeSession asked for the offered id');
        assert.equal(ev!.newIds.length, 1, 'no newSession for a resumed handshake');
        assert.deepEqual(reused, [false, true]);
      }, (server) => { ev = cache(server); });
    });

    test('resumeSession with nothing: full handshake; with an error: tlsClientError, the client is cut off', async () => {
      const noTicket = { secureOptions: constants.SSL_OP_NO_TICKET };
      for (const mode of ['nothing', 'error'] as const) {
        const clientErrors: string[] = [];
        await withServer(tls, { maxVersion: 'TLSv1.2' }, async (port, _server, reused) => {
          if (mode === 'nothing') {
            const a = await connectFor(node, { ...base(port), ...noTicket });
            const b = await connectFor(node, { ...base(port), ...noTicket, session: a.sessions[0] });
            assert.equal(b.s.isSessionReused(), false);
            assert.deepEqual(reused, [false, false]);
          } else {
            const err = await new Promise<Error & { code?: string }>((resolve) => node.connect(base(port)).on('error', resolve));
            assert.equal(err.code, 'ECONNRESET');
            assert.deepEqual(clientErrors, ['cache down']);
          }
        }, (server) => {
          cache(server, mode);
          server.on('tlsClientError', (e: Error) => clientErrors.push(e.message));
        });
      }
    });

    test('TLS 1.2 clients with tickets: no newSession, the ticket resumes whatever resumeSession says', async () => {
      let ev: ReturnType<typeof cache> | null = null;
      await withServer(tls, { maxVersion: 'TLSv1.2' }, async (port, _server, reused) => {
        const a = await connectFor(node, base(port));
        assert.equal(a.atSecure.ticket, true);
        const b = await connectFor(node, { ...base(port), session: a.sessions[0] });
        assert.equal(b.s.isSessionReused(), true);
        assert.deepEqual(reused, [false, true]);
        assert.deepEqual(ev!.newIds, []);
        assert.equal(ev!.resumeIds.length, 1, 'asked for the first hello (a session id, an empty ticket), not for the one with a ticket');
      }, (server) => { ev = cache(server, 'nothing'); });
    });

    test('TLS 1.3: newSession for each ticket, resumeSession for each hello; tickets resume statelessly', async () => {
      let ev: ReturnType<typeof cache> | null = null;
      await withServer(tls, {}, async (port, _server, reused) => {
        const a = await connectFor(node, base(port));
        assert.equal(a.s.getProtocol(), 'TLSv1.3');
        assert.equal(ev!.newIds.length, 2, 'two tickets, two newSession events');
        assert.equal(a.sessions.length, 2);
        const b = await connectFor(node, { ...base(port), session: a.sessions[0] });
        assert.equal(b.s.isSessionReused(), true);
        assert.deepEqual(reused, [false, true]);
        // node clients send a 32-byte legacy_session_id (RFC 8446 D.4) and no session_ticket.
        assert.equal(ev!.resumeIds.length, 2);
        assert.equal(ev!.resumeIds.every((id) => id.length === 64 && !ev!.newIds.includes(id)), true);
      }, (server) => { ev = cache(server, 'nothing'); });
    });
  });
}

describe('typetls/node-compat with itself', () => {
  const compat = impls[1]!.tls;
  test('TLS 1.2: ticket and session-id resumption between two node-compat ends', async () => {
    let ev: ReturnType<typeof cache> | null = null;
    await withServer(compat, { maxVersion: 'TLSv1.2' }, async (port, _server, reused) => {
      const a = await connectFor(compat, base(port));
      assert.equal(a.atSecure.ticket, true);
      const b = await connectFor(compat, { ...base(port), session: a.sessions[0] });
      assert.equal(b.s.isSessionReused(), true);
      assert.equal(b.s.getFinished()?.length, 12);
      assert.deepEqual(reused, [false, true]);
      assert.deepEqual(ev!.newIds, [], 'a ticket instead of a session id');
    }, (server) => { ev = cache(server); });
  });

  test('a session for another server name is not resumed (RFC 6066 §3; OpenSSL would resume it)', async () => {
    await withServer(compat, {}, async (port, _server, reused) => {
      const a = await connectFor(compat, base(port));
      // The certificate is valid for 127.0.0.1 too: the session may be offered (RFC 8446 §4.6.1),
      // but the server refuses a different SNI and a full handshake follows.
      const b = await connectFor(compat, { host: '127.0.0.1', port, ca: p.root.certPem, session: a.sessions[0] });
      assert.equal(b.s.isSessionReused(), false);
      assert.equal(b.s.authorized, true);
      assert.deepEqual(reused, [false, false]);
    });
  });

  test('a TLS 1.3 session on a TLS 1.2-only connection, and a TLS 1.2 one with another suite: full handshakes, no error', async () => {
    await withServer(compat, {}, async (port, _server, reused) => {
      const t13 = await connectFor(compat, base(port));
      const b = await connectFor(compat, { ...base(port), maxVersion: 'TLSv1.2', session: t13.sessions[0] });
      assert.equal(b.s.isSessionReused(), false);
      const t12 = b.sessions[0];
      const c = await connectFor(compat, { ...base(port), maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305', session: t12 });
      assert.equal(c.s.isSessionReused(), false);
      assert.equal(c.s.getCipher()?.name, 'ECDHE-ECDSA-CHACHA20-POLY1305');
      const d = await connectFor(compat, { ...base(port), session: t12 }); // TLS 1.3 wins: full handshake
      assert.equal(d.s.getProtocol(), 'TLSv1.3');
      assert.deepEqual(reused, [false, false, false, false]);
    });
  });
});
