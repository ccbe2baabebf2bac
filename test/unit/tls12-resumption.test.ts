/**
 * TLS 1.2 resumption in memory (RFC 5246 §7.3 abbreviated handshake, RFC 5077 tickets,
 * RFC 7627 §5.3): session ids through the server's session store, tickets through its ticketer,
 * tampered and unknown tickets, EMS mismatches in both directions, lifetimes, async stores.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlertDescription, ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import { createClientSessionStore, type ClientSessionStore, type MemoryClientSessionStore, type Tls12ClientSession } from '../../src/core/client/session-store.ts';
import { createTicketer } from '../../src/core/server/ticketer.ts';
import { createServerSessionStore } from '../../src/core/server/session-store.ts';
import { decodeTls12SessionState, encodeTls12SessionState } from '../../src/core/server/tls12-resumption.ts';
import { isTlsError } from '../../src/core/errors.ts';
import { rememberTls12Session } from '../../src/core/client/tls12-resumption.ts';
import type { HandshakeContext } from '../../src/core/conn/context.ts';
import type { Tls12CipherSuite } from '../../src/core/crypto/provider.ts';
import { nodeCryptoProvider as provider } from '../../src/providers/node/index.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority } from '../helpers/pki-openssl.ts';
import { handshake, handshakeAsync, readAll, transfer } from '../helpers/memory-pair.ts';

let pki: OpenSslPki;
let root: CertificateAuthority;
let key: CertifiedKey;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'TLS 1.2 Resumption Root', keyType: 'ecdsa-p256' });
  const leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:server.test'] });
  key = { chain: [leaf.certDer], key: provider.loadSigningKey(leaf.keyPem) };
});
after(() => pki.cleanup());

type ClientOptions = Partial<Parameters<typeof createClientConfig>[0]>;
type ServerOptions = Partial<Parameters<typeof createServerConfig>[0]>;
const clientConfig = (o: ClientOptions = {}) => createClientConfig({ provider, verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }), maxVersion: 'TLSv1.2', ...o });
const serverConfig = (o: ServerOptions = {}) => createServerConfig({ provider, certificates: [key], ...o });

function connect(cc: ReturnType<typeof clientConfig>, sc: ReturnType<typeof serverConfig>): { c: ClientConnection; s: ServerConnection } {
  const c = new ClientConnection(cc, 'server.test');
  const s = new ServerConnection(sc);
  handshake(c, s);
  c.writePlaintext(enc('ping'));
  transfer(c, s);
  assert.equal(dec(readAll(s)), 'ping');
  s.writePlaintext(enc('pong'));
  transfer(s, c);
  assert.equal(dec(readAll(c)), 'pong');
  return { c, s };
}

function resumed(p: { c: ClientConnection; s: ServerConnection }): [boolean | undefined, boolean | undefined] {
  return [p.c.negotiated?.resumed, p.s.negotiated?.resumed];
}

function code(expected: string, alert?: number) {
  return (e: unknown) => isTlsError(e) && e.code === expected && (alert === undefined || e.alert === alert);
}

/** Replaces the first occurrence of `from` in `b` by `to` (same length). */
function swap(b: Uint8Array, from: number[], to: number[]): Uint8Array {
  outer: for (let i = 0; i + from.length <= b.length; i++) {
    for (let j = 0; j < from.length; j++) if (b[i + j] !== from[j]) continue outer;
    const out = b.slice();
    out.set(to, i);
    return out;
  }
  throw new Error(`pattern ${from.join(',')} not found`);
}

