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
  /** IANA TLS 1.3 suite name. */
  readonly suite: string;
  /** typetls key exchange group name; default 'x25519' (node:tls always uses X25519). */
  readonly group?: string;
  readonly bulkBytes: number;
}

export type WorkerInit =
  | { readonly role: 'server'; readonly params: TlsParams; readonly mode: ServerMode }
  | { readonly role: 'client'; readonly params: TlsParams; readonly ports: readonly number[] }
  | { readonly role: 'inproc'; readonly params: TlsParams };

export type WorkerRequest =
  /** Server: reply with CPU time (and memory, after GC when `gc`) since the previous mark. */
  | { readonly id: number; readonly cmd: 'mark'; readonly gc: boolean }
  /** Client: `n` full handshakes, `concurrency` in flight. */
  | { readonly id: number; readonly cmd: 'handshakes'; readonly n: number; readonly concurrency: number }
  /** Client: on the persistent connection, send (`c2s`) or receive (`s2c`) `bulkBytes`. */
  | { readonly id: number; readonly cmd: 'bulk'; readonly direction: 'c2s' | 's2c' }
  /** Client: open `n` connections and keep them; reply with memory deltas after GC. */
  | { readonly id: number; readonly cmd: 'idleOpen'; readonly n: number; readonly concurrency: number }
  | { readonly id: number; readonly cmd: 'idleClose' }
  /** In-process: `n` handshakes between two engines / two node:tls sockets in one process. */
  | { readonly id: number; readonly cmd: 'memHandshakes'; readonly n: number }
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
