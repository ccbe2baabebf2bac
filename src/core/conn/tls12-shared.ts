/**
 * Steps of the TLS 1.2 handshake that client and server share (RFC 5246, RFC 8422, RFC 7627,
 * RFC 5746), the RFC 5705 exporter and the established `Tls12Traffic` state.
 */
import { AlertDescription, HandshakeType, SignatureScheme } from '../codec/codepoints.ts';
import { decodeFinished, encodeFinished } from '../codec/finished.ts';
import { expectMessage, handshakeTypeName, type HandshakeMessage } from '../codec/handshake.ts';
import { writeServerEcdhParams } from '../codec/tls12.ts';
import { Writer } from '../codec/writer.ts';
import type { Tls12CipherSuite, SigningKey } from '../crypto/provider.ts';
import { exportKeyingMaterial, extendedMasterSecret, keyBlock, masterSecret, verifyData, type Tls12KeyBlock } from '../crypto/tls12-prf.ts';
import type { Transcript } from '../crypto/transcript.ts';
import { TlsProtocolError, TlsUsageError } from '../errors.ts';
import { constantTimeEqual } from '../util.ts';
import type { HandshakeContext } from './context.ts';
import { checkExportArgs, type Exporter } from './exporter.ts';
import type { HandshakeState, Step } from './state.ts';
import { encodeMessage, schemeName } from './tls13-shared.ts';

/** RFC 8422 §5.1.2 ECPointFormat uncompressed: the only one we accept or offer. */
export const EC_POINT_FORMAT_UNCOMPRESSED = 0;

/** RFC 5246 §7.4.4 ClientCertificateType: rsa_sign (1), ecdsa_sign (64, RFC 8422 §5.5). */
export const ClientCertificateType = { RsaSign: 1, EcdsaSign: 64 } as const;

/**
 * The signature schemes TLS 1.2 may use with a suite's authentication (RFC 5246 §7.4.1.4.1,
 * RFC 8422 §5.1.3 for EdDSA): ECDHE_ECDSA suites sign with ECDSA or EdDSA keys, ECDHE_RSA
 * suites with RSA (PKCS#1 v1.5 or PSS with an rsaEncryption key). No SHA-1 or SHA-224.
 */
export function schemeFitsAuthentication(scheme: number, authentication: 'ecdsa' | 'rsa'): boolean {
  switch (scheme) {
    case SignatureScheme.EcdsaSecp256r1Sha256:
    case SignatureScheme.EcdsaSecp384r1Sha384:
    case SignatureScheme.EcdsaSecp521r1Sha512:
    case SignatureScheme.Ed25519:
    case SignatureScheme.Ed448:
      return authentication === 'ecdsa';
    case SignatureScheme.RsaPkcs1Sha256:
    case SignatureScheme.RsaPkcs1Sha384:
    case SignatureScheme.RsaPkcs1Sha512:
    case SignatureScheme.RsaPssRsaeSha256:
    case SignatureScheme.RsaPssRsaeSha384:
    case SignatureScheme.RsaPssRsaeSha512:
      return authentication === 'rsa';
    default:
      return false;
  }
}

/** The authentication a key provides in TLS 1.2 suites: RSA keys for ECDHE_RSA, the rest ECDSA. */
export function keyAuthentication(key: SigningKey): 'ecdsa' | 'rsa' {
  return key.keyType === 'rsa' ? 'rsa' : 'ecdsa';
}

/**
 * Our first TLS 1.2 scheme (`tls12Schemes`, else `schemes`) that the peer offered, or null.
 * RFC 5246 §7.4.1.4.1: a peer without signature_algorithms offers nothing we sign with (its
 * default is SHA-1, which we never use).
 */
export function chooseTls12Scheme(key: SigningKey, offered: readonly number[]): number | null {
  const ours = key.tls12Schemes ?? key.schemes;
  for (const s of ours) if (offered.includes(s)) return s;
  return null;
}

