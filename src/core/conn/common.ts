/**
 * The engine shared by client and server connections: record I/O, dispatch of records to the
 * handshake state machine, blocked (async) callbacks, alerts and plaintext queues. It implements
 * the buffered API of `api.ts` and the `HandshakeContext` states act through.
 *
 * No I/O and no timers here (ARCHITECTURE "The engine"): bytes come in through `readTls` and
 * leave through `writeTls`.
 */
import { AlertDescription, AlertLevel, ContentType, HandshakeType, KeyUpdateRequest, codePointName } from '../codec/codepoints.ts';
import { TlsAlertReceivedError, TlsError, TlsProtocolError, TlsUsageError, asTlsError } from '../errors.ts';
import type { CryptoProvider, Tls12CipherSuite, Tls13CipherSuite } from '../crypto/provider.ts';
import { nextTrafficSecret, transientTrafficKeys, wipeTrafficKeys } from '../crypto/key-schedule.ts';
import { RecordDeframer } from '../record/deframer.ts';
import { HandshakeJoiner } from '../record/handshake-joiner.ts';
import { NoOpener, NoSealer } from '../record/no-protection.ts';
import { Tls13RecordOpener, Tls13RecordSealer } from '../record/tls13-protection.ts';
import { RecordFragmenter } from '../record/fragmenter.ts';
import { Tls13CompatibilityCcs, checkTls12ChangeCipherSpec, writeChangeCipherSpecRecord, CHANGE_CIPHER_SPEC_RECORD_LENGTH } from '../record/change-cipher-spec.ts';
import { Tls12RecordOpener, Tls12RecordSealer } from '../record/tls12-protection.ts';
import { type Exporter, exporterOf } from './exporter.ts';
import { MAX_PLAINTEXT_LENGTH, type RecordOpener, type RecordSealer } from '../record/record.ts';
import type { CommonConfig } from '../config/common.ts';
import { toHex } from '../util.ts';
import type { IoState, NegotiatedParameters, TlsConnection } from './api.ts';
import type { HandshakeContext } from './context.ts';
import { Blocked, type HandshakeState, type Step } from './state.ts';

/** The state before `start()`: receiving anything is a bug. */
const notStarted: HandshakeState = {
  name: 'NotStarted',
  established: false,
  handle(): Step {
    throw new TlsError('ERR_TLS_INTERNAL', 'connection used before it started');
  },
};

/** Most plaintext we buffer for the application before `readTls` stops accepting bytes. */
const MAX_RECEIVED_PLAINTEXT = 256 * 1024;
/**
 * Where a flight's messages are joined before sealing (flushHandshake), shared by every
 * connection (sealing is synchronous): a new array per flight was one more young object with
 * memory outside the heap for the scavenger to sweep (issue 5). Larger flights get their own.
 */
const JOIN_SCRATCH = new Uint8Array(8192);

/** Pending user-callback state while blocked. */
type BlockedSlot =
  | { kind: 'none' }
  | { kind: 'pending'; blocked: Blocked<unknown>; promise: Promise<void> }
  | { kind: 'settled'; blocked: Blocked<unknown>; ok: boolean; value: unknown };

/** Traffic keys for one direction, kept for KeyUpdate (RFC 8446 §7.2). */
class DirectionKeys {
  suite: Tls13CipherSuite | null = null;
  secret: Uint8Array | null = null;
}

export abstract class ConnectionCommon implements TlsConnection, HandshakeContext {
  abstract readonly side: 'client' | 'server';
  readonly provider: CryptoProvider;
  protected readonly config: CommonConfig;

  // Inbound path: deframer -> opener -> joiner / plaintext queue.
  private readonly deframer = new RecordDeframer();
  private opener: RecordOpener = new NoOpener();
  private readonly joiner = new HandshakeJoiner();
  private readonly ccs = new Tls13CompatibilityCcs();
  private ccsAllowed = false;
  /** TLS 1.2: the opener the peer's next ChangeCipherSpec switches to (RFC 5246 §7.1), or null. */
  private pendingTls12Opener: RecordOpener | null = null;
  private readonly received: Uint8Array[] = [];
  private receivedBytes = 0;

