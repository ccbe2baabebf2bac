/**
 * What a handshake state may do to its connection. `ConnectionCommon` implements it; states see
 * only this, so they stay testable and free of record-layer details.
 */
import type { CryptoProvider, Tls12CipherSuite, Tls13CipherSuite } from '../crypto/provider.ts';
import type { NegotiatedParameters } from './api.ts';
import type { Exporter } from './exporter.ts';

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
  /**
   * Records a Finished verify_data (RFC 8446 §4.4.4, RFC 5246 §7.4.9) we sent ('local') or
   * checked ('peer'), for `finished` / `peerFinished` (RFC 5929 tls-unique, node:tls getFinished).
   * The connection copies it.
   */
  noteFinished(sender: 'local' | 'peer', verifyData: Uint8Array): void;
  /** RFC 8446 §7.5: the early exporter (early_exporter_master_secret), once known. */
  setEarlyExporter(exporter: Exporter): void;
  /**
   * Client 0-RTT (RFC 8446 §4.2.10): flushes ClientHello, then protects application data written
   * before the handshake completes under client_early_traffic_secret, up to `maxBytes`.
   */
  beginEarlyDataWrite(suite: Tls13CipherSuite, earlyTrafficSecret: Uint8Array, maxBytes: number): void;
  /**
   * Client: 0-RTT is over. Rejected: the plaintext write keys come back (for ClientHello2) and
   * everything written before completion is held for `takeRejectedEarlyData()`; accepted: the
   * rest goes out after the handshake.
   */
  endEarlyDataWrite(accepted: boolean): void;
  /**
   * Server: early data under the (already installed) early read key is accepted, up to
   * `maxBytes` (§4.2.10), until `endEarlyDataRead()` at EndOfEarlyData.
   */
  beginEarlyDataRead(maxBytes: number): void;
  endEarlyDataRead(): void;
  /**
   * Server, rejecting 0-RTT (§4.2.10): skip up to `maxBytes` of early data, either records that
   * fail to decrypt under the handshake key ('undecryptable') or, after a HelloRetryRequest,
   * application_data records until ClientHello2 ('application-data'); 'none' stops skipping.
   */
  skipEarlyData(mode: 'none' | 'undecryptable' | 'application-data', maxBytes: number): void;
  /**
   * TLS 1.2 (RFC 5246 §7.1): flushes the queued handshake messages, sends ChangeCipherSpec and
   * switches the write keys; the next message we send (Finished) is protected.
   */
  sendTls12ChangeCipherSpec(suite: Tls12CipherSuite, key: Uint8Array, iv: Uint8Array): void;
  /**
   * TLS 1.2: the peer's ChangeCipherSpec is the next record; it switches the read keys to these.
   * Until it arrives a handshake record is unexpected_message, and the CCS must not split a
   * handshake message (RFC 5246 §7.1).
   */
  expectTls12ChangeCipherSpec(suite: Tls12CipherSuite, key: Uint8Array, iv: Uint8Array): void;
  /** Sends a warning alert (TLS 1.2 no_renegotiation, RFC 5746 §4.5 / RFC 5246 §7.2.2). */
  sendWarningAlert(description: number): void;
}