/**
 * RFC 8422 §5.4: the ServerKeyExchange signature covers
 * ClientHello.random + ServerHello.random + ServerECDHParams.
 */
export function serverKeyExchangeSignedContent(clientRandom: Uint8Array, serverRandom: Uint8Array, namedGroup: number, publicKey: Uint8Array): Uint8Array {
  const w = new Writer(64 + 4 + publicKey.length);
  w.bytes(clientRandom).bytes(serverRandom);
  writeServerEcdhParams(w, namedGroup, publicKey);
  return w.toBytes();
}

/** Keys of an established TLS 1.2 connection, derived once after ClientKeyExchange. */
export interface Tls12Secrets {
  /** 48 bytes (RFC 5246 §8.1). Kept for Finished and the exporter. */
  readonly master: Uint8Array;
  readonly keys: Tls12KeyBlock;
}

/**
 * RFC 7627 §4 / RFC 5246 §8.1 master secret, then the key block (§6.3), and the NSS key log
 * line `CLIENT_RANDOM <client_random> <master_secret>`. `transcript` holds everything up to and
 * including ClientKeyExchange: its hash is the session_hash (RFC 7627 §3).
 */
export function deriveTls12Secrets(cx: HandshakeContext, suite: Tls12CipherSuite, preMasterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, ems: boolean, transcript: Transcript): Tls12Secrets {
  const master = ems
    ? extendedMasterSecret(suite.hash, preMasterSecret, transcript.current())
    : masterSecret(suite.hash, preMasterSecret, clientRandom, serverRandom);
  preMasterSecret.fill(0); // best effort: JS cannot promise the copy is gone
  cx.keyLog('CLIENT_RANDOM', clientRandom, master);
  // RFC 5288 §3: a 4-byte implicit salt for GCM; RFC 7905 §2: a 12-byte IV for ChaCha20.
  const fixedIvLength = suite.nonce === 'gcm-explicit' ? 4 : 12;
  const keys = keyBlock(suite.hash, master, clientRandom, serverRandom, suite.aead.keyLength, fixedIvLength);
  return { master, keys };
}

/** Encodes our Finished (RFC 5246 §7.4.9) over the transcript so far; adds it and returns it. */
export function makeFinished(suite: Tls12CipherSuite, master: Uint8Array, side: 'client' | 'server', transcript: Transcript): Uint8Array {
  const data = verifyData(suite.hash, master, side === 'client' ? 'client finished' : 'server finished', transcript.current());
  const bytes = encodeMessage(encodeFinished, { verifyData: data });
  transcript.add(bytes);
  return bytes;
}

/**
 * Checks the peer's Finished (RFC 5246 §7.4.9, constant-time) and adds it to the transcript.
 * Returns the peer's verify_data (a view into `m`).
 * @throws ERR_TLS_PEER_BAD_FINISHED (decrypt_error); ERR_TLS_DECODE_LENGTH for a wrong size.
 */
export function checkPeerFinished(m: HandshakeMessage, suite: Tls12CipherSuite, master: Uint8Array, peer: 'client' | 'server', transcript: Transcript): Uint8Array {
  const fin = expectMessage(m, HandshakeType.Finished, (b) => decodeFinished(b, 12));
  const expected = verifyData(suite.hash, master, peer === 'client' ? 'client finished' : 'server finished', transcript.current());
  if (!constantTimeEqual(expected, fin.verifyData)) {
    throw new TlsProtocolError('ERR_TLS_PEER_BAD_FINISHED', `${peer} Finished does not match the handshake transcript`);
  }
  transcript.add(m.encoding);
  return fin.verifyData;
}

/** Checks that `scheme` was offered and suits the suite (RFC 5246 §7.4.1.4.1). */
export function checkPeerTls12Scheme(scheme: number, offered: readonly number[], authentication: 'ecdsa' | 'rsa' | null, what: string): void {
  if (!offered.includes(scheme) || (authentication !== null && !schemeFitsAuthentication(scheme, authentication))) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `${what} signed with ${schemeName(scheme)}, which we did not offer${authentication === null ? '' : ` for an ECDHE_${authentication.toUpperCase()} suite`}`);
  }
}