describe('TLS 1.2 resumption by session id (RFC 5246 §7.3)', () => {
  it('the second and third connections resume; both sides report it; data flows', () => {
    const store = createClientSessionStore();
    const cc = clientConfig({ sessionStore: store });
    const sc = serverConfig({ sessionStore: createServerSessionStore() });
    const first = connect(cc, sc);
    assert.deepEqual(resumed(first), [false, false]);
    assert.equal(store.tls12Size, 1);
    const s1 = store.getTls12('server.test')!;
    assert.equal(s1.sessionId.length, 32);
    assert.equal(s1.ticket, null);
    for (let i = 0; i < 2; i++) {
      const again = connect(cc, sc);
      assert.deepEqual(resumed(again), [true, true]);
      assert.equal(again.c.negotiated?.cipherSuite, first.c.negotiated?.cipherSuite);
      assert.equal(again.c.negotiated?.peerCertificates.length, 1, 'the session keeps the server certificate');
      assert.equal(again.c.negotiated?.group, null);
    }
  });

  it('a server without a session store does a full handshake and the client forgets nothing it cannot use', () => {
    const store = createClientSessionStore();
    const cc = clientConfig({ sessionStore: store });
    connect(cc, serverConfig());
    assert.equal(store.tls12Size, 1, 'the server sent a session id; the client cannot know it is not cached');
    const again = connect(cc, serverConfig());
    assert.deepEqual(resumed(again), [false, false]);
  });

  it('an expired session (server clock) gets a full handshake, then resumes again', () => {
    let now = Date.now();
    const cc = clientConfig({ sessionStore: createClientSessionStore() });
    const sc = serverConfig({ sessionStore: createServerSessionStore(), ticketLifetimeSeconds: 60, now: () => now });
    connect(cc, sc);
    now += 61_000;
    assert.deepEqual(resumed(connect(cc, sc)), [false, false]);
    assert.deepEqual(resumed(connect(cc, sc)), [true, true]);
  });

  it('an expired session (client clock, 24 h bound of RFC 5246 F.1.4) is not offered', () => {
    let now = Date.now();
    const cc = clientConfig({ sessionStore: createClientSessionStore(), now: () => now });
    const sc = serverConfig({ sessionStore: createServerSessionStore() });
    connect(cc, sc);
    now += 86_401_000;
    const c = new ClientConnection(cc, 'server.test');
    const s = new ServerConnection(sc);
    handshake(c, s);
    assert.deepEqual([c.negotiated?.resumed, s.negotiated?.resumed], [false, false]);
  });

  it('async client and server stores', async () => {
    const inner = createClientSessionStore();
    const store: ClientSessionStore = {
      put: (n, s) => Promise.resolve(inner.put(n, s)),
      take: (n) => Promise.resolve(inner.take(n)),
      setTls12: (n, s) => Promise.resolve(inner.setTls12(n, s)),
      getTls12: (n) => Promise.resolve(inner.getTls12(n)),
    };
    const sInner = createServerSessionStore();
    const sc = serverConfig({ sessionStore: { put: (id, st) => Promise.resolve(sInner.put(id, st)), take: (id) => Promise.resolve(sInner.take(id)) } });
    const cc = clientConfig({ sessionStore: store });
    for (const expected of [false, true]) {
      const c = new ClientConnection(cc, 'server.test');
      const s = new ServerConnection(sc);
      await handshakeAsync(c, s);
      await new Promise((r) => setImmediate(r)); // the client's store write is not awaited by the engine
      assert.deepEqual([c.negotiated?.resumed, s.negotiated?.resumed], [expected, expected]);
    }
  });

  it('a TLS 1.3 server answers a hello carrying a TLS 1.2 session id with TLS 1.3', () => {
    const store = createClientSessionStore();
    connect(clientConfig({ sessionStore: store }), serverConfig({ sessionStore: createServerSessionStore() }));
    const p = connect(clientConfig({ sessionStore: store, maxVersion: 'TLSv1.3' }), serverConfig());
    assert.equal(p.c.negotiated?.protocolVersion, 'TLSv1.3');
  });
});

