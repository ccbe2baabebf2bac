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
import type { CryptoProvider, Tls13CipherSuite } from '../crypto/provider.ts';
import { nextTrafficSecret, trafficKeys } from '../crypto/key-schedule.ts';
import { RecordDeframer } from '../record/deframer.ts';
import { HandshakeJoiner } from '../record/handshake-joiner.ts';
import { NoOpener, NoSealer } from '../record/no-protection.ts';
import { Tls13RecordOpener, Tls13RecordSealer } from '../record/tls13-protection.ts';
import { RecordFragmenter } from '../record/fragmenter.ts';
import { Tls13CompatibilityCcs, writeChangeCipherSpecRecord, CHANGE_CIPHER_SPEC_RECORD_LENGTH } from '../record/change-cipher-spec.ts';
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
  private peerClosed = false;
  private closeSent = false;
  private keyUpdatePending = false;
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
    if (this._error !== null) return 0;
    if (this.receivedBytes >= MAX_RECEIVED_PLAINTEXT) return 0; // application must read first
    return this.deframer.write(data);
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
    const { key, iv } = trafficKeys(suite.hash, trafficSecret, suite.aead.keyLength, suite.aead.nonceLength);
    this.sealer = new Tls13RecordSealer(suite.aead, key, iv);
    this.writeKeys.suite = suite;
    this.writeKeys.secret = trafficSecret;
  }

  setTls13ReadKeys(suite: Tls13CipherSuite, trafficSecret: Uint8Array): void {
    this.joiner.assertAtKeyChange();
    const { key, iv } = trafficKeys(suite.hash, trafficSecret, suite.aead.keyLength, suite.aead.nonceLength);
    this.opener = new Tls13RecordOpener(suite.aead, key, iv);
    this.readKeys.suite = suite;
    this.readKeys.secret = trafficSecret;
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

  noteServerName(name: string | null): void {
    this.serverNameSeen = name;
  }

  handshakeComplete(params: NegotiatedParameters): void {
    this._negotiated = params;
    this.ccsAllowed = false;
    this.flushHandshake();
    for (const p of this.pendingPlaintext) this.sealApplicationData(p);
    this.pendingPlaintext.length = 0;
  }

  // ---- record dispatch -----------------------------------------------------------------

  private handleRecord(record: import('../record/record.ts').InboundOpaqueRecord): void {
    if (this.peerClosed) {
      throw new TlsProtocolError('ERR_TLS_RECORD_DATA_AFTER_CLOSE', `${codePointName(ContentType, record.contentType)} record after close_notify: expected nothing more`);
    }
    // RFC 8446 §5: an unencrypted CCS may be dropped during the handshake; never decrypted.
    if (record.contentType === ContentType.ChangeCipherSpec) {
      this.joiner.assertNotInterleaved(record.contentType);
      this.ccs.check(record, this.ccsAllowed);
      return;
    }
    const plain = this.opener.open(record);
    const type = plain.contentType;
    if (type !== ContentType.Handshake) this.joiner.assertNotInterleaved(type);
    switch (type) {
      case ContentType.Handshake:
        this.joiner.push(plain.payload);
        this.drainHandshake();
        return;
      case ContentType.Alert:
        this.handleAlert(plain.payload);
        return;
      case ContentType.ApplicationData:
        if (this._negotiated === null) {
          throw new TlsProtocolError('ERR_TLS_PEER_UNEXPECTED_MESSAGE', 'application data before the handshake completed: expected a handshake message');
        }
        if (plain.payload.length === 0) return; // §5.4: zero-length application data is allowed
        this.received.push(plain.payload.slice()); // the record buffer is reused: copy
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

  /** RFC 8446 §5.5: replace the sending key before its AEAD confidentiality limit. */
  private maybeUpdateKeys(): void {
    if (this._negotiated === null || this._negotiated.protocolVersion !== 'TLSv1.3' || this.closeSent) return;
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
    let total = 0;
    for (const m of msgs) total += m.length;
    let data: Uint8Array;
    if (msgs.length === 1) data = msgs[0]!;
    else {
      data = new Uint8Array(total);
      let o = 0;
      for (const m of msgs) { data.set(m, o); o += m.length; }
    }
    this.pendingHandshake = [];
    this.pushOutgoing(this.fragmenter.sealToBytes(this.sealer, ContentType.Handshake, data));
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

