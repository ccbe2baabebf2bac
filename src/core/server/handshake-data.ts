/**
 * What a TLS 1.3 server handshake carries from state to state.
 */
import type { ClientHello } from '../codec/client-hello.ts';
import type { KeyExchangeGroup, Tls13CipherSuite } from '../crypto/provider.ts';
import type { HandshakeSecret, MasterSecret } from '../crypto/key-schedule.ts';
import { Transcript } from '../crypto/transcript.ts';
import { EMPTY_BYTES } from '../util.ts';
import type { CertificateCompressionInfo } from '../conn/api.ts';
import type { CertifiedKey, ServerConfig } from './config.ts';
import type { ServerResumption } from './resumption.ts';

export class ServerHandshakeData {
  readonly config: ServerConfig;
  transcript: Transcript;
  /** The client's random (key log lines are keyed by it). */
  clientRandom: Uint8Array;
  sessionIdEcho: Uint8Array;
  /** ClientHello1, kept across a HelloRetryRequest to check ClientHello2 (§4.1.2); null otherwise. */
  hello: ClientHello | null;
  /** The record_size_limit of the hello we answered (RFC 8449), or null. */
  clientRecordSizeLimit: number | null;
  helloRetried: boolean;
  /** The cookie we sent in the HelloRetryRequest, which ClientHello2 must echo. */
  cookie: Uint8Array | null;
  suite: Tls13CipherSuite | null;
  group: KeyExchangeGroup | null;
  sni: string | null;
  alpn: Uint8Array | null;
  certifiedKey: CertifiedKey | null;
  signatureScheme: number | null;
  handshakeSecret: HandshakeSecret | null;
  clientHandshakeTrafficSecret: Uint8Array | null;
  serverHandshakeTrafficSecret: Uint8Array | null;
  master: MasterSecret | null;
  clientApplicationTrafficSecret: Uint8Array | null;
  exporterSecret: Uint8Array | null;
  /** We sent a CertificateRequest. */
  requestedClientCert: boolean;
  peerCertificates: Uint8Array[];
  peerSignatureScheme: number | null;
  /** The PSK we accepted (RFC 8446 §4.2.11), or null for a full handshake. */
  resumption: ServerResumption | null;
  /** RFC 8446 §4.4.2.1: the ClientHello's status_request asked for OCSP. */
  clientRequestedOcsp: boolean;
  /** RFC 8879 §3: the algorithms of the ClientHello's compress_certificate, or null. */
  clientCompressAlgorithms: number[] | null;
  /** RFC 8879: how we sent our certificate and how the client sent its (null: uncompressed). */
  certificateCompression: CertificateCompressionInfo | null;
  clientCertificateCompression: CertificateCompressionInfo | null;
  /** The OCSP response we stapled, or null. */
  stapledOcsp: Uint8Array | null;

  constructor(config: ServerConfig) {
    this.config = config;
    this.transcript = new Transcript(null);
    // Set from the ClientHello before any use (no arrays per connection that the hello replaces at once).
    this.clientRandom = EMPTY_BYTES;
    this.sessionIdEcho = EMPTY_BYTES;
    this.hello = null;
    this.clientRecordSizeLimit = null;
    this.helloRetried = false;
    this.cookie = null;
    this.suite = null;
    this.group = null;
    this.sni = null;
    this.alpn = null;
    this.certifiedKey = null;
    this.signatureScheme = null;
    this.handshakeSecret = null;
    this.clientHandshakeTrafficSecret = null;
    this.serverHandshakeTrafficSecret = null;
    this.master = null;
    this.clientApplicationTrafficSecret = null;
    this.exporterSecret = null;
    this.requestedClientCert = false;
    this.peerCertificates = [];
    this.peerSignatureScheme = null;
    this.resumption = null;
    this.clientRequestedOcsp = false;
    this.clientCompressAlgorithms = null;
    this.certificateCompression = null;
    this.clientCertificateCompression = null;
    this.stapledOcsp = null;
  }
}