  // Outbound path: handshake messages are gathered per flight, then sealed into `outgoing`.
  private sealer: RecordSealer;
  private readonly fragmenter: RecordFragmenter;
  private pendingHandshake: Uint8Array[] = [];
  private readonly outgoing: Uint8Array[] = [];
  private outgoingBytes = 0;
  private readonly pendingPlaintext: Uint8Array[] = [];
  private compatCcsSent = false;

  private readonly writeKeys = new DirectionKeys();
  private readonly readKeys = new DirectionKeys();

  protected state: HandshakeState;
  private blockedSlot: BlockedSlot = { kind: 'none' };
  private _error: TlsError | null = null;
  private _negotiated: NegotiatedParameters | null = null;
  private _finished: Uint8Array | null = null;
  private _peerFinished: Uint8Array | null = null;
  /** The unused half of the buffer `noteFinished` made for both verify_data, or null. */
  private finishedSpare: Uint8Array | null = null;
  private peerClosed = false;
  private closeSent = false;
  private keyUpdatePending = false;
  // Set once the buffers the handshake (or a post-handshake message) grew have been dropped
  // (memory per idle connection); cleared when a post-handshake message arrives.
  private handshakeBuffersReleased = false;
  // 0-RTT (RFC 8446 §2.3, §4.2.10). Client: bytes still allowed under the early key (-1: not
  // writing early data), the plaintext sealer to restore on rejection, what we sent early, and
  // (after a rejection) everything written before completion, for takeRejectedEarlyData().
  private earlyWriteRemaining = -1;
  private savedSealer: RecordSealer | null = null;
  private readonly earlyWritten: Uint8Array[] = [];
  private rejectedEarly: Uint8Array[] | null = null;
  // Server: early data still acceptable (-1: none accepted), or being skipped after rejection.
  private earlyReadRemaining = -1;
  private skipMode: 'none' | 'undecryptable' | 'application-data' = 'none';
  private skipRemaining = 0;
  private earlyExporter: Exporter | null = null;
  protected serverNameSeen: string | null = null;

  protected constructor(config: CommonConfig, firstRecordVersion: number) {
    this.config = config;
    this.provider = config.provider;
    this.sealer = new NoSealer(firstRecordVersion);
    this.fragmenter = new RecordFragmenter(config.maxFragmentSize);
    this.state = notStarted;
  }

  /**
   * Runs the first step (the client's ClientHello; nothing for a server) and flushes it.
   * Errors here are configuration or provider failures: they fail the connection and throw.
   */
  protected start(first: (cx: HandshakeContext) => Step): void {
    try {
      this.runStep(first(this));
      this.flushHandshake();
      // RFC 8446 §5.1: only the initial ClientHello may use 0x0301 as the record version.
      if (this.sealer instanceof NoSealer) this.sealer.recordVersion = 0x0303;
    } catch (e) {
      this.fail(asTlsError(e));
      throw this._error;
    }
  }

  // ---- TlsConnection -------------------------------------------------------------------

  get negotiated(): NegotiatedParameters | null {
    return this._negotiated;
  }

  get error(): TlsError | null {
    return this._error;
  }

  readTls(data: Uint8Array): number {
    return this.takesInput() ? this.deframer.write(data) : 0;
  }

  lendTls(data: Uint8Array): number {
    return this.takesInput() ? this.deframer.lend(data) : 0;
  }

  /** Not failed, and the application has read enough plaintext for more to be taken. */
  private takesInput(): boolean {
    return this._error === null && this.receivedBytes < MAX_RECEIVED_PLAINTEXT;
  }

  processNewPackets(): IoState {
    if (this._error !== null) throw this._error;
    try {
      this.resumeIfSettled();
      let record;
      while (this.blockedSlot.kind === 'none' && (record = this.deframer.next()) !== null) {
        this.handleRecord(record);
        if (this.receivedBytes >= MAX_RECEIVED_PLAINTEXT) break;
      }
      this.flushHandshake();
      this.maybeUpdateKeys();
      if (!this.handshakeBuffersReleased && this._negotiated !== null) this.releaseHandshakeBuffers();
    } catch (e) {
      this.fail(asTlsError(e));
      throw this._error;
    }
    return {
      tlsBytesToWrite: this.outgoingBytes,
      plaintextBytesToRead: this.receivedBytes,
      peerHasClosed: this.peerClosed,
    };
  }

