/**
 * What a TLS 1.3 client handshake carries from state to state (STYLE §2: one object travels,
 * states hold only what later steps need).
 */
import type { ClientHello } from '../codec/client-hello.ts';
import type { CertificateRequest } from '../codec/certificate.ts';
import type { ActiveKeyExchange, Tls13CipherSuite, KeyExchangeGroup } from '../crypto/provider.ts';
import type { HandshakeSecret, MasterSecret } from '../crypto/key-schedule.ts';
import { Transcript } from '../crypto/transcript.ts';
import type { ServerName } from '../verify.ts';
import type { CertificateCompressionInfo } from '../conn/api.ts';
import type { ClientConfig } from './config.ts';
import type { ClientResumption } from './resumption.ts';
import type { Tls12ClientSession } from './session-store.ts';

export class ClientHandshakeData {
  readonly config: ClientConfig;
  readonly serverName: ServerName;
  /** The host_name we sent in server_name, or null. */
  readonly sni: string | null;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly transcript: Transcript;
  /** Extension types we offered (a server may answer only these: RFC 8446 §4.2). */
  readonly offeredExtensions: Set<number>;
  /** The ClientHello we sent last (kept to build ClientHello2 after a HelloRetryRequest). */
  hello: ClientHello;
  /** Our key shares in flight; one per group we sent a share for. */
  keyShares: ActiveKeyExchange[];
  helloRetried: boolean;
  /** The suite a HelloRetryRequest named (the ServerHello must repeat it, §4.1.4). */
  retrySuite: number | null;
  suite: Tls13CipherSuite | null;
  group: KeyExchangeGroup | null;
  handshakeSecret: HandshakeSecret | null;
  clientHandshakeTrafficSecret: Uint8Array | null;
  serverHandshakeTrafficSecret: Uint8Array | null;
  master: MasterSecret | null;
  alpn: string | null;
  peerCertificates: Uint8Array[];
  ocspResponse: Uint8Array | null;
  certificateRequest: CertificateRequest | null;
  peerSignatureScheme: number | null;
  /** RFC 8879: how the server's certificate arrived, and how we sent ours (null: uncompressed). */
  certificateCompression: CertificateCompressionInfo | null;
  clientCertificateCompression: CertificateCompressionInfo | null;
  /** The session store key (the name the connection was made to). */
  sessionKey: string;
  /** The ticket we offer, or null (RFC 8446 §4.2.11). */
  resumption: ClientResumption | null;
  /** The server accepted our PSK: no Certificate/CertificateVerify follow. */
  resumed: boolean;
  /** The TLS 1.2 session we offer (its id or ticket; client/tls12-resumption.ts), or null. */
  tls12Offer: Tls12ClientSession | null;

  constructor(config: ClientConfig, serverName: ServerName, sni: string | null, random: Uint8Array, sessionId: Uint8Array, hello: ClientHello) {
    this.config = config;
    this.serverName = serverName;
    this.sni = sni;
    this.random = random;
    this.sessionId = sessionId;
    this.transcript = new Transcript(null);
    this.offeredExtensions = new Set();
    this.hello = hello;
    this.keyShares = [];
    this.helloRetried = false;
    this.retrySuite = null;
    this.suite = null;
    this.group = null;
    this.handshakeSecret = null;
    this.clientHandshakeTrafficSecret = null;
    this.serverHandshakeTrafficSecret = null;
    this.master = null;
    this.alpn = null;
    this.peerCertificates = [];
    this.ocspResponse = null;
    this.certificateRequest = null;
    this.peerSignatureScheme = null;
    this.certificateCompression = null;
    this.clientCertificateCompression = null;
    this.sessionKey = sni ?? '';
    this.resumption = null;
    this.resumed = false;
    this.tls12Offer = null;
  }
}
