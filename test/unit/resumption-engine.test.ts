/**
 * TLS 1.3 resumption, 0-RTT and exporters on an in-memory pair: tickets from a stateless
 * ticketer and from a single-use store, a ticket never offered twice, tampered tickets, unknown
 * keys, wrong binders, replayed and oversized early data, async stores, HelloRetryRequest.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import { createClientSessionStore, type ClientSessionStore, type MemoryClientSessionStore, type Tls13ClientSession } from '../../src/core/client/session-store.ts';
import { createTicketer } from '../../src/core/server/ticketer.ts';
import { createServerSessionStore, type ServerSessionStore } from '../../src/core/server/session-store.ts';
import { decodeSessionState, encodeSessionState } from '../../src/core/server/resumption.ts';
import { isTlsError } from '../../src/core/errors.ts';
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
  root = pki.makeCa({ name: 'Resumption Root', keyType: 'ecdsa-p256' });
  const leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:server.test'] });
  key = { chain: [leaf.certDer], key: provider.loadSigningKey(leaf.keyPem) };
});
after(() => pki.cleanup());

type ClientOptions = Partial<Parameters<typeof createClientConfig>[0]>;
type ServerOptions = Partial<Parameters<typeof createServerConfig>[0]>;
const clientConfig = (o: ClientOptions = {}) => createClientConfig({ provider, verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }), ...o });
const serverConfig = (o: ServerOptions = {}) => createServerConfig({ provider, certificates: [key], ...o });

/** A client store that records every ticket it hands out. */
function recordingStore(inner: ClientSessionStore = createClientSessionStore()): ClientSessionStore & { taken: string[] } {
  const taken: string[] = [];
  return {
    taken,
    put: (n, s) => inner.put(n, s),
    take: (n) => {
      const s = inner.take(n) as Tls13ClientSession | null;
      if (s !== null) taken.push(Buffer.from(s.ticket).toString('hex'));
      return s;
    },
  };
}

function connect(cc: ReturnType<typeof clientConfig>, sc: ReturnType<typeof serverConfig>): { c: ClientConnection; s: ServerConnection } {
  const c = new ClientConnection(cc, 'server.test');
  const s = new ServerConnection(sc);
  handshake(c, s);
  transfer(s, c); // NewSessionTickets
  return { c, s };
}