describe('TLS 1.2 resumption by RFC 5077 ticket', () => {
  it('async ticketer: resumes, and a ticket it cannot open gets a full handshake after the wait', async () => {
    const inner = createTicketer({ provider });
    let refuse = false;
    const sc = serverConfig({
      alpnProtocols: ['http/1.1'],
      ticketer: {
        encrypt: (st) => Promise.resolve(inner.encrypt(st)),
        // Settles later, while the engine's message buffer may be reused (ClientHello kept as a copy).
        decrypt: (t) => new Promise((r) => setImmediate(() => r(refuse ? null : inner.decrypt(t)))),
      },
    });
    const store = createClientSessionStore();
    const cc = clientConfig({ sessionStore: store, tls12SessionTickets: true, alpnProtocols: ['h2', 'http/1.1'] });
    for (const [refuseNow, expected] of [[false, false], [false, true], [true, false]] as const) {
      refuse = refuseNow;
      const c = new ClientConnection(cc, 'server.test');
      const s = new ServerConnection(sc);
      await handshakeAsync(c, s);
      assert.deepEqual([c.negotiated?.resumed, s.negotiated?.resumed], [expected, expected]);
      assert.deepEqual([c.negotiated?.alpn, s.negotiated?.serverName], ['http/1.1', 'server.test']);
    }
  });

  it('ticket issued in a full handshake, resumed with it (stateless server)', () => {
    const store = createClientSessionStore();
    const cc = clientConfig({ sessionStore: store, tls12SessionTickets: true });
    const sc = serverConfig({ ticketer: createTicketer({ provider }) });
    assert.deepEqual(resumed(connect(cc, sc)), [false, false]);
    const s1 = store.getTls12('server.test')!;
    assert.ok(s1.ticket !== null && s1.ticket.length > 0, 'a ticket was kept');
    assert.deepEqual(resumed(connect(cc, sc)), [true, true]);
    assert.deepEqual(resumed(connect(cc, sc)), [true, true]);
  });

  it('with both a store and a ticketer the ticket is used', () => {
    const cc = clientConfig({ sessionStore: createClientSessionStore(), tls12SessionTickets: true });
    const serverStore = createServerSessionStore();
    const sc = serverConfig({ ticketer: createTicketer({ provider }), sessionStore: serverStore });
    connect(cc, sc);
    const sizeAfterFull = serverStore.size;
    assert.deepEqual(resumed(connect(cc, sc)), [true, true]);
    assert.equal(serverStore.size, sizeAfterFull, 'the id entry stays (not taken by a ticket resumption)');
  });

  it('a client without tls12SessionTickets resumes by id only', () => {
    const store = createClientSessionStore();
    const cc = clientConfig({ sessionStore: store });
    const sc = serverConfig({ ticketer: createTicketer({ provider }), sessionStore: createServerSessionStore() });
    connect(cc, sc);
    assert.equal(store.getTls12('server.test')!.ticket, null);
    assert.deepEqual(resumed(connect(cc, sc)), [true, true]);
  });

  it('a tampered ticket gets a full handshake and a new ticket', () => {
    const store = createClientSessionStore();
    const cc = clientConfig({ sessionStore: store, tls12SessionTickets: true });
    const sc = serverConfig({ ticketer: createTicketer({ provider }) });
    connect(cc, sc);
    const s1 = store.getTls12('server.test')!;
    const bad = s1.ticket!.slice();
    bad[bad.length - 1]! ^= 1;
    store.setTls12('server.test', { ...s1, ticket: bad });
    assert.deepEqual(resumed(connect(cc, sc)), [false, false]);
    const s2 = store.getTls12('server.test')!;
    assert.notDeepEqual(s2.ticket, bad);
    assert.deepEqual(resumed(connect(cc, sc)), [true, true]);
  });

  it('a ticket from another server (unknown key) gets a full handshake', () => {
    const cc = clientConfig({ sessionStore: createClientSessionStore(), tls12SessionTickets: true });
    connect(cc, serverConfig({ ticketer: createTicketer({ provider }) }));
    assert.deepEqual(resumed(connect(cc, serverConfig({ ticketer: createTicketer({ provider }) }))), [false, false]);
  });

  it('a ticket for another server name gets a full handshake (RFC 6066 §3)', () => {
    const store = createClientSessionStore();
    const ticketer = createTicketer({ provider });
    const cc = clientConfig({ sessionStore: store, tls12SessionTickets: true });
    connect(cc, serverConfig({ ticketer }));
    // Offer server.test's session under another name.
    const other = clientConfig({ sessionStore: store, tls12SessionTickets: true, verifier: { ...createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }), verifyServerCertificate: () => Object.create(null) } as never });
    store.setTls12('other.test', store.getTls12('server.test')!);
    const c = new ClientConnection(other, 'other.test');
    const s = new ServerConnection(serverConfig({ ticketer }));
    try {
      handshake(c, s);
    } catch {
      // the stub verifier may refuse; what matters is the server's choice below
    }
    assert.notEqual(s.negotiated?.resumed, true);
  });
});