  writeTls(): Uint8Array | null {
    if (this.outgoing.length === 0) return null;
    let out: Uint8Array;
    if (this.outgoing.length === 1) {
      out = this.outgoing[0]!;
    } else {
      out = new Uint8Array(this.outgoingBytes);
      let o = 0;
      for (const c of this.outgoing) {
        out.set(c, o);
        o += c.length;
      }
    }
    this.outgoing.length = 0;
    this.outgoingBytes = 0;
    return out;
  }

  wantsRead(): boolean {
    return this._error === null && !this.peerClosed && this.receivedBytes < MAX_RECEIVED_PLAINTEXT;
  }

  wantsWrite(): boolean {
    return this.outgoingBytes > 0;
  }

  isHandshaking(): boolean {
    return this._negotiated === null && this._error === null;
  }

  blockedOn(): Promise<void> | null {
    return this.blockedSlot.kind === 'pending' ? this.blockedSlot.promise : null;
  }

  readPlaintext(): Uint8Array | null {
    const c = this.received.shift();
    if (c === undefined) return null;
    this.receivedBytes -= c.length;
    return c;
  }

  writePlaintext(data: Uint8Array): void {
    if (this._error !== null) throw this._error;
    if (this.closeSent) throw new TlsUsageError('ERR_TLS_USAGE_CLOSED', 'cannot write after close_notify was sent');
    if (data.length === 0) return;
    if (this._negotiated === null) {
      if (this.rejectedEarly !== null) {
        this.rejectedEarly.push(data.slice()); // 0-RTT was rejected: held for the application
        return;
      }
      if (this.earlyWriteRemaining > 0 && this.pendingPlaintext.length === 0) {
        // RFC 8446 §4.2.10: at most max_early_data_size bytes of 0-RTT data.
        const n = Math.min(data.length, this.earlyWriteRemaining);
        const part = data.subarray(0, n);
        this.earlyWritten.push(part.slice()); // returned if the server rejects it
        this.earlyWriteRemaining -= n;
        this.sealApplicationData(part);
        if (n < data.length) this.pendingPlaintext.push(data.slice(n));
        return;
      }
      this.pendingPlaintext.push(data.slice()); // kept past this call: copy
      return;
    }
    this.sealApplicationData(data);
    this.maybeUpdateKeys();
  }

  sendCloseNotify(): void {
    if (this.closeSent || this._error !== null) return;
    this.closeSent = true;
    this.flushHandshake();
    this.sendAlertRecord(AlertLevel.Warning, AlertDescription.CloseNotify);
  }

  updateKeys(requestPeer: boolean): void {
    if (this._negotiated === null || this._negotiated.protocolVersion !== 'TLSv1.3') {
      throw new TlsUsageError('ERR_TLS_USAGE_HANDSHAKING', 'KeyUpdate needs an established TLS 1.3 connection');
    }
    if (this._error !== null) throw this._error;
    this.sendKeyUpdate(requestPeer ? KeyUpdateRequest.UpdateRequested : KeyUpdateRequest.UpdateNotRequested);
  }

  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array {
    if (this._error !== null) throw this._error;
    if (this._negotiated === null) throw new TlsUsageError('ERR_TLS_USAGE_HANDSHAKING', 'exportKeyingMaterial needs a completed handshake');
    const exporter = exporterOf(this.state);
    if (exporter === null) throw new TlsUsageError('ERR_TLS_USAGE', `exporters are not available on this ${this._negotiated.protocolVersion} connection`);
    return exporter.exportKeyingMaterial(label, context, length);
  }

  // ---- HandshakeContext ----------------------------------------------------------------

  now(): number {
    return this.config.now();
  }

  random(n: number): Uint8Array {
    const b = new Uint8Array(n);
    this.provider.fillRandom(b);
    return b;
  }

