/**
 * The buffered, sans-I/O connection API (rustls' read_tls / process_new_packets / write_tls /
 * reader / writer). Adapters (src/node) drive a connection through this interface only.
 *
 * Driving loop, in words:
 *   1. bytes arrive from the transport -> `readTls(bytes)` (copies what it accepts; returns the
 *      count; a full internal buffer accepts less: call `processNewPackets()` and retry), or
 *      `lendTls(bytes)` to hand a fresh read buffer over without the copy;
 *   2. `processNewPackets()`; on a `TlsError` the connection is failed: still flush
 *      `writeTls()` (it holds the alert), then close the transport;
 *   3. if `blockedOn()` returns a Promise, a user callback is pending: await it, then call
 *      `processNewPackets()` again (keep feeding `readTls` meanwhile);
 *   4. `writeTls()` until null and send those bytes; `readPlaintext()` until null and deliver;
 *   5. `writePlaintext()` queues application data (held until the handshake completes).
 */
import type { TlsError } from '../errors.ts';

export type ProtocolVersionName = 'TLSv1.2' | 'TLSv1.3';

/** What `processNewPackets()` reports. */
export interface IoState {
  /** Bytes waiting in `writeTls()`. */
  readonly tlsBytesToWrite: number;
  /** Plaintext bytes waiting in `readPlaintext()`. */
  readonly plaintextBytesToRead: number;
  /** The peer sent close_notify: no more plaintext will come. */
  readonly peerHasClosed: boolean;
}

/** The parameters a completed handshake agreed on. */
export interface NegotiatedParameters {
  readonly protocolVersion: ProtocolVersionName;
  /** IANA name, e.g. `TLS_AES_128_GCM_SHA256`. */
  readonly cipherSuite: string;
  readonly cipherSuiteId: number;
  /** IANA name of the key-exchange group (`x25519`, `secp256r1`, ...), or null (PSK-only). */
  readonly group: string | null;
  readonly groupId: number | null;
  /** The ALPN protocol, or null when none was negotiated. */
  readonly alpn: string | null;
  /** The SNI host name (client: what we sent; server: what the client sent), or null. */
  readonly serverName: string | null;
  /** The peer's certificate chain as sent, end-entity first (DER). Empty when none. */
  readonly peerCertificates: readonly Uint8Array[];
  /** The signature scheme of the peer's handshake signature, or null. */
  readonly peerSignatureScheme: number | null;
  /** The handshake resumed a session with a TLS 1.3 PSK (RFC 8446 §2.2) or a TLS 1.2 ticket/ID. */
  readonly resumed: boolean;
  /** TLS 1.3 0-RTT data was sent (client) or received (server) and accepted; absent means false. */
  readonly earlyDataAccepted?: boolean;
  /** HelloRetryRequest happened in this handshake. */
  readonly helloRetried: boolean;
  /**
   * RFC 8879: how the server's certificate travelled (client: received; server: sent), or null
   * when it was sent uncompressed. Absent (= null) for TLS 1.2.
   */
  readonly certificateCompression?: CertificateCompressionInfo | null;
  /** The same for the client's certificate (mutual TLS), or null. */
  readonly clientCertificateCompression?: CertificateCompressionInfo | null;
  /**
   * The DER OCSP response the server stapled (client: received and handed to the verifier;
   * server: sent), or null. Absent means null.
   */
  readonly ocspResponse?: Uint8Array | null;
}

/** A certificate sent as an RFC 8879 CompressedCertificate. */
export interface CertificateCompressionInfo {
  /** CertificateCompressionAlgorithm: zlib 1, brotli 2, zstd 3. */
  readonly algorithm: number;
  /** `zlib`, `brotli`, `zstd` or the number. */
  readonly algorithmName: string;
  /** Bytes of compressed_certificate_message. */
  readonly compressedLength: number;
  /** uncompressed_length: bytes of the Certificate message body. */
  readonly uncompressedLength: number;
}

/** The common surface of client and server connections. */
export interface TlsConnection {
  readonly side: 'client' | 'server';
  readTls(data: Uint8Array): number;
  /**
   * `readTls` without the copy: when nothing is buffered the engine takes `data` itself, reads
   * records from it and may decrypt them in place, so the caller hands the array over and must
   * not read, write or reuse it afterwards (a transport's fresh read buffer, e.g. a net.Socket
   * 'data' chunk). Returns the bytes accepted, as `readTls` (all of `data` when nothing was
   * buffered; otherwise it copies what fits).
   */
  lendTls(data: Uint8Array): number;
  processNewPackets(): IoState;
  writeTls(): Uint8Array | null;
  wantsRead(): boolean;
  wantsWrite(): boolean;
  isHandshaking(): boolean;
  /** Non-null while a user callback's Promise is pending. */
  blockedOn(): Promise<void> | null;
  readPlaintext(): Uint8Array | null;
  writePlaintext(data: Uint8Array): void;
  /** Queues close_notify; later `writePlaintext` calls fail with ERR_TLS_USAGE_CLOSED. */
  sendCloseNotify(): void;
  /** TLS 1.3: sends KeyUpdate and switches to new sending keys; `requestPeer` asks the peer to do the same. */
  updateKeys(requestPeer: boolean): void;
  /**
   * Keying material exporter (RFC 5705; RFC 8446 §7.5): `length` bytes bound to `label` and
   * `context` (null = no context). The caller owns the result.
   * @throws TlsUsageError ERR_TLS_USAGE_HANDSHAKING before the handshake completes;
   *   ERR_TLS_USAGE for bad arguments, or a TLS 1.2 connection without extended master secret
   *   (RFC 7627 §5.4).
   */
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array;
  /** Null until the handshake completes. */
  readonly negotiated: NegotiatedParameters | null;
  /** The error that failed the connection, or null. */
  readonly error: TlsError | null;
}