describe('TLS 1.2 resumption and the extended master secret (RFC 7627 §5.3)', () => {
  it('server: an EMS session offered in a hello without EMS is refused with handshake_failure', () => {
    const cc = clientConfig({ sessionStore: createClientSessionStore() });
    const sc = serverConfig({ sessionStore: createServerSessionStore() });
    connect(cc, sc);
    const c = new ClientConnection(cc, 'server.test');
    const s = new ServerConnection(sc);
    // extended_master_secret (0x0017, empty) becomes an unknown extension the server ignores (0x7777: not a GREASE value, which the client may send too).
    assert.throws(() => transfer(c, s, (b) => swap(b, [0x00, 0x17, 0x00, 0x00], [0x77, 0x77, 0x00, 0x00])), code('ERR_TLS_PEER_EMS_MISMATCH', AlertDescription.HandshakeFailure));
  });

  it('server: a non-EMS session is not resumed; a full handshake follows', () => {
    const serverStore = createServerSessionStore();
    const id = new Uint8Array(32).fill(7);
    serverStore.put(id, encodeTls12SessionState({
      cipherSuite: 0xc02b, masterSecret: new Uint8Array(48).fill(1), extendedMasterSecret: false,
      issuedAt: Date.now(), lifetimeSeconds: 3600, sni: 'server.test', peerCertificates: [],
    }));
    const store = createClientSessionStore();
    const fake: Tls12ClientSession = {
      serverName: 'server.test', cipherSuite: 0xc02b, sessionId: id, ticket: null, masterSecret: new Uint8Array(48).fill(1),
      extendedMasterSecret: true, peerCertificates: [key.chain[0]!], receivedAt: Date.now(), lifetimeSeconds: 3600,
    };
    store.setTls12('server.test', fake);
    const p = connect(clientConfig({ sessionStore: store }), serverConfig({ sessionStore: serverStore }));
    assert.deepEqual(resumed(p), [false, false]);
  });

  it('client: a resuming ServerHello without EMS is refused with handshake_failure', () => {
    // requireExtendedMasterSecret: false, so that the resumption check is what refuses it.
    const cc = clientConfig({ sessionStore: createClientSessionStore(), tls12SessionTickets: true, requireExtendedMasterSecret: false });
    const sc = serverConfig({ sessionStore: createServerSessionStore() });
    connect(cc, sc);
    const c = new ClientConnection(cc, 'server.test');
    const s = new ServerConnection(sc);
    transfer(c, s);
    // extended_master_secret becomes session_ticket (offered by us, so not unsolicited).
    assert.throws(() => transfer(s, c, (b) => swap(b, [0x00, 0x17, 0x00, 0x00], [0x00, 0x23, 0x00, 0x00])), code('ERR_TLS_PEER_EMS_MISMATCH', AlertDescription.HandshakeFailure));
  });

  it('the client never keeps a session without EMS, and forgets the old one', () => {
    const store = createClientSessionStore();
    const cc = clientConfig({ sessionStore: store });
    const cx = { now: () => Date.now() } as unknown as HandshakeContext;
    const facts = { suite: cc.cipherSuites.find((x) => x.version === 'TLSv1.2') as Tls12CipherSuite, sessionId: Uint8Array.of(1, 2), ticket: null, ticketLifetimeHint: 0, master: new Uint8Array(48), peerCertificates: [] };
    rememberTls12Session(cx, cc, 'server.test', { ...facts, ems: true });
    assert.equal(store.tls12Size, 1);
    rememberTls12Session(cx, cc, 'server.test', { ...facts, ems: false });
    assert.equal(store.tls12Size, 0);
  });
});

describe('TLS 1.2 session state codec and client store', () => {
  it('round-trips and rejects TLS 1.3 state and garbage', () => {
    const st = { cipherSuite: 0xc02f, masterSecret: new Uint8Array(48).fill(9), extendedMasterSecret: true, issuedAt: 1_700_000_000_123, lifetimeSeconds: 7200, sni: 'a.test', peerCertificates: [Uint8Array.of(1, 2, 3)] };
    assert.deepEqual(decodeTls12SessionState(encodeTls12SessionState(st)), st);
    const b = encodeTls12SessionState(st);
    assert.equal(decodeTls12SessionState(b.subarray(0, b.length - 1)), null);
    assert.equal(decodeTls12SessionState(Uint8Array.of(1, 2, 3)), null);
  });

  it('keeps one TLS 1.2 session per server, at most maxServers', () => {
    const store: MemoryClientSessionStore = createClientSessionStore({ maxServers: 2 });
    const mk = (n: string): Tls12ClientSession => ({ serverName: n, cipherSuite: 0xc02b, sessionId: Uint8Array.of(1), ticket: null, masterSecret: new Uint8Array(48), extendedMasterSecret: true, peerCertificates: [], receivedAt: 0, lifetimeSeconds: 1 });
    store.setTls12('a', mk('a'));
    store.setTls12('a', mk('a'));
    store.setTls12('b', mk('b'));
    store.getTls12('a'); // a is now the most recent
    store.setTls12('c', mk('c'));
    assert.equal(store.tls12Size, 2);
    assert.equal(store.getTls12('b'), null);
    assert.notEqual(store.getTls12('a'), null);
    store.removeTls12('a');
    assert.equal(store.getTls12('a'), null);
  });
});