  sendHandshake(encoding: Uint8Array): void {
    this.pendingHandshake.push(encoding);
  }

  sendCompatCcs(): void {
    if (this.compatCcsSent) return;
    this.compatCcsSent = true;
    this.flushHandshake();
    const rec = new Uint8Array(CHANGE_CIPHER_SPEC_RECORD_LENGTH);
    writeChangeCipherSpecRecord(rec, 0);
    this.pushOutgoing(rec);
  }

  setTls13WriteKeys(suite: Tls13CipherSuite, trafficSecret: Uint8Array): void {
    this.flushHandshake();
    const k = transientTrafficKeys(suite.hash, trafficSecret, suite.aead.keyLength, suite.aead.nonceLength);
    try {
      this.sealer = new Tls13RecordSealer(suite.aead, k.key, k.iv, this.sealerLimits());
    } finally {
      wipeTrafficKeys(k);
    }
    this.writeKeys.suite = suite;
    this.writeKeys.secret = trafficSecret;
  }

  setTls13ReadKeys(suite: Tls13CipherSuite, trafficSecret: Uint8Array): void {
    this.joiner.assertAtKeyChange();
    const k = transientTrafficKeys(suite.hash, trafficSecret, suite.aead.keyLength, suite.aead.nonceLength);
    try {
      this.opener = new Tls13RecordOpener(suite.aead, k.key, k.iv, this.openerLimits());
    } finally {
      wipeTrafficKeys(k);
    }
    this.readKeys.suite = suite;
    this.readKeys.secret = trafficSecret;
  }

  sendTls12ChangeCipherSpec(suite: Tls12CipherSuite, key: Uint8Array, iv: Uint8Array): void {
    this.flushHandshake();
    const rec = new Uint8Array(CHANGE_CIPHER_SPEC_RECORD_LENGTH);
    writeChangeCipherSpecRecord(rec, 0);
    this.pushOutgoing(rec);
    this.sealer = Tls12RecordSealer.forSuite(suite, key, iv, this.sealerLimits());
  }

  expectTls12ChangeCipherSpec(suite: Tls12CipherSuite, key: Uint8Array, iv: Uint8Array): void {
    this.pendingTls12Opener = Tls12RecordOpener.forSuite(suite, key, iv, this.openerLimits());
  }

  sendWarningAlert(description: number): void {
    this.flushHandshake();
    this.sendAlertRecord(AlertLevel.Warning, description);
  }

  allowCompatCcs(allowed: boolean): void {
    this.ccsAllowed = allowed;
  }

  keyLog(label: string, clientRandom: Uint8Array, secret: Uint8Array): void {
    const sink = this.config.keyLog;
    if (sink === null) return;
    sink(`${label} ${toHex(clientRandom)} ${toHex(secret)}`);
  }

  setPeerRecordSizeLimit(limit: number): void {
    // Known gap: the fragmenter's floor is 64, so a peer limit of exactly 64 (63 bytes of
    // TLS 1.3 plaintext) is rounded up to 64; callers have rejected limits below 64.
    this.fragmenter.setMaxFragmentSize(Math.max(64, Math.min(this.config.maxFragmentSize, limit - 1)));
  }

  /**
   * RFC 8446 §7.5 early exporter (early_exporter_master_secret): available on a client that
   * offered a ticket and on a server that accepted one.
   * @throws TlsUsageError ERR_TLS_USAGE when there is no early exporter.
   */
  exportEarlyKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array {
    if (this._error !== null) throw this._error;
    if (this.earlyExporter === null) throw new TlsUsageError('ERR_TLS_USAGE', 'no early exporter: the connection did not offer or accept a TLS 1.3 PSK');
    return this.earlyExporter.exportKeyingMaterial(label, context, length);
  }

  /** True once the server rejected our 0-RTT data (client). */
  get earlyDataRejected(): boolean {
    return this.rejectedEarly !== null;
  }

