/**
 * The typetls side of `endpoints.ts`, loaded only by typetls workers (dynamic import there).
 */
import type { Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { createClientSessionStore, type ClientSessionStore, type Tls12ClientSession, type Tls13ClientSession } from '../src/core/client/session-store.ts';
import { createTicketer } from '../src/core/server/ticketer.ts';
import { connect, createClientConnectConfig, createServer, createServerListenConfig, type TlsSocket } from '../src/node/index.ts';
import { nodeCryptoProvider } from '../src/providers/node/index.ts';
import { MAX_SESSIONS, TLS12_GROUPS, type BenchClient } from './endpoints.ts';
import { TICKETS_PER_FULL, TICKETS_PER_RESUMPTION, type TlsParams } from './protocol.ts';

/** typetls options pinning `p`'s version, suite and group. */
function typetlsVersionOptions(p: TlsParams): { cipherSuites: string[]; groups: string[]; minVersion: 'TLSv1.2' | 'TLSv1.3'; maxVersion: 'TLSv1.2' | 'TLSv1.3'; keyLog: null; certificateCompression: 'none' } {
  const version = p.version ?? 'TLSv1.3';
  const groups = version === 'TLSv1.2' ? [...TLS12_GROUPS] : [p.group ?? 'x25519'];
  // node:tls (OpenSSL 3.0 as Node builds it) neither offers nor does RFC 8879 certificate
  // compression: typetls does none either here, so both stacks do the same work.
  return { cipherSuites: [p.suite], groups, minVersion: version, maxVersion: version, keyLog: null, certificateCompression: 'none' };
}

/**
 * A typetls server for `p` (not listening yet) and its ticket switch (see BenchServer.issueTickets).
 * typetls issues tickets only with a ticketer, `ticketsToSend` after every TLS 1.3 handshake: as
 * many as OpenSSL while priming, none in the measured window (protocol.ts).
 */
export function typetlsServer(p: TlsParams, onSecure: (s: Duplex) => void): { server: Server; issueTickets: (issue: boolean) => void } {
  const id = p.certs.servers[p.certKind];
  const mode = p.resumption ?? 'none';
  const options = { cert: id.chainPem, key: id.keyPem, ...typetlsVersionOptions(p) };
  const ticketer = mode === 'none' ? null : createTicketer({ provider: nodeCryptoProvider });
  const s = createServer(ticketer === null ? options : { ...options, ticketer, ticketsToSend: TICKETS_PER_FULL[mode] });
  let issueTickets = (_issue: boolean): void => {};
  if (ticketer !== null) {
    const priming = s.config;
    const measured = createServerListenConfig({ ...options, ticketer, ticketsToSend: TICKETS_PER_RESUMPTION[mode] });
    issueTickets = (issue) => s.setConfig(issue ? priming : measured);
  }
  s.on('secureConnection', onSecure);
  return { server: s, issueTickets };
}

/** The typetls client factory for `p` (see BenchClient). */
export function typetlsClient(p: TlsParams, port: number): BenchClient {
  const resumption = p.resumption ?? 'none';
  const base = { ca: p.certs.caPem, ...typetlsVersionOptions(p) };
  const resumed = (s: Duplex): boolean => (s as TlsSocket).negotiated?.resumed === true;
  if (resumption === 'none') {
    const config = createClientConnectConfig(base);
    return { open: () => connect({ host: '127.0.0.1', port, servername: 'localhost', config }), sessions: () => 0, ticketsReceived: () => 0, resumed };
  }
  const store = createClientSessionStore({ maxTicketsPerServer: MAX_SESSIONS });
  let tickets = 0;
  // Two views of one store: full handshakes (priming) only add to it, resumed ones also take.
  const keep: ClientSessionStore = {
    put(name: string, s: Tls13ClientSession) { tickets++; store.put(name, s); },
    take: () => null,
    setTls12(name: string, s: Tls12ClientSession) {
      if (s.ticket !== null) tickets++;
      store.setTls12(name, s);
    },
    getTls12: () => null,
    removeTls12: (name: string) => store.removeTls12(name),
  };
  const use: ClientSessionStore = { ...keep, take: (name) => store.take(name), getTls12: (name) => store.getTls12(name) };
  const extra = resumption === 'tls12-ticket' ? { tls12SessionTickets: true } : {};
  const full = createClientConnectConfig({ ...base, ...extra, sessionStore: keep });
  const resume = createClientConnectConfig({ ...base, ...extra, sessionStore: use });
  return {
    open(again = false) {
      if (again && (resumption === 'tls12-ticket' ? store.tls12Size : store.size) === 0) throw new Error(`bench: ${p.impl} client has no session kept to resume`);
      return connect({ host: '127.0.0.1', port, servername: 'localhost', config: again ? resume : full });
    },
    sessions: () => (resumption === 'tls12-ticket' ? store.tls12Size : store.size),
    ticketsReceived: () => tickets,
    resumed,
  };
}
