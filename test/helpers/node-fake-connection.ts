/**
 * A stand-in `TlsConnection` with a trivial framing (no cryptography) for testing the Node
 * adapter's driving loop on its own: frames are type u8 | length u24 | payload, with
 * 1 = hello, 2 = data, 3 = close_notify, 4 = alert (payload: description).
 * The client sends hello at once; the server answers hello; both are then "handshaken".
 */
import { Buffer } from 'node:buffer';
import { Duplex } from 'node:stream';
import type { IoState, NegotiatedParameters, TlsConnection } from '../../src/core/conn/api.ts';
import { TlsAlertReceivedError, TlsError, TlsUsageError } from '../../src/core/errors.ts';

export interface FakeOptions {
  /** Server: fail on the client's hello with this error (its alert is sent). */
  readonly failHandshake?: TlsError;
  /** Server: park on this Promise after the hello (a pending user callback). */
  readonly blockOn?: Promise<void>;
  /** Input buffer limit: readTls accepts at most this many unprocessed bytes. */
  readonly inputLimit?: number;
}

const Frame = { Hello: 1, Data: 2, Close: 3, Alert: 4 } as const;

export class FakeConnection implements TlsConnection {
  readonly side: 'client' | 'server';
  negotiated: NegotiatedParameters | null = null;
  error: TlsError | null = null;
  private input = new Uint8Array(0);
  private output: Uint8Array[] = [];
  private plaintext: Uint8Array[] = [];
  private pendingWrites: Uint8Array[] = [];
  private closedByPeer = false;
  private sentClose = false;
  private blocked: Promise<void> | null = null;
  private readonly options: FakeOptions;
  /** Total plaintext bytes ever queued for the application. */
  delivered = 0;

  constructor(side: 'client' | 'server', options: FakeOptions = {}) {
    this.side = side;
    this.options = options;
    if (side === 'client') this.frame(Frame.Hello, new Uint8Array(0));
  }

  /** Counts the adapter's lends; the fake copies either way. */
  lends = 0;

  lendTls(data: Uint8Array): number {
    this.lends++;
    return this.readTls(data);
  }

  readTls(data: Uint8Array): number {
    const limit = this.options.inputLimit ?? 1 << 20;
    const n = Math.min(data.length, limit - this.input.length);
    if (n <= 0) return 0;
    const next = new Uint8Array(this.input.length + n);
    next.set(this.input);
    next.set(data.subarray(0, n), this.input.length);
    this.input = next;
    return n;
  }

  processNewPackets(): IoState {
    if (this.error) throw this.error;
    while (this.blocked === null && this.input.length >= 4) {
      const len = (this.input[1]! << 16) | (this.input[2]! << 8) | this.input[3]!;
      if (this.input.length < 4 + len) break;
      const type = this.input[0]!;
      const body = this.input.slice(4, 4 + len);
      this.input = this.input.slice(4 + len);
      this.handle(type, body);
    }
    let t = 0;
    for (const o of this.output) t += o.length;
    let p = 0;
    for (const o of this.plaintext) p += o.length;
    return { tlsBytesToWrite: t, plaintextBytesToRead: p, peerHasClosed: this.closedByPeer };
  }

  private handle(type: number, body: Uint8Array): void {
    if (type === Frame.Alert) {
      this.error = new TlsAlertReceivedError(body[0] ?? 0, 'fake');
      throw this.error;
    }
    if (this.closedByPeer) return this.failWith(new TlsError('ERR_TLS_RECORD_DATA_AFTER_CLOSE', 'frame after close_notify'));
    if (type === Frame.Hello) {
      if (this.negotiated !== null) return this.failWith(new TlsError('ERR_TLS_PEER_UNEXPECTED_MESSAGE', 'second hello'));
      if (this.side === 'server') {
        if (this.options.failHandshake) return this.failWith(this.options.failHandshake);
        this.frame(Frame.Hello, new Uint8Array(0));
        if (this.options.blockOn) {
          const p = this.options.blockOn;
          this.blocked = p.then(() => {
            this.blocked = null;
            this.complete();
          });
          return;
        }
      }
      this.complete();
    } else if (type === Frame.Data) {
      if (this.negotiated === null) return this.failWith(new TlsError('ERR_TLS_PEER_UNEXPECTED_MESSAGE', 'data before hello'));
      this.plaintext.push(body);
      this.delivered += body.length;
    } else if (type === Frame.Close) {
      this.closedByPeer = true;
    } else {
      this.failWith(new TlsError('ERR_TLS_RECORD_BAD_TYPE', `frame type ${type}`));
    }
  }