  /**
   * Client, after the server rejected 0-RTT: everything written before the handshake completed
   * (sent early and rejected, or held), in order, for the application to resend if it wants to
   * (RFC 8446 §4.2.10: implementations "SHOULD NOT automatically resend early data"). Null when
   * nothing was rejected; each call returns the data once.
   */
  takeRejectedEarlyData(): Uint8Array | null {
    const r = this.rejectedEarly;
    if (r === null || r.length === 0) return null;
    let n = 0;
    for (const c of r) n += c.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of r) { out.set(c, o); o += c.length; }
    r.length = 0;
    return out;
  }

  setEarlyExporter(exporter: Exporter): void {
    this.earlyExporter = exporter;
  }

  beginEarlyDataWrite(suite: Tls13CipherSuite, earlyTrafficSecret: Uint8Array, maxBytes: number): void {
    const plain = this.sealer;
    this.setTls13WriteKeys(suite, earlyTrafficSecret);
    this.savedSealer = plain;
    this.earlyWriteRemaining = maxBytes;
  }

  endEarlyDataWrite(accepted: boolean): void {
    this.earlyWriteRemaining = -1;
    if (accepted) {
      this.earlyWritten.length = 0;
      this.savedSealer = null;
      return;
    }
    this.flushHandshake();
    if (this.savedSealer !== null) this.sealer = this.savedSealer;
    this.savedSealer = null;
    this.rejectedEarly = [...this.earlyWritten, ...this.pendingPlaintext];
    this.earlyWritten.length = 0;
    this.pendingPlaintext.length = 0;
  }

  beginEarlyDataRead(maxBytes: number): void {
    this.earlyReadRemaining = maxBytes;
  }

  endEarlyDataRead(): void {
    this.earlyReadRemaining = -1;
  }

  skipEarlyData(mode: 'none' | 'undecryptable' | 'application-data', maxBytes: number): void {
    this.skipMode = mode;
    this.skipRemaining = maxBytes;
  }

  /**
   * RFC 8446 §4.2.10, server rejecting 0-RTT: returns null for a skipped early-data record, or
   * the record opened normally. Skipping more than the budget is unexpected_message.
   */
  private openOrSkip(record: import('../record/record.ts').InboundOpaqueRecord): import('../record/record.ts').InboundPlainRecord | null {
    let skip = false;
    let plain: import('../record/record.ts').InboundPlainRecord | null = null;
    if (this.skipMode === 'application-data') {
      skip = record.contentType === ContentType.ApplicationData;
    } else if (this.opener instanceof Tls13RecordOpener) {
      plain = this.opener.tryOpen(record);
      skip = plain === null;
    }
    if (!skip) {
      if (this.skipMode === 'undecryptable') this.skipMode = 'none';
      return plain ?? this.opener.open(record);
    }
    // At most length - 17 (tag and content type) bytes of early data were in this record.
    this.skipRemaining -= Math.max(0, record.payload.length - 17);
    if (this.skipRemaining < 0) {
      throw new TlsProtocolError('ERR_TLS_PEER_EARLY_DATA_OVERFLOW', 'client sent more rejected 0-RTT data than max_early_data_size allows (RFC 8446 §4.2.10)');
    }
    return null;
  }

  noteServerName(name: string | null): void {
    this.serverNameSeen = name;
  }

  noteFinished(sender: 'local' | 'peer', verifyData: Uint8Array): void {
    // Copied: the caller's view may alias a message buffer that is reused. Both verify_data go
    // into one allocation (the first note makes room for the second): an established
    // connection keeps one small ArrayBuffer fewer.
    const n = verifyData.length;
    let copy: Uint8Array;
    const spare = this.finishedSpare;
    if (spare !== null && spare.length === n && (sender === 'local' ? this._finished : this._peerFinished) === null) {
      copy = spare;
      copy.set(verifyData);
    } else {
      const both = new Uint8Array(2 * n);
      copy = both.subarray(0, n);
      copy.set(verifyData);
      this.finishedSpare = both.subarray(n);
    }
    if (copy === spare) this.finishedSpare = null;
    if (sender === 'local') this._finished = copy;
    else this._peerFinished = copy;
  }

  /**
   * The verify_data of the last Finished message we sent (RFC 8446 §4.4.4, RFC 5246 §7.4.9), or
   * null before it is sent. The connection owns it; do not modify.
   */
  get finished(): Uint8Array | null {
    return this._finished;
  }

  /** The verify_data of the last Finished message the peer sent and we checked, or null. */
  get peerFinished(): Uint8Array | null {
    return this._peerFinished;
  }

  handshakeComplete(params: NegotiatedParameters): void {
    this._negotiated = params;
    this.ccsAllowed = false;
    this.flushHandshake();
    for (const p of this.pendingPlaintext) this.sealApplicationData(p);
    this.pendingPlaintext.length = 0;
  }

  /**
   * Once established, drops the deframer and joiner buffers the handshake filled (when empty),
   * so an idle connection holds no record buffers; the next record allocates on demand and
   * bulk transfers keep theirs.
   */
  private releaseHandshakeBuffers(): void {
    if (this.deframer.buffered() !== 0 || !this.joiner.isEmpty()) return;
    this.deframer.release();
    this.joiner.release();
    this.handshakeBuffersReleased = true;
  }

  // ---- record dispatch -----------------------------------------------------------------

  private handleRecord(record: import('../record/record.ts').InboundOpaqueRecord): void {
    if (this.peerClosed) {
      throw new TlsProtocolError('ERR_TLS_RECORD_DATA_AFTER_CLOSE', `${codePointName(ContentType, record.contentType)} record after close_notify: expected nothing more`);
    }
    // RFC 8446 §5: an unencrypted CCS may be dropped during the handshake; never decrypted.
    if (record.contentType === ContentType.ChangeCipherSpec) {
      this.joiner.assertNotInterleaved(record.contentType);
      if (this.pendingTls12Opener !== null) {
        // RFC 5246 §7.1: the TLS 1.2 CCS switches the read keys; it must not split a message.
        checkTls12ChangeCipherSpec(record.payload);
        this.joiner.assertAtKeyChange();
        this.opener = this.pendingTls12Opener;
        this.pendingTls12Opener = null;
        return;
      }
      this.ccs.check(record, this.ccsAllowed);
      return;
    }
    if (this.pendingTls12Opener !== null && record.contentType !== ContentType.Alert) {
      // RFC 5246 §7.4.9: Finished comes right after ChangeCipherSpec, under the new keys.
      throw new TlsProtocolError('ERR_TLS_PEER_UNEXPECTED_MESSAGE', `${codePointName(ContentType, record.contentType)} record: expected ChangeCipherSpec`);
    }
    // A peer that rejected our ServerHello has no keys yet and sends its alert unprotected
    // (OpenSSL and rustls read it too). TLS 1.3 protected records are always typed
    // application_data (§5.2), so an alert-typed record before anything was decrypted under
    // this handshake key can only be such a plaintext alert.
    if (record.contentType === ContentType.Alert && this._negotiated === null && record.payload.length === 2 &&
      this.opener instanceof Tls13RecordOpener && this.opener.sequenceNumber === 0) {
      this.handleAlert(record.payload);
      return;
    }
    let plain: import('../record/record.ts').InboundPlainRecord;
    if (this.skipMode === 'none') {
      plain = this.opener.open(record);
    } else {
      const p = this.openOrSkip(record);
      if (p === null) return;
      plain = p;
    }
    const type = plain.contentType;
    if (type !== ContentType.Handshake) this.joiner.assertNotInterleaved(type);
    switch (type) {
      case ContentType.Handshake:
        this.joiner.push(plain.payload);
        this.drainHandshake();
        // A post-handshake message (NewSessionTicket, KeyUpdate) regrew the buffers: drop them
        // again once empty, or every client would keep ~5 KiB per idle connection.
        if (this._negotiated !== null) this.handshakeBuffersReleased = false;
        return;
      case ContentType.Alert:
        this.handleAlert(plain.payload);
        return;
      case ContentType.ApplicationData:
        if (this._negotiated === null) {
          if (this.earlyReadRemaining < 0) {
            throw new TlsProtocolError('ERR_TLS_PEER_UNEXPECTED_MESSAGE', 'application data before the handshake completed: expected a handshake message');
          }
          // RFC 8446 §4.2.10: more 0-RTT data than max_early_data_size is unexpected_message.
          this.earlyReadRemaining -= plain.payload.length;
          if (this.earlyReadRemaining < 0) {
            throw new TlsProtocolError('ERR_TLS_PEER_EARLY_DATA_OVERFLOW', 'client sent more 0-RTT data than our max_early_data_size (RFC 8446 §4.2.10)');
          }
        }
        if (plain.payload.length === 0) return; // §5.4: zero-length application data is allowed
        // The deframer's buffer is reused: copy, unless the provider decrypted into fresh memory.
        this.received.push(plain.owned ? plain.payload : plain.payload.slice());
        this.receivedBytes += plain.payload.length;
        return;
      default:
        throw new TlsProtocolError('ERR_TLS_PEER_UNEXPECTED_MESSAGE', `record of type ${codePointName(ContentType, type)} here: expected handshake, alert or application data`);
    }
  }

  private drainHandshake(): void {
    let m;
    while (this.blockedSlot.kind === 'none' && (m = this.joiner.next()) !== null) {
      this.runStep(this.state.handle(this, m));
    }
  }

  private runStep(step: Step): void {
    if (step instanceof Blocked) {
      const blocked = step;
      const promise = Promise.resolve(blocked.promise).then(
        (value) => { this.blockedSlot = { kind: 'settled', blocked, ok: true, value }; },
        (err: unknown) => { this.blockedSlot = { kind: 'settled', blocked, ok: false, value: err }; },
      );
      this.blockedSlot = { kind: 'pending', blocked, promise };
      this.flushHandshake();
      return;
    }
    this.state = step;
  }

  private resumeIfSettled(): void {
    while (this.blockedSlot.kind === 'settled') {
      const slot = this.blockedSlot;
      this.blockedSlot = { kind: 'none' };
      if (!slot.ok) {
        const e = slot.value;
        if (e instanceof TlsError) throw e;
        throw new TlsError('ERR_TLS_CALLBACK_FAILED', `a user callback failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      this.runStep(slot.blocked.resume(this, slot.value));
      // Messages that arrived in the same record as the one that blocked.
      if (this.blockedSlot.kind === 'none') this.drainHandshake();
    }
  }

  /** Post-handshake messages common to both sides (RFC 8446 §4.6). */
  receivedKeyUpdate(request: number): void {
    // §4.6.3: the receiver switches its read keys; the joiner must be at a record boundary.
    const suite = this.readKeys.suite, secret = this.readKeys.secret;
    if (suite === null || secret === null) throw new TlsError('ERR_TLS_INTERNAL', 'KeyUpdate without read keys');
    this.setTls13ReadKeys(suite, nextTrafficSecret(suite.hash, secret));
    if (request === KeyUpdateRequest.UpdateRequested && !this.keyUpdatePending) {
      this.sendKeyUpdate(KeyUpdateRequest.UpdateNotRequested);
    }
  }

  private sendKeyUpdate(request: number): void {
    const suite = this.writeKeys.suite, secret = this.writeKeys.secret;
    if (suite === null || secret === null) throw new TlsError('ERR_TLS_INTERNAL', 'KeyUpdate without write keys');
    // KeyUpdate: type 24, length 1, request_update (RFC 8446 §4.6.3).
    this.sendHandshake(Uint8Array.of(HandshakeType.KeyUpdate, 0, 0, 1, request));
    this.setTls13WriteKeys(suite, nextTrafficSecret(suite.hash, secret));
  }

  /** `aeadLimitsForTesting` as record-protection options (none: the AEAD's own limits). */
  private sealerLimits(): { confidentialityLimit?: number } {
    const c = this.config.aeadLimitsForTesting?.confidentiality;
    return c === undefined ? {} : { confidentialityLimit: c };
  }

  private openerLimits(): { integrityLimit?: number } {
    const i = this.config.aeadLimitsForTesting?.integrity;
    return i === undefined ? {} : { integrityLimit: i };
  }

  /**
   * RFC 8446 §5.5: replace the sending key before its AEAD confidentiality limit. TLS 1.2 has
   * no KeyUpdate (renegotiation is refused), so there we close cleanly instead, as rustls does;
   * the application sees ERR_TLS_USAGE_CLOSED on its next write and must reconnect.
   */
  private maybeUpdateKeys(): void {
    if (this._negotiated === null || this.closeSent) return;
    if (this._negotiated.protocolVersion !== 'TLSv1.3') {
      if (this.sealer.keyUpdateDue()) this.sendCloseNotify();
      return;
    }
    if (this.sealer.keyUpdateDue()) {
      this.keyUpdatePending = true;
      this.sendKeyUpdate(KeyUpdateRequest.UpdateNotRequested);
      this.keyUpdatePending = false;
    }
  }

  // RFC 8446 §6: alerts.
  private handleAlert(payload: Uint8Array): void {
    if (payload.length !== 2) {
      throw new TlsError('ERR_TLS_DECODE_LENGTH', `alert of ${payload.length} bytes: expected 2`);
    }
    const level = payload[0]!, description = payload[1]!;
    if (description === AlertDescription.CloseNotify) {
      this.peerClosed = true;
      return;
    }
    // §6.1: user_canceled is followed by close_notify; in TLS 1.3 every other alert is fatal
    // "regardless of the AlertLevel".
    if (description === AlertDescription.UserCanceled && level === AlertLevel.Warning) return;
    const err = new TlsAlertReceivedError(description, codePointName(AlertDescription, description));
    this._error = err; // no alert goes back
    throw err;
  }

  // ---- output --------------------------------------------------------------------------

  private pushOutgoing(b: Uint8Array): void {
    this.outgoing.push(b);
    this.outgoingBytes += b.length;
  }

  /** Seals queued handshake messages into records (one flight coalesced). */
  private flushHandshake(): void {
    const msgs = this.pendingHandshake;
    if (msgs.length === 0) return;
    this.pendingHandshake = [];
    if (msgs.length === 1) {
      this.pushOutgoing(this.fragmenter.sealToBytes(this.sealer, ContentType.Handshake, msgs[0]!));
      return;
    }
    // Several messages share records (RFC 8446 §5.1): joined in module memory, sealed (which
    // copies them), then zeroed, as the flight may carry Finished values or a client's certificate.
    let total = 0;
    for (const m of msgs) total += m.length;
    const data = total <= JOIN_SCRATCH.length ? JOIN_SCRATCH.subarray(0, total) : new Uint8Array(total);
    let o = 0;
    for (const m of msgs) { data.set(m, o); o += m.length; }
    try {
      this.pushOutgoing(this.fragmenter.sealToBytes(this.sealer, ContentType.Handshake, data));
    } finally {
      data.fill(0);
    }
  }

  private sealApplicationData(data: Uint8Array): void {
    const f = this.fragmenter;
    // Large writes: one output buffer for all records; seal per fragment so KeyUpdate can
    // interleave when the limit is near (checked between writes).
    if (data.length <= MAX_PLAINTEXT_LENGTH * 64) {
      this.pushOutgoing(f.sealToBytes(this.sealer, ContentType.ApplicationData, data));
      return;
    }
    for (let o = 0; o < data.length; o += MAX_PLAINTEXT_LENGTH * 64) {
      const n = Math.min(MAX_PLAINTEXT_LENGTH * 64, data.length - o);
      this.pushOutgoing(f.sealToBytes(this.sealer, ContentType.ApplicationData, data.subarray(o, o + n)));
      this.maybeUpdateKeys();
    }
  }

  private sendAlertRecord(level: number, description: number): void {
    this.pushOutgoing(this.fragmenter.sealToBytes(this.sealer, ContentType.Alert, Uint8Array.of(level, description)));
  }

  /** Fails the connection: remembers the error and queues its alert (RFC 8446 §6.2). */
  protected fail(e: TlsError): void {
    if (this._error !== null && this._error !== e) return;
    const already = this._error === e;
    this._error = e;
    if (already || e.alert === null) return;
    try {
      this.pendingHandshake = [];
      this.sendAlertRecord(AlertLevel.Fatal, e.alert);
    } catch {
      // The alert could not be sealed (e.g. sequence exhausted): nothing more to send.
    }
  }
}