describe('TLS 1.3 exporters', () => {
  it('both ends export the same keying material; labels and contexts separate it', () => {
    const { c, s } = connect(clientConfig(), serverConfig());
    const a = c.exportKeyingMaterial('EXPERIMENTAL test', enc('ctx'), 48);
    assert.equal(a.length, 48);
    assert.deepEqual(s.exportKeyingMaterial('EXPERIMENTAL test', enc('ctx'), 48), a);
    assert.notDeepEqual(c.exportKeyingMaterial('EXPERIMENTAL other', enc('ctx'), 48), a);
    // RFC 8446 §7.5: no context and an empty context are the same in TLS 1.3.
    assert.deepEqual(c.exportKeyingMaterial('x', null, 16), s.exportKeyingMaterial('x', new Uint8Array(0), 16));
  });

  it('refuses before the handshake and for bad arguments', () => {
    const c = new ClientConnection(clientConfig(), 'server.test');
    assert.throws(() => c.exportKeyingMaterial('x', null, 16), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_USAGE_HANDSHAKING');
    const { s } = connect(clientConfig(), serverConfig());
    assert.throws(() => s.exportKeyingMaterial('', null, 16), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_USAGE');
    assert.throws(() => s.exportKeyingMaterial('x', null, 0), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_USAGE');
    assert.throws(() => s.exportKeyingMaterial('x'.repeat(250), null, 16), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_USAGE');
  });
});

describe('TLS 1.3 resumption, in memory', () => {
  for (const kind of ['ticketer', 'session store'] as const) {
    it(`resumes with tickets from a ${kind}; every ticket is offered once`, () => {
      const store = recordingStore();
      const cc = clientConfig({ sessionStore: store });
      const sc = serverConfig(kind === 'ticketer' ? { ticketer: createTicketer({ provider }) } : { sessionStore: createServerSessionStore() });
      const first = connect(cc, sc);
      assert.equal(first.c.negotiated?.resumed, false);
      for (let i = 0; i < 4; i++) {
        const { c, s } = connect(cc, sc);
        assert.equal(c.negotiated?.resumed, true, `connection ${i + 2} resumed (client)`);
        assert.equal(s.negotiated?.resumed, true, `connection ${i + 2} resumed (server)`);
        assert.equal(c.negotiated?.peerCertificates.length, 1, 'the original chain is remembered');
        assert.equal(c.negotiated?.peerSignatureScheme, null, 'no CertificateVerify in a PSK handshake');
        c.writePlaintext(enc('ping'));
        transfer(c, s);
        assert.equal(dec(readAll(s)), 'ping');
        assert.deepEqual(c.exportKeyingMaterial('l', null, 32), s.exportKeyingMaterial('l', null, 32));
      }
      assert.equal(store.taken.length, 4);
      assert.equal(new Set(store.taken).size, 4, 'no ticket was offered twice (RFC 8446 C.4)');
    });
  }

  it('ticketsToSend: the number of NewSessionTickets; 0 disables', () => {
    for (const n of [0, 1, 3]) {
      const store = createClientSessionStore();
      connect(clientConfig({ sessionStore: store }), serverConfig({ ticketer: createTicketer({ provider }), ticketsToSend: n }));
      assert.equal(store.size, n);
    }
  });

  it('ticketsAfterResumption: tickets after a resumed handshake (default: ticketsToSend)', () => {
    for (const [after, expected] of [[undefined, 2], [0, 0], [1, 1]] as const) {
      const store = createClientSessionStore();
      const cc = clientConfig({ sessionStore: store });
      const sc = serverConfig({ ticketer: createTicketer({ provider }), ticketsToSend: 2, ...(after !== undefined ? { ticketsAfterResumption: after } : {}) });
      connect(cc, sc);
      assert.equal(store.size, 2, 'full handshake: ticketsToSend');
      const { s } = connect(cc, sc);
      assert.equal(s.negotiated?.resumed, true, 'resumed');
      assert.equal(store.size, 1 + expected, `after resuming with ticketsAfterResumption ${String(after)}`);
    }
    assert.throws(() => serverConfig({ ticketsAfterResumption: 17 }), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG');
  });

  it('a tampered ticket falls back to a full handshake', () => {
    const inner = createClientSessionStore();
    const store: ClientSessionStore = {
      put: (n, s) => {
        const ticket = s.ticket.slice();
        ticket[ticket.length - 1]! ^= 1;
        inner.put(n, { ...s, ticket });
      },
      take: (n) => inner.take(n),
    };
    const cc = clientConfig({ sessionStore: store });
    const sc = serverConfig({ ticketer: createTicketer({ provider }) });
    connect(cc, sc);
    const { c, s } = connect(cc, sc);
    assert.equal(c.negotiated?.resumed, false);
    assert.equal(s.negotiated?.resumed, false);
  });

  it('a ticket under an unknown key falls back; keys shared by a fleet resume', () => {
    const k1 = new Uint8Array(32).fill(1), k2 = new Uint8Array(32).fill(2);
    const cc = clientConfig({ sessionStore: createClientSessionStore() });
    connect(cc, serverConfig({ ticketer: createTicketer({ provider, keys: [k1] }) }));
    assert.equal(connect(cc, serverConfig({ ticketer: createTicketer({ provider, keys: [k2] }) })).s.negotiated?.resumed, false, 'unknown key');
    // The fallback connection got tickets under k2; a second server with [k3, k2] opens them.
    const rotated = createTicketer({ provider, keys: [new Uint8Array(32).fill(3), k2] });
    assert.equal(connect(cc, serverConfig({ ticketer: rotated })).s.negotiated?.resumed, true, 'previous key still opens');
  });

  it('a wrong binder for a ticket the server accepts is decrypt_error (RFC 8446 §4.2.11)', () => {
    const inner = createClientSessionStore();
    const store: ClientSessionStore = {
      put: (n, s) => inner.put(n, { ...s, psk: new Uint8Array(s.psk.length).fill(7) }),
      take: (n) => inner.take(n),
    };
    const cc = clientConfig({ sessionStore: store });
    const sc = serverConfig({ ticketer: createTicketer({ provider }) });
    connect(cc, sc);
    const c = new ClientConnection(cc, 'server.test');
    const s = new ServerConnection(sc);
    assert.throws(() => transfer(c, s), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_PEER_BAD_BINDER' && e.alert === 51);
  });

  it('expired tickets are not offered; a different SNI does not resume', () => {
    let now = Date.now();
    const store = createClientSessionStore();
    const cc = clientConfig({ sessionStore: store, now: () => now });
    const sc = serverConfig({ ticketer: createTicketer({ provider }), ticketLifetimeSeconds: 60, now: () => now });
    connect(cc, sc);
    now += 61_000;
    assert.equal(connect(cc, sc).c.negotiated?.resumed, false);
    assert.equal(store.size, 2, 'the expired ones were dropped, the new ones kept');
    // A state for another name: decodes, but the SNI differs.
    const st = decodeSessionState(encodeSessionState({ cipherSuite: 0x1301, psk: new Uint8Array(32), ticketAgeAdd: 1, issuedAt: now, lifetimeSeconds: 5, maxEarlyDataSize: 0, alpn: null, sni: 'other.test', peerCertificates: [] }));
    assert.equal(st?.sni, 'other.test');
    assert.equal(decodeSessionState(new Uint8Array([9, 9, 9])), null);
  });

  it('resumes after a HelloRetryRequest (binder over ClientHello1, HRR, ClientHello2)', () => {
    const cc = clientConfig({ sessionStore: createClientSessionStore(), groups: ['x25519', 'secp384r1'] });
    const sc = serverConfig({ ticketer: createTicketer({ provider }), groups: ['secp384r1'] });
    connect(cc, sc);
    const { c, s } = connect(cc, sc);
    assert.equal(c.negotiated?.helloRetried, true);
    assert.equal(c.negotiated?.resumed, true);
    assert.equal(s.negotiated?.resumed, true);
  });

  it('async client and server stores', async () => {
    const cInner = createClientSessionStore();
    const sInner = createServerSessionStore();
    const later = <T>(v: T): Promise<T> => new Promise((r) => setImmediate(() => r(v)));
    const cStore: ClientSessionStore = { put: (n, s) => later(cInner.put(n, s)), take: (n) => later(cInner.take(n)) };
    const sStore: ServerSessionStore = { put: (i, v) => later(sInner.put(i, v)), take: (i) => later(sInner.take(i)) };
    const cc = clientConfig({ sessionStore: cStore });
    const sc = serverConfig({ sessionStore: sStore });
    for (let i = 0; i < 2; i++) {
      const c = new ClientConnection(cc, 'server.test');
      const s = new ServerConnection(sc);
      await handshakeAsync(c, s);
      await handshakeAsync(c, s); // tickets and their async puts
      assert.equal(c.negotiated?.resumed, i === 1);
      assert.equal(s.negotiated?.resumed, i === 1);
    }
  });
});

describe('TLS 1.3 0-RTT, in memory', () => {
  const zeroRtt = (max = 1000) => ({
    cc: clientConfig({ sessionStore: createClientSessionStore(), earlyData: true }),
    sc: serverConfig({ sessionStore: createServerSessionStore(), maxEarlyDataSize: max }),
  });

  it('early data is accepted, readable on the server before the handshake completes', () => {
    const { cc, sc } = zeroRtt();
    connect(cc, sc);
    const c = new ClientConnection(cc, 'server.test');
    c.writePlaintext(enc('GET /early'));
    const s = new ServerConnection(sc);
    transfer(c, s);
    assert.equal(s.isHandshaking(), true);
    assert.equal(dec(readAll(s)), 'GET /early');
    handshake(c, s);
    assert.equal(c.negotiated?.earlyDataAccepted, true);
    assert.equal(s.negotiated?.earlyDataAccepted, true);
    assert.equal(c.earlyDataRejected, false);
    assert.deepEqual(c.exportEarlyKeyingMaterial('e', null, 16), s.exportEarlyKeyingMaterial('e', null, 16));
    c.writePlaintext(enc(' and 1-RTT'));
    transfer(c, s);
    assert.equal(dec(readAll(s)), ' and 1-RTT');
  });

  it('data beyond max_early_data_size waits for the handshake, in order', () => {
    const { cc, sc } = zeroRtt(10);
    connect(cc, sc);
    const c = new ClientConnection(cc, 'server.test');
    c.writePlaintext(enc('0123456789abcdef'));
    const s = new ServerConnection(sc);
    transfer(c, s);
    assert.equal(dec(readAll(s)), '0123456789');
    handshake(c, s);
    assert.equal(dec(readAll(s)), 'abcdef');
  });

  it('a replayed first flight is refused: the single-use ticket is gone, early data skipped', () => {
    const { cc, sc } = zeroRtt();
    connect(cc, sc);
    const c = new ClientConnection(cc, 'server.test');
    c.writePlaintext(enc('transfer $100'));
    const flight = c.writeTls()!.slice();
    const s1 = new ServerConnection(sc);
    s1.readTls(flight);
    s1.processNewPackets();
    assert.equal(dec(readAll(s1)), 'transfer $100');
    const s2 = new ServerConnection(sc); // the attacker replays the same bytes
    s2.readTls(flight);
    s2.processNewPackets();
    assert.equal(readAll(s2).length, 0, 'replayed early data is not delivered');
    assert.equal(s2.isHandshaking(), true);
  });

  it('rejected early data (stateless tickets: no anti-replay) is returned to the application', () => {
    const cc = clientConfig({ sessionStore: createClientSessionStore(), earlyData: true });
    const inner = cc.sessionStore as MemoryClientSessionStore;
    const sc = serverConfig({ ticketer: createTicketer({ provider }) });
    connect(cc, sc);
    // The ticketer server never grants 0-RTT; pretend it had, to make the client try.
    const t = inner.take('server.test') as Tls13ClientSession;
    inner.put('server.test', { ...t, maxEarlyDataSize: 1000 });
    const c = new ClientConnection(cc, 'server.test');
    c.writePlaintext(enc('early'));
    const s = new ServerConnection(sc);
    handshake(c, s);
    assert.equal(c.negotiated?.resumed, true);
    assert.equal(c.negotiated?.earlyDataAccepted, false);
    assert.equal(c.earlyDataRejected, true);
    assert.equal(readAll(s).length, 0);
    assert.equal(dec(c.takeRejectedEarlyData()!), 'early');
    assert.equal(c.takeRejectedEarlyData(), null);
  });

  it('more early data than the server allows is unexpected_message', () => {
    const { cc, sc } = zeroRtt(100);
    connect(cc, sc);
    const inner = cc.sessionStore as MemoryClientSessionStore;
    const t = inner.take('server.test') as Tls13ClientSession;
    inner.put('server.test', { ...t, maxEarlyDataSize: 100_000 });
    const c = new ClientConnection(cc, 'server.test');
    c.writePlaintext(new Uint8Array(5000));
    const s = new ServerConnection(sc);
    assert.throws(() => transfer(c, s), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_PEER_EARLY_DATA_OVERFLOW' && e.alert === 10);
  });

  it('0-RTT is refused without a single-use store (config check)', () => {
    assert.throws(() => serverConfig({ ticketer: createTicketer({ provider }), maxEarlyDataSize: 10 }), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG');
  });
});
