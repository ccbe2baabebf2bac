/**
 * Messages between the benchmark driver (`main.ts`) and its worker processes (`worker.ts`),
 * sent over the fork IPC channel. Every request carries an `id`; the worker answers with the
 * same `id` once the work is done.
 */
import type { BenchCerts, CertKind } from './certs.ts';

/** The two TLS stacks compared. */
export type Impl = 'typetls' | 'node';

/** What a server does with each established connection. */
export type ServerMode =
  /** One listener: write one byte once the handshake completes (proof the server side finished), then idle. */
  | 'hello'
  /**
   * Two listeners. Port 0 is a sink: count received bytes, write one acknowledgement byte after
   * every `bulkBytes`. Port 1 is a source: on every byte received, write `bulkBytes` in 64 KiB writes.
   */
  | 'bulk';

/** Connection parameters both sides share. */
export interface TlsParams {
  readonly impl: Impl;
  readonly certs: BenchCerts;
  readonly certKind: CertKind;
  /** IANA suite name (TLS 1.3 or TLS 1.2, matching `version`). */
  readonly suite: string;
  /** typetls key exchange group name; default 'x25519' (node:tls always uses X25519). */
  readonly group?: string;
  readonly bulkBytes: number;
  /** Protocol version both ends are pinned to; default TLS 1.3. */
  readonly version?: TlsVersion;
  /**
   * Session resumption: 'none' (default: typetls issues no tickets, clients keep none),
   * 'tls13-psk' (RFC 8446 PSK with (EC)DHE, tickets), 'tls12-ticket' (RFC 5077 tickets).
   */
  readonly resumption?: Resumption;
}

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';
export type Resumption = 'none' | 'tls13-psk' | 'tls12-ticket';

/**
 * Tickets a server sends per full handshake (priming, not measured) and per resumed handshake
 * (measured), the same for both stacks; the client worker checks both. node:tls' server
 * (OpenSSL 3 with Node's ticket key callback) sends 2 NewSessionTickets after a full TLS 1.3
 * handshake and none after a resumed one (a ticket that opens is not renewed), and one RFC 5077
 * ticket after a full TLS 1.2 handshake, none after an abbreviated one. typetls' server sends
 * `ticketsToSend` after every TLS 1.3 handshake, so the server worker switches its config to
 * `ticketsToSend: 2` while priming and to 0 for the measured window (same ticketer, so the
 * tickets still open); its TLS 1.2 abbreviated handshake sends no ticket.
 */
export const TICKETS_PER_FULL: Readonly<Record<Resumption, number>> = { 'none': 0, 'tls13-psk': 2, 'tls12-ticket': 1 };
export const TICKETS_PER_RESUMPTION: Readonly<Record<Resumption, number>> = { 'none': 0, 'tls13-psk': 0, 'tls12-ticket': 0 };

export type WorkerInit =
  | { readonly role: 'server'; readonly params: TlsParams; readonly mode: ServerMode }
  | { readonly role: 'client'; readonly params: TlsParams; readonly ports: readonly number[] }
  | { readonly role: 'inproc'; readonly params: TlsParams };

export type WorkerRequest =
  /** Server: issue tickets after each handshake (priming) or not (measured resumed handshakes); see TICKETS_PER_FULL. */
  | { readonly id: number; readonly cmd: 'tickets'; readonly issue: boolean }
  /** Server: reply with CPU time (and memory, after GC when `gc`) since the previous mark. */
  | { readonly id: number; readonly cmd: 'mark'; readonly gc: boolean }
  /**
   * Client: `n` handshakes, `concurrency` in flight; full ones, or with `resume` each resumes a
   * session from an earlier connection (the worker fails the request if one does not resume).
   */
  | { readonly id: number; readonly cmd: 'handshakes'; readonly n: number; readonly concurrency: number; readonly resume?: boolean }
  /** Client: full handshakes (not measured) until at least `sessions` tickets/sessions are kept. */
  | { readonly id: number; readonly cmd: 'prime'; readonly sessions: number }
  /**
   * Client (not measured): one resumed connection kept open for 50 ms, so that tickets arriving
   * after the server's first byte are counted too; fails unless it resumed and got
   * TICKETS_PER_RESUMPTION tickets (the measured connections close at the first byte).
   */
  | { readonly id: number; readonly cmd: 'checkResumption' }
  /** Client: on the persistent connection, send (`c2s`) or receive (`s2c`) `bulkBytes`. */
  | { readonly id: number; readonly cmd: 'bulk'; readonly direction: 'c2s' | 's2c' }
  /** Client: open `n` connections and keep them; reply with memory deltas after GC. */
  | { readonly id: number; readonly cmd: 'idleOpen'; readonly n: number; readonly concurrency: number }
  | { readonly id: number; readonly cmd: 'idleClose' }
  /** In-process: `n` handshakes between two engines / two node:tls sockets in one process (with `resume`: TLS 1.3 PSK resumed ones). */
  | { readonly id: number; readonly cmd: 'memHandshakes'; readonly n: number; readonly resume?: boolean }
  /** In-process: move `bulkBytes` client to server in 64 KiB writes. */
  | { readonly id: number; readonly cmd: 'memBulk' }
  | { readonly id: number; readonly cmd: 'exit' };

/** A worker's measurement of one request. */
export interface WorkResult {
  /** Wall-clock duration of the measured work (ms). */
  readonly wallMs: number;
  /** CPU time (user + system) of this process over the measured window (µs). */
  readonly cpuUs: number;
  /** Per-handshake latencies (ms), when handshakes were run. */
  readonly latenciesMs: readonly number[];
  /** Memory change (bytes) over the window, measured after GC (`idleOpen`, `mark` with gc). */
  readonly rssDelta: number;
  readonly heapDelta: number;
}

export type WorkerMessage =
  | { readonly kind: 'ready'; readonly ports: readonly number[] }
  | { readonly kind: 'result'; readonly id: number; readonly result: WorkResult }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };
