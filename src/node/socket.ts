/**
 * `TlsSocket`: a `stream.Duplex` of plaintext over a `TlsConnection` and any transport Duplex
 * (a `net.Socket` by default). It runs the driving loop of `src/core/conn/api.ts`: transport
 * bytes go to `readTls`, `processNewPackets` runs, `writeTls` output goes to the transport and
 * `readPlaintext` output is pushed to the readable side.
 *
 * Backpressure: when `push()` returns false the transport is paused until `_read()`; a
 * `_write()` callback waits for the handshake and for the transport's 'drain'.
 * Half-close: `end()` sends close_notify then ends the transport; a received close_notify ends
 * the readable side (with `allowHalfOpen: false`, the default, we then end too).
 */
import { Buffer } from 'node:buffer';
import { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TlsError, asTlsError, isTlsError } from '../core/errors.ts';
import type { NegotiatedParameters, TlsConnection } from '../core/conn/api.ts';
import { isRecyclableSealed, recycleSealed } from '../providers/node/aead.ts';

/** Options of `new TlsSocket()`. */
export interface TlsSocketOptions {
  /** The engine connection to drive (a `ClientConnection` or `ServerConnection`). */
  readonly connection: TlsConnection;
  /** The byte stream underneath, e.g. a `net.Socket`. */
  readonly transport: Duplex;
  /** Keep our writable side open after the peer's close_notify. Default false (as node:tls). */
  readonly allowHalfOpen?: boolean;
  /** Readable/writable high-water mark in bytes. Default 16 KiB (one full record). */
  readonly highWaterMark?: number;
  /** Fail the handshake with ERR_TLS_CLOSED after this many ms; 0 disables. Default 0. */
  readonly handshakeTimeout?: number;
}

const kOwner = Symbol('typetls.socket');

type TransportWithOwner = Duplex & { [kOwner]?: TlsSocket };

/**
 * A TLS connection as a Node stream. Events beyond `stream.Duplex`:
 * - `'secureConnect'` (client) / `'secure'` (server): the handshake completed;
 * - `'error'` with a `TlsError` (match on `code`); a fatal alert is flushed to the transport
 *   before it is closed.
 *
 * Chunks read are `Buffer` views of bytes the engine handed over; they are not copied.
 * @example
 * const s = new TlsSocket({ connection: new ClientConnection(config, 'example.com'), transport: net.connect(443, 'example.com') });
 * s.on('secureConnect', () => s.end('GET / HTTP/1.0\r\n\r\n'));
 */
export class TlsSocket extends Duplex {
  /** The engine connection (for diagnostics; drive it only through this socket). */
  readonly connection: TlsConnection;
  /** The transport underneath. */
  readonly transport: Duplex;
  /** Always true: lets code written for node:tls tell a TLS socket apart. */
  readonly encrypted = true;
  // Driving-loop state, read and written by the module-level functions below (internal).
  // Invariants: `_blocked` is true exactly while a user callback's Promise is pending;
  // `_secureEstablished` flips once, when the handshake first completes; `_failed` once.
  /** @internal */ _blocked = false;
  /** @internal */ _secureEstablished = false;
  /** @internal */ _failed = false;
  /** @internal */ _readPaused = false;
  /** @internal */ _peerClosed = false;
  /** @internal The transport's readable side ended (TCP FIN). */
  _transportEnded = false;
  /** @internal A `_write`/`_final` callback waiting for the handshake or the transport's 'drain'. */
  _pendingCallback: ((err?: Error | null) => void) | null = null;
  /** @internal The pending callback is `_final`'s: send close_notify once the handshake is done. */
  _pendingIsFinal = false;
  /** @internal drive() is on the stack: a nested call only asks it for another turn. */
  _driving = false;
  /** @internal A nested drive() asked the running one for another turn. */
  _redrive = false;
  /** @internal The node provider's send buffers written to the transport, recycled at its 'drain'. */
  _sentBuffers: Uint8Array[] | null = null;
  /** @internal The transport is corked for the turn that completes the handshake (see driveOnce). */
  _corked = false;
  /** @internal Our 'drain' listener is on the transport (added at the first write it refuses or buffer it tracks). */
  _drainHooked = false;
  /** @internal When the handshake times out (`performance.now()` ms); 0 when no timeout is pending. */
  _handshakeDeadline = 0;
  /** @internal Transport chunks are lent to the engine (`lendTls`), decided at the first chunk. */
  _lendReads: boolean | null = null;

  constructor(options: TlsSocketOptions) {
    const hwm = options.highWaterMark ?? 16 * 1024;
    super({ allowHalfOpen: options.allowHalfOpen ?? false, readableHighWaterMark: hwm, writableHighWaterMark: hwm, decodeStrings: true });
    this.connection = options.connection;
    this.transport = options.transport;
    const t = this.transport as TransportWithOwner;
    t[kOwner] = this;
    t.on('data', onTransportData);
    t.on('end', onTransportEnd);
    t.on('error', onTransportError);
    t.on('close', onTransportClose);
    if (options.handshakeTimeout !== undefined && options.handshakeTimeout > 0) {
      watchHandshake(this, options.handshakeTimeout);
    }
    // The client's ClientHello is ready at once; the server waits for bytes (its 'data'
    // listener drives it), so it skips this turn, which would find nothing to do.
    if (this.connection.side === 'client') process.nextTick(drive, this);
  }

  /** The negotiated ALPN protocol, or null (none negotiated, or still handshaking). */
  get alpnProtocol(): string | null {
    return this.connection.negotiated?.alpn ?? null;
  }

  /** Everything the handshake agreed on, or null while handshaking. */
  get negotiated(): NegotiatedParameters | null {
    return this.connection.negotiated;
  }

  /** True once the handshake has completed. */
  get secure(): boolean {
    return this._secureEstablished;
  }

  /** The peer's certificate chain as sent, end-entity first (DER); empty when none or still handshaking. */
  getPeerCertificates(): readonly Uint8Array[] {
    return this.connection.negotiated?.peerCertificates ?? [];
  }

  /** The transport's remote address, when it is a `net.Socket`. */
  get remoteAddress(): string | undefined {
    return (this.transport as { remoteAddress?: string }).remoteAddress;
  }

  get remotePort(): number | undefined {
    return (this.transport as { remotePort?: number }).remotePort;
  }

  override _read(): void {
    if (this._readPaused) {
      this._readPaused = false;
      this.transport.resume();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    // The engine holds it until the handshake completes (api.ts step 5).
    writeThenPark(this, callback, () => this.connection.writePlaintext(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
  }

  /**
   * Chunks the application wrote while an earlier write was pending. Small ones are joined so
   * they share records (each record costs a cipher object in node:crypto; node:tls likewise
   * hands several buffered chunks to one SSL_write); a chunk of a full record or more is sealed
   * as it is and sent at once, so large chunks are not copied into a joined buffer.
   */
  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: (err?: Error | null) => void): void {
    writeThenPark(this, callback, () => {
      const c = this.connection;
      let run: Buffer[] | null = null;
      let runBytes = 0;
      for (const { chunk } of chunks) {
        if (chunk.length < JOIN_BELOW) {
          (run ??= []).push(chunk);
          runBytes += chunk.length;
          continue;
        }
        if (run !== null) {
          c.writePlaintext(joined(run, runBytes));
          run = null;
          runBytes = 0;
        }
        c.writePlaintext(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        flushTls(this);
      }
      if (run !== null) c.writePlaintext(joined(run, runBytes));
    });
  }


  override _final(callback: (err?: Error | null) => void): void {
    if (this._failed) {
      callback();
      return;
    }
    // close_notify goes out once the handshake is done (see releasePending).
    this._pendingCallback = callback;
    this._pendingIsFinal = true;
    drive(this);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.clearHandshakeTimer();
    const t = this.transport;
    if (err !== null && !this._failed) {
      this._failed = true;
      flushTls(this); // the engine's alert, if it produced one
    }
    const cb = this._pendingCallback;
    this._pendingCallback = null;
    if (cb !== null) cb(err ?? new TlsError('ERR_TLS_CLOSED', 'socket destroyed before the write completed'));
    // Destroyed from a 'secure'/'secureConnect' listener: the flight is in the corked transport; send it first.
    uncorkTransport(this);
    if (!t.destroyed) {
      if (err !== null && t.writable && !t.writableEnded) {
        // The alert must reach the peer before the transport closes: end, then destroy on finish.
        t.once('finish', destroyTransport);
        t.end();
      } else {
        t.destroy();
      }
    }
    callback(err);
  }

  /** @internal */
  clearHandshakeTimer(): void {
    if (this._handshakeDeadline !== 0) {
      this._handshakeDeadline = 0;
      handshakesWatched.delete(this);
    }
  }
}

// ---- handshake timeouts: one shared timer, not one per connection ----
// A Timeout per connection (setTimeout, unref, clearTimeout) costs a timer-list insert and
// removal and ref-count toggles on every handshake; a Set entry and one number cost less. The
// shared timer is set for the earliest deadline (re-armed when a socket needs an earlier one)
// and rechecks no sooner than SWEEP_MIN_MS after a sweep, so a timeout fires at most that late.

const handshakesWatched = new Set<TlsSocket>();
let sweepTimer: ReturnType<typeof setTimeout> | null = null;
/** When `sweepTimer` fires (`performance.now()` ms). */
let sweepAt = 0;
const SWEEP_MIN_MS = 10;

function watchHandshake(s: TlsSocket, timeoutMs: number): void {
  const deadline = performance.now() + timeoutMs;
  s._handshakeDeadline = deadline;
  handshakesWatched.add(s);
  if (sweepTimer === null || deadline < sweepAt) armSweep(deadline);
}

function armSweep(at: number): void {
  if (sweepTimer !== null) clearTimeout(sweepTimer);
  sweepAt = at;
  sweepTimer = setTimeout(sweepHandshakes, Math.max(0, at - performance.now()));
  // Like the per-connection timers before: a pending handshake does not keep the process alive.
  sweepTimer.unref();
}

function sweepHandshakes(): void {
  sweepTimer = null;
  const now = performance.now();
  let next = Infinity;
  const expired: TlsSocket[] = [];
  for (const s of handshakesWatched) {
    if (s._handshakeDeadline <= now) expired.push(s);
    else if (s._handshakeDeadline < next) next = s._handshakeDeadline;
  }
  for (const s of expired) {
    s.clearHandshakeTimer();
    onHandshakeTimeout(s);
  }
  if (next !== Infinity && sweepTimer === null) armSweep(Math.max(next, now + SWEEP_MIN_MS));
}

// ---- module-level listeners and the driving loop (no per-chunk closures) ----

/** `_writev` joins chunks smaller than one full record (2^14 bytes, RFC 8446 §5.1). */
const JOIN_BELOW = 16 * 1024;

function joined(run: Buffer[], bytes: number): Uint8Array {
  const b = run.length === 1 ? run[0]! : Buffer.concat(run, bytes);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function ownerOf(t: Duplex): TlsSocket | undefined {
  return (t as TransportWithOwner)[kOwner];
}

/**
 * `_write`/`_writev`: hands the plaintext to the engine (`write`), then parks the callback until
 * the records are sent (releasePending); a failed connection or a refused write calls back with
 * the error at once.
 */
function writeThenPark(s: TlsSocket, callback: (err?: Error | null) => void, write: () => void): void {
  if (s._failed) {
    callback(s.connection.error ?? new TlsError('ERR_TLS_USAGE_CLOSED', 'write after the connection failed'));
    return;
  }
  try {
    write();
  } catch (e) {
    callback(asTlsError(e));
    return;
  }
  s._pendingCallback = callback;
  s._pendingIsFinal = false;
  drive(s);
}

function onTransportData(this: Duplex, chunk: Buffer | string): void {
  const s = ownerOf(this);
  if (s === undefined || s._failed || s.destroyed) return;
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
  const c = s.connection;
  // A kernel socket's chunks are fresh memory nobody else writes: hand them over, no copy.
  // (A provider that decrypts in place then does so in the chunk: another 'data' listener on
  // the transport, called after ours, would see plaintext there; node:crypto's AEADs do not.)
  const lend = typeof chunk === 'string' || (s._lendReads ??= isKernelSocket(this));
  let off = 0;
  let retried = false;
  try {
    while (off < bytes.length) {
      const rest = off === 0 ? bytes : bytes.subarray(off);
      const n = lend ? c.lendTls(rest) : c.readTls(rest);
      off += n;
      if (n > 0) {
        retried = false;
        // A lend that completed a record straddling two reads took only its bytes: take the
        // record, then lend the rest.
        if (!lend || off === bytes.length || s._blocked) continue;
      } else if (retried) {
        fail(s, new TlsError('ERR_TLS_INTERNAL', `engine accepted no bytes of ${bytes.length - off} after processing`));
        return;
      } else if (s._blocked) {
        fail(s, new TlsError('ERR_TLS_PEER_TOO_MANY_MESSAGES', `peer sent more than the engine buffers while a callback is pending (${bytes.length - off} bytes unread)`));
        return;
      } else {
        // The engine's buffers are full: let it consume what it holds, then retry once.
        retried = true;
      }
      // Processes what it holds and hands plaintext to the readable side; a turn inside a
      // running one only here (a synchronous transport delivering more than fits), since the
      // bytes must go somewhere before we return.
      if (s._driving) driveOnce(s);
      else drive(s);
      if (s._failed || s.destroyed) return;
    }
  } catch (e) {
    fail(s, e);
    return;
  }
  drive(s);
}

function onTransportEnd(this: Duplex): void {
  const s = ownerOf(this);
  if (s === undefined || s.destroyed) return;
  s._transportEnded = true;
  // Bytes still buffered in the engine (a pending callback) may hold the close_notify: the
  // check runs at the end of the driving loop, once nothing is blocked.
  drive(s);
}

function onTransportError(this: Duplex, err: Error): void {
  const s = ownerOf(this);
  if (s === undefined || s.destroyed) return;
  s._failed = true;
  // Routine (ECONNRESET from a peer that just drops the connection): no stack of ours; the cause has its own.
  s.destroy(isTlsError(err) ? err : closedError(`transport error: ${err.message}`, err));
}

function onTransportClose(this: Duplex): void {
  const s = ownerOf(this);
  if (s === undefined || s.destroyed) return;
  // After close_notify the readable side ends normally (and autoDestroy runs once the user has
  // read it); anything else is an abrupt close.
  if (s._peerClosed || (s._blocked && s._transportEnded)) return; // the end check runs when unblocked
  fail(s, closedError('transport closed before close_notify'));
}

function onTransportDrain(this: Duplex): void {
  const s = ownerOf(this);
  if (s === undefined) return;
  // 'drain' comes once every write has completed, before their callbacks: recycle here so the
  // buffers are back before the application's next write needs one.
  recycleIfWritten(s, this);
  releasePending(s);
}

function onHandshakeTimeout(s: TlsSocket): void {
  if (!s._secureEstablished && !s.destroyed) {
    fail(s, new TlsError('ERR_TLS_CLOSED', 'handshake did not complete in time'));
  }
}

function onUnblocked(s: TlsSocket): void {
  s._blocked = false;
  drive(s);
}

/** processNewPackets plus the blocked check; returns nothing, records failure on `s`. */
function process1(s: TlsSocket): void {
  const c = s.connection;
  if (s._blocked) return;
  let peerHasClosed = false;
  try {
    peerHasClosed = c.processNewPackets().peerHasClosed;
  } catch (e) {
    fail(s, e);
    return;
  }
  const p = c.blockedOn();
  if (p !== null) {
    s._blocked = true;
    // One closure per pending user callback, not per chunk (api.ts step 3).
    p.then(() => onUnblocked(s), () => onUnblocked(s));
  }
  if (peerHasClosed) s._peerClosed = true;
}

/**
 * The driving loop, never re-entered: a listener called from inside it ('secureConnect',
 * 'data') that writes or ends would otherwise run a nested turn that pushes plaintext to the
 * readable side from inside the listener's own write() call — node's http2 session aborts on
 * that (`session->is_reading_stopped()`). The nested call asks for another turn instead.
 */
function drive(s: TlsSocket): void {
  if (s._driving) {
    s._redrive = true;
    return;
  }
  s._driving = true;
  try {
    do {
      s._redrive = false;
      driveOnce(s);
    } while (s._redrive && !s._failed && !s.destroyed);
  } finally {
    s._driving = false;
    uncorkTransport(s);
  }
}

/** Ends the cork of the handshake-completing turn: everything it wrote goes in one writev. */
function uncorkTransport(s: TlsSocket): void {
  if (s._corked) {
    s._corked = false;
    s.transport.uncork();
  }
}

/** One turn of the driving loop (api.ts steps 2-4). */
function driveOnce(s: TlsSocket): void {
  if (s._failed || s.destroyed) return;
  process1(s);
  if (s._failed) return;
  const c = s.connection;
  const completing = !s._secureEstablished && !c.isHandshaking() && c.negotiated !== null;
  if (completing && !s._corked) {
    // The last flight (client Finished; server tickets) and what the 'secure'/'secureConnect'
    // listener writes leave in one transport write (writev) at the end of this drive(), not
    // one syscall each; the byte order is the engine's either way.
    s._corked = true;
    s.transport.cork();
  }
  flushTls(s);
  if (completing) {
    s._secureEstablished = true;
    s.clearHandshakeTimer();
    s.emit(c.side === 'client' ? 'secureConnect' : 'secure');
    if (s.destroyed) return;
  }
  for (let p = c.readPlaintext(); p !== null; p = c.readPlaintext()) {
    if (p.length === 0) continue;
    if (!s.push(Buffer.from(p.buffer, p.byteOffset, p.length)) && !s._readPaused) {
      s._readPaused = true;
      s.transport.pause();
    }
  }
  if (s._peerClosed && s.readable && !s.readableEnded) s.push(null);
  if (s._transportEnded && !s._peerClosed && !s._blocked) {
    // RFC 8446 §6.1: without close_notify the data may be truncated; never a clean end.
    const what = s._secureEstablished ? 'without close_notify (the data may be truncated)' : 'during the handshake';
    fail(s, closedError(`peer closed the transport ${what}, expected close_notify`));
    return;
  }
  releasePending(s);
}

/** Sends everything the engine has for the transport; returns false when it asked us to wait. */
function flushTls(s: TlsSocket): boolean {
  const t = s.transport;
  let ok = true;
  for (let b = s.connection.writeTls(); b !== null; b = s.connection.writeTls()) {
    if (t.destroyed || t.writableEnded) return false;
    if (b.length === 0) continue;
    // A recyclable send buffer of the node provider (bulk writes) goes back to it once the
    // transport has completed every write: at once when the kernel took it during write()
    // (usual on loopback), else at the 'drain' (onTransportDrain). A few tracked per socket.
    let track = false;
    if (isRecyclableSealed(b) && isKernelSocket(t)) {
      const sent = s._sentBuffers ??= [];
      if (sent.length < MAX_TRACKED_SENT) {
        sent.push(b);
        track = true;
      }
    }
    ok = t.write(Buffer.from(b.buffer, b.byteOffset, b.length));
    if (track) recycleIfWritten(s, t);
    if (!ok || track) hookDrain(s);
  }
  return ok;
}

/** Adds our 'drain' listener once, when something first waits for it (most connections never do). */
function hookDrain(s: TlsSocket): void {
  if (!s._drainHooked) {
    s._drainHooked = true;
    s.transport.on('drain', onTransportDrain);
  }
}

/** Recyclable send buffers tracked per socket until the transport has written them. */
const MAX_TRACKED_SENT = 4;

/**
 * Gives the tracked send buffers back when the transport has no write outstanding
 * (`writableLength` 0: libuv has handed every byte to the kernel and keeps no reference).
 */
function recycleIfWritten(s: TlsSocket, t: Duplex): void {
  const sent = s._sentBuffers;
  if (sent === null || sent.length === 0 || t.writableLength !== 0) return;
  for (const b of sent) recycleSealed(b);
  sent.length = 0;
}


/**
 * True for a `net.Socket` over a TCP or pipe handle: its write callback means the kernel has
 * the bytes and nothing keeps the chunk (libuv writes from our memory until it calls back), and
 * each chunk it reads arrives in memory of its own (Node allocates one per read), which we may
 * hand to the engine. Not for other Duplexes, nor a net.Socket over a JS stream, which may pass
 * chunks on to or from someone else.
 */
function isKernelSocket(t: Duplex): boolean {
  if (!(t instanceof Socket)) return false;
  const name = (t as unknown as { _handle?: { constructor?: { name?: string } } | null })._handle?.constructor?.name;
  return name === 'TCP' || name === 'Pipe';
}

/** Completes a waiting `_write`/`_final` once the handshake is done and the transport drained. */
function releasePending(s: TlsSocket): void {
  const cb = s._pendingCallback;
  if (cb === null || s._failed) return;
  const t = s.transport;
  if (s.connection.isHandshaking()) return;
  if (s._pendingIsFinal) {
    s._pendingCallback = null;
    try {
      s.connection.sendCloseNotify();
    } catch (e) {
      cb(asTlsError(e));
      return;
    }
    flushTls(s);
    // close_notify is queued in the transport; ending it is the half-close (TCP FIN).
    if (!t.writableEnded && !t.destroyed) t.end();
    cb();
    return;
  }
  if (t.writableNeedDrain) {
    hookDrain(s);
    return;
  }
  s._pendingCallback = null;
  cb();
}

/** Fails the connection: flush the alert the engine queued, then destroy with a TlsError. */
function fail(s: TlsSocket, e: unknown): void {
  if (s._failed || s.destroyed) return;
  const err = asTlsError(e);
  s._failed = true;
  flushTls(s);
  s.destroy(err);
}

/**
 * ERR_TLS_CLOSED for a transport that ended without close_notify: routine (every peer that
 * just drops the TCP connection), and its stack would only show the event loop. Built without
 * a stack trace: capturing one, and formatting it when stream.destroy() reads `err.stack`, cost
 * ~100-150 µs per connection in the handshake benchmark (issue 5).
 */
function closedError(message: string, cause?: Error): TlsError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let e: TlsError;
  try {
    e = new TlsError('ERR_TLS_CLOSED', message, cause === undefined ? undefined : { cause });
  } finally {
    Error.stackTraceLimit = limit;
  }
  // Even an empty stack is formatted lazily by Error.prepareStackTrace when first read (with
  // source maps on, ~5-10 µs): a plain string instead, what V8 would print for no frames.
  e.stack = `${e.name}: ${e.message}`;
  return e;
}

function destroyTransport(this: Duplex): void {
  this.destroy();
}
