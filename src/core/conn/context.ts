/**
 * What a handshake state may do to its connection. `ConnectionCommon` implements it; states see
 * only this, so they stay testable and free of record-layer details.
 */
import type { CryptoProvider, Tls13CipherSuite } from '../crypto/provider.ts';
import type { NegotiatedParameters } from './api.ts';

export interface HandshakeContext {
  readonly side: 'client' | 'server';
  readonly provider: CryptoProvider;
  /** Current time, ms since the Unix epoch (from the config: injectable). */
  now(): number;
  /** Fresh random bytes from the provider. */
  random(n: number): Uint8Array;
  /** Queues an encoded handshake message (header included) under the current write keys. */
  sendHandshake(encoding: Uint8Array): void;
  /** Queues the middlebox-compatibility change_cipher_spec record (RFC 8446 D.4), once. */
  sendCompatCcs(): void;
  /** Flushes queued handshake messages and switches the write keys (TLS 1.3 traffic secret). */
  setTls13WriteKeys(suite: Tls13CipherSuite, trafficSecret: Uint8Array): void;
  /**
   * Switches the read keys. Throws ERR_TLS_RECORD_KEY_CHANGE_SPLIT when a handshake message was
   * left half-received across the key change (RFC 8446 §5.1).
   */
  setTls13ReadKeys(suite: Tls13CipherSuite, trafficSecret: Uint8Array): void;
  /** The client may still send one compatibility CCS (RFC 8446 §5, D.4). */
  allowCompatCcs(allowed: boolean): void;
  /** Writes an NSS key log line when a sink is configured. */
  keyLog(label: string, clientRandom: Uint8Array, secret: Uint8Array): void;
  /** The handshake is complete: record what was negotiated and release queued application data. */
  handshakeComplete(params: NegotiatedParameters): void;
  /** RFC 8446 §4.6.3: the peer updated its keys; answer when it asks. */
  receivedKeyUpdate(request: number): void;
  /**
   * RFC 8449 §4: the peer's record_size_limit; records we protect from now on carry at most
   * `limit - 1` bytes of plaintext (TLS 1.3 counts the inner content type).
   */
  setPeerRecordSizeLimit(limit: number): void;
  /** Early negotiated facts (for the resolver and logs) before completion. */
  noteServerName(name: string | null): void;
}
