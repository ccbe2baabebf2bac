/**
 * The two TLS stacks behind one shape: a server that hands established sockets to a callback,
 * and a client `open()` that returns a socket right away. Both stacks get the same suite,
 * group (X25519), certificate chain, trust anchor and server name, and both share their parsed
 * trust anchors across connections (node:tls through one SecureContext, typetls through one
 * ClientConfig), so neither pays a per-connection setup cost the other avoids. This file loads
 * node:tls only; the typetls side (`endpoints-typetls.ts`) is imported by typetls workers alone,
 * so node:tls workers start without loading typetls.
 */
import { constants } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { TlsParams } from './protocol.ts';

/** OpenSSL names of the TLS 1.2 suites the scenarios use (node:tls' `ciphers` takes these). */
const OPENSSL_TLS12_NAMES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};

/**
 * TLS 1.2 (RFC 8422 §5.1.1): the client's supported_groups also bound the curve of an ECDSA
 * server certificate, so both stacks refuse a P-256 certificate when only X25519 is offered.
 * Both ends list X25519 first, so the key exchange stays X25519.
 */
export const TLS12_GROUPS: readonly string[] = ['x25519', 'secp256r1'];

/** node:tls options pinning `p`'s version and suite (TLS 1.3 suites keep their IANA names). */
function nodeVersionOptions(p: TlsParams): { ciphers: string; ecdhCurve: string; minVersion: tls.SecureVersion; maxVersion: tls.SecureVersion } {
  const version = p.version ?? 'TLSv1.3';
  let ciphers = p.suite;
  if (version === 'TLSv1.2') {
    const name = OPENSSL_TLS12_NAMES[p.suite];
    if (name === undefined) throw new Error(`bench: no OpenSSL name for ${p.suite}`);
    ciphers = name;
  }
  return { ciphers, ecdhCurve: version === 'TLSv1.2' ? 'X25519:P-256' : 'X25519', minVersion: version, maxVersion: version };
}

/** A listening server. */
export interface BenchServer {
  readonly port: number;
  /**
   * Whether TLS 1.3 tickets are sent after each handshake (TICKETS_PER_FULL): on for priming,
   * off for measured resumed handshakes. typetls switches configs; node:tls needs nothing
   * (OpenSSL sends none after a resumed handshake, 2 after a full one).
   */
  issueTickets(issue: boolean): void;
  close(): Promise<void>;
}

const noop = (): void => {};

/** Starts a server on 127.0.0.1 (ephemeral port); `onSecure` gets each established socket. */
export async function startServer(p: TlsParams, onSecure: (s: Duplex) => void): Promise<BenchServer> {
  const id = p.certs.servers[p.certKind];
  let server: import('node:net').Server;
  let issueTickets = (_issue: boolean): void => {};
  if (p.impl === 'node') {
    // Tickets are on by default in node:tls (stateless, OpenSSL's ticket keys): 2 after a full
    // TLS 1.3 handshake, none after a resumed one; RFC 5077 tickets when a TLS 1.2 client asks.
    const s = tls.createServer({ cert: id.chainPem, key: id.keyPem, ...nodeVersionOptions(p) });
    s.on('secureConnection', (sock) => { sock.on('error', noop); onSecure(sock); });
    s.on('tlsClientError', noop);
    server = s;
  } else {
    const t = await import('./endpoints-typetls.ts');
    ({ server, issueTickets } = t.typetlsServer(p, (sock) => { sock.on('error', noop); onSecure(sock); }));
    server.on('tlsClientError', noop);
  }
  const live = new Set<import('node:net').Socket>();
  server.on('connection', (c: import('node:net').Socket) => {
    live.add(c);
    c.on('close', () => live.delete(c));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    issueTickets,
    close: () => new Promise<void>((resolve) => {
      for (const c of live) c.destroy();
      server.close(() => resolve());
    }),
  };
}

/**
 * A client factory: `open()` starts a connection; the socket emits 'data' once the server has
 * finished its handshake. With resumption, the factory keeps the sessions its connections get.
 */
export interface BenchClient {
  /** Starts a connection: a full handshake, or (`resume`) one offering a kept session. @throws Error when `resume` and no session is kept. */
  open(resume?: boolean): Duplex;
  /** Sessions kept for resumption (TLS 1.3: unused tickets; TLS 1.2: 0 or 1 reusable session). */
  sessions(): number;
  /** Tickets (TLS 1.3 NewSessionTicket; TLS 1.2 new sessions or tickets) received so far. */
  ticketsReceived(): number;
  /** The handshake of `s` (established) resumed a session. */
  resumed(s: Duplex): boolean;
}

/** Tickets kept per client (both stacks): one per measured resumed connection of a repetition. */
export const MAX_SESSIONS = 1024;

/** Builds the client side for `p` (anchors parsed once here). typetls is loaded only by its own workers. */
export async function makeClient(p: TlsParams, port: number): Promise<BenchClient> {
  return p.impl === 'node' ? nodeClient(p, port) : (await import('./endpoints-typetls.ts')).typetlsClient(p, port);
}

function nodeClient(p: TlsParams, port: number): BenchClient {
  const resumption = p.resumption ?? 'none';
  const version = nodeVersionOptions(p);
  // A TLS 1.2 client asks for an RFC 5077 ticket by default; typetls' does not
  // (tls12SessionTickets), so node:tls' is told not to unless the scenario resumes (same work).
  const secureOptions = version.maxVersion === 'TLSv1.2' && resumption !== 'tls12-ticket' ? constants.SSL_OP_NO_TICKET : 0;
  const secureContext = tls.createSecureContext({ ca: p.certs.caPem, ...version, secureOptions });
  const base = { host: '127.0.0.1', port, servername: 'localhost', secureContext };
  if (resumption === 'none') {
    return { open: () => tls.connect(base), sessions: () => 0, ticketsReceived: () => 0, resumed: (s) => (s as tls.TLSSocket).isSessionReused() };
  }
  // TLS 1.3: each ticket once (RFC 8446 C.4), newest first, as typetls' store. TLS 1.2: the one
  // session, offered again and again (as typetls' store does), replaced by a newer one.
  const pool: Buffer[] = [];
  let tickets = 0;
  const onSession = (session: Buffer): void => {
    tickets++;
    if (resumption === 'tls12-ticket') pool.length = 0;
    pool.push(session);
    if (pool.length > MAX_SESSIONS) pool.shift();
  };
  return {
    open(resume = false) {
      let session: Buffer | undefined;
      if (resume) {
        session = resumption === 'tls12-ticket' ? pool[pool.length - 1] : pool.pop();
        if (session === undefined) throw new Error(`bench: ${p.impl} client has no session kept to resume`);
      }
      const s = tls.connect(session === undefined ? base : { ...base, session });
      s.on('session', onSession);
      return s;
    },
    sessions: () => pool.length,
    ticketsReceived: () => tickets,
    resumed: (s) => (s as tls.TLSSocket).isSessionReused(),
  };
}