/**
 * RFC 5705 exporter over the TLS 1.2 master secret. Refused without the extended master
 * secret (RFC 7627 §5.4 / §6: the master secret of such a session is not bound to its
 * handshake, so its exports are not unique to the connection), as Go's crypto/tls does.
 */
export class Tls12Exporter implements Exporter {
  readonly #suite: Tls12CipherSuite;
  readonly #master: Uint8Array;
  readonly #clientRandom: Uint8Array;
  readonly #serverRandom: Uint8Array;
  readonly #ems: boolean;

  /** Takes ownership of its arguments. */
  constructor(suite: Tls12CipherSuite, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, ems: boolean) {
    this.#suite = suite;
    this.#master = master;
    this.#clientRandom = clientRandom;
    this.#serverRandom = serverRandom;
    this.#ems = ems;
  }

  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array {
    checkExportArgs(label, length);
    if (!this.#ems) throw new TlsUsageError('ERR_TLS_USAGE', 'exporters are refused on a TLS 1.2 connection without extended master secret (RFC 7627)');
    // The labels of the key derivation itself would hand out keys or Finished values.
    if (reservedLabels.has(label)) throw new TlsUsageError('ERR_TLS_USAGE', `exporter label ${JSON.stringify(label)} is reserved by the TLS 1.2 key derivation (RFC 5705 §4)`);
    if (context !== null && context.length > 0xffff) throw new TlsUsageError('ERR_TLS_USAGE', `exporter context is ${context.length} bytes: at most 65535 allowed (RFC 5705 §4)`);
    if (length > 0xffff) throw new TlsUsageError('ERR_TLS_USAGE', `exporter length ${length}: expected at most 65535`);
    return exportKeyingMaterial(this.#suite.hash, this.#master, label, this.#clientRandom, this.#serverRandom, context, length);
  }
}

const reservedLabels: ReadonlySet<string> = new Set(['client finished', 'server finished', 'master secret', 'key expansion', 'extended master secret']);

/** Renegotiation attempts we answer with a warning before giving up on the peer. */
const MAX_REFUSED_RENEGOTIATIONS = 8;

/**
 * The established TLS 1.2 connection. TLS 1.2 has no post-handshake messages we accept:
 * renegotiation is refused (RFC 5746 §4.2 client / §4.4 server; RFC 5246 §7.4.1.1, §7.2.2) with a
 * no_renegotiation warning, the request itself ignored; anything else is unexpected_message.
 */
export class Tls12Traffic implements HandshakeState {
  readonly name = 'Tls12Traffic';
  readonly established = true;
  readonly side: 'client' | 'server';
  readonly exporter: Exporter;
  // invariant: 0 <= refused <= MAX_REFUSED_RENEGOTIATIONS
  private refused: number;

  constructor(side: 'client' | 'server', exporter: Exporter) {
    this.side = side;
    this.exporter = exporter;
    this.refused = 0;
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    const renegotiation = this.side === 'client' ? HandshakeType.HelloRequest : HandshakeType.ClientHello;
    if (m.type === renegotiation) {
      if (++this.refused > MAX_REFUSED_RENEGOTIATIONS) {
        throw new TlsProtocolError('ERR_TLS_PEER_RENEGOTIATION', `${this.refused} renegotiation attempts: expected none after our no_renegotiation warnings`);
      }
      // Not hashed anywhere: there is no handshake to continue.
      cx.sendWarningAlert(AlertDescription.NoRenegotiation);
      return this;
    }
    throw new TlsProtocolError('ERR_TLS_PEER_UNEXPECTED_MESSAGE', `received ${handshakeTypeName(m.type)} after the TLS 1.2 handshake: expected application data (renegotiation is not supported)`);
  }
}