  private failWith(e: TlsError): never {
    this.error = e;
    if (e.alert !== null) this.frame(Frame.Alert, new Uint8Array([e.alert]));
    throw e;
  }

  private complete(): void {
    this.negotiated = {
      protocolVersion: 'TLSv1.3', cipherSuite: 'FAKE_NULL', cipherSuiteId: 0, group: null, groupId: null,
      alpn: null, serverName: null, peerCertificates: [], peerSignatureScheme: null, resumed: false, helloRetried: false,
    };
    for (const w of this.pendingWrites) this.sendData(w);
    this.pendingWrites = [];
  }

  writeTls(): Uint8Array | null {
    if (this.output.length === 0) return null;
    const all = this.output;
    this.output = [];
    let n = 0;
    for (const o of all) n += o.length;
    const out = new Uint8Array(n);
    let off = 0;
    for (const o of all) {
      out.set(o, off);
      off += o.length;
    }
    return out;
  }

  wantsRead(): boolean { return !this.closedByPeer; }
  wantsWrite(): boolean { return this.output.length > 0; }
  isHandshaking(): boolean { return this.negotiated === null; }
  blockedOn(): Promise<void> | null { return this.blocked; }

  readPlaintext(): Uint8Array | null {
    return this.plaintext.shift() ?? null;
  }

  writePlaintext(data: Uint8Array): void {
    if (this.sentClose) throw new TlsUsageError('ERR_TLS_USAGE_CLOSED', 'write after close_notify');
    const copy = data.slice();
    if (this.negotiated === null) this.pendingWrites.push(copy);
    else this.sendData(copy);
  }

  sendCloseNotify(): void {
    if (this.sentClose) return;
    this.sentClose = true;
    this.frame(Frame.Close, new Uint8Array(0));
  }

  updateKeys(): void {}

  exportKeyingMaterial(_label: string, _context: Uint8Array | null, length: number): Uint8Array {
    return new Uint8Array(length);
  }

  private sendData(d: Uint8Array): void {
    for (let i = 0; i < d.length; i += 16384) this.frame(Frame.Data, d.subarray(i, i + 16384));
  }

  private frame(type: number, body: Uint8Array): void {
    const f = new Uint8Array(4 + body.length);
    f[0] = type;
    f[1] = body.length >> 16;
    f[2] = (body.length >> 8) & 0xff;
    f[3] = body.length & 0xff;
    f.set(body, 4);
    this.output.push(f);
  }
}

/**
 * Two connected in-memory Duplex streams with real backpressure: a write completes only when
 * the other side's readable buffer has room (Node 20 has no `stream.duplexPair`).
 */
export function duplexPair(highWaterMark = 16 * 1024): [Duplex, Duplex] {
  const a = new MemoryEnd(highWaterMark);
  const b = new MemoryEnd(highWaterMark);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class MemoryEnd extends Duplex {
  peer: MemoryEnd | null = null;
  private waiting: (() => void) | null = null;

  constructor(highWaterMark: number) {
    super({ allowHalfOpen: true, highWaterMark });
  }

  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    const peer = this.peer!;
    if (peer.destroyed) {
      cb(new Error('peer destroyed'));
      return;
    }
    if (peer.push(Buffer.from(chunk))) cb();
    else peer.waiting = () => cb();
  }

  override _final(cb: () => void): void {
    this.peer!.push(null);
    cb();
  }

  override _read(): void {
    const w = this.waiting;
    this.waiting = null;
    if (w) w();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const peer = this.peer!;
    if (!peer.destroyed) process.nextTick(() => peer.destroy());
    cb(err);
  }
}
