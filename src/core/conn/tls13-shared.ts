/**
 * Steps of the TLS 1.3 handshake that client and server share (STYLE §2: shared steps are
 * functions, not base classes).
 */
import { SignatureScheme, codePointName, ExtensionType } from '../codec/codepoints.ts';
import { Writer } from '../codec/writer.ts';
import { extensionName } from '../codec/extensions.ts';
import { TlsProtocolError } from '../errors.ts';
import { HandshakeType as HT } from '../codec/codepoints.ts';
import { decodeCertificateVerify } from '../codec/certificate-verify.ts';
import { decodeFinished } from '../codec/finished.ts';
import { expectMessage, type HandshakeMessage } from '../codec/handshake.ts';
import { verifyFinished } from '../crypto/key-schedule.ts';
import type { HashAlgorithm } from '../crypto/provider.ts';
import type { Transcript } from '../crypto/transcript.ts';
import type { HandshakeContext } from './context.ts';
import { concatBytes, utf8 } from '../util.ts';
import type { HandshakeSignatureValid } from '../verify.ts';

/** The scratch writer `encodeMessage` reuses; null while an encoding is in progress. */
let scratch: Writer | null = new Writer(1024);
/** A scratch buffer grown past this (a large Certificate) is dropped rather than kept. */
const SCRATCH_KEEP_LIMIT = 16 * 1024;

/**
 * Encodes one message and returns bytes the caller owns. A module-level scratch writer is
 * reused (one copy out per message instead of a fresh zeroed buffer); a nested call gets its
 * own writer. The scratch is zeroed after use, so no message outlives its encoding there.
 */
export function encodeMessage<T>(encode: (w: Writer, msg: T) => void, msg: T): Uint8Array {
  const w = scratch ?? new Writer(512);
  const shared = w === scratch;
  scratch = null;
  try {
    w.reset();
    encode(w, msg);
    return w.toBytes();
  } finally {
    if (shared) {
      w.buf.fill(0, 0, w.len);
      w.reset();
      scratch = w.buf.length > SCRATCH_KEEP_LIMIT ? new Writer(1024) : w;
    }
  }
}

/**
 * RFC 8446 §4.4.3: 64 spaces, the context string and a zero byte, precomputed per side; the
 * transcript hash follows.
 */
function cvPrefix(context: string): Uint8Array {
  return concatBytes(new Uint8Array(64).fill(0x20), utf8(context), Uint8Array.of(0));
}
const serverCvPrefix = cvPrefix('TLS 1.3, server CertificateVerify');
const clientCvPrefix = cvPrefix('TLS 1.3, client CertificateVerify');

/**
 * RFC 8446 §4.4.3: the content covered by CertificateVerify: 64 spaces, the context string,
 * a zero byte, then Transcript-Hash(Handshake Context, Certificate).
 */
export function certificateVerifyContent(side: 'client' | 'server', transcriptHash: Uint8Array): Uint8Array {
  const prefix = side === 'server' ? serverCvPrefix : clientCvPrefix;
  const out = new Uint8Array(prefix.length + transcriptHash.length);
  out.set(prefix, 0);
  out.set(transcriptHash, prefix.length);
  return out;
}

/**
 * Signature schemes allowed in TLS 1.3 handshake signatures (RFC 8446 §4.2.3): no
 * rsa_pkcs1_* (certificates only) and no SHA-1 or SHA-224.
 */
export function isTls13HandshakeScheme(scheme: number): boolean {
  switch (scheme) {
    case SignatureScheme.EcdsaSecp256r1Sha256:
    case SignatureScheme.EcdsaSecp384r1Sha384:
    case SignatureScheme.EcdsaSecp521r1Sha512:
    case SignatureScheme.RsaPssRsaeSha256:
    case SignatureScheme.RsaPssRsaeSha384:
    case SignatureScheme.RsaPssRsaeSha512:
    case SignatureScheme.RsaPssPssSha256:
    case SignatureScheme.RsaPssPssSha384:
    case SignatureScheme.RsaPssPssSha512:
    case SignatureScheme.Ed25519:
    case SignatureScheme.Ed448:
      return true;
    default:
      return false;
  }
}

export function schemeName(scheme: number): string {
  return codePointName(SignatureScheme, scheme);
}

/**
 * RFC 8446 §4.2: "Implementations MUST NOT send extension responses if the remote endpoint did
 * not send the corresponding extension requests ... Upon receiving such an extension, an
 * endpoint MUST abort the handshake with an unsupported_extension alert."
 */
export function rejectUnsolicited(offered: ReadonlySet<number>, received: readonly number[], message: string): void {
  for (const t of received) {
    if (!offered.has(t)) {
      throw new TlsProtocolError('ERR_TLS_PEER_UNSOLICITED_EXTENSION', `${message} carries ${extensionName(t)}, which we did not offer`);
    }
  }
}

/** The extension types a client offers that the server may echo in EncryptedExtensions. */
export const alwaysAllowedInEncryptedExtensions: readonly number[] = [ExtensionType.SupportedGroups];

/**
 * RFC 8446 §4.4.4: the peer's Finished must carry HMAC(finished_key, Transcript-Hash) for the
 * transcript so far, compared in constant time. On success the message joins the transcript and
 * its verify_data is noted on the connection (getPeerFinished).
 * @throws ERR_TLS_PEER_BAD_FINISHED (decrypt_error), decode errors for a wrong length.
 */
export function checkPeerFinished13(cx: HandshakeContext, m: HandshakeMessage, hash: HashAlgorithm, peerHandshakeSecret: Uint8Array, transcript: Transcript, peer: 'client' | 'server'): void {
  const fin = expectMessage(m, HT.Finished, (b) => decodeFinished(b, hash.outputLength));
  if (!verifyFinished(hash, peerHandshakeSecret, transcript.current(), fin.verifyData)) {
    throw new TlsProtocolError('ERR_TLS_PEER_BAD_FINISHED', `${peer} Finished does not match the handshake transcript`);
  }
  transcript.add(m.encoding);
  cx.noteFinished('peer', fin.verifyData);
}

/** What `checkPeerCertificateVerify` needs of either side's handshake data. */
export interface PeerSignatureState {
  readonly transcript: Transcript;
  readonly peerCertificates: readonly Uint8Array[];
  peerSignatureScheme: number | null;
}

/**
 * RFC 8446 §4.4.3: the peer's CertificateVerify must use a scheme we offered (`offered`, named
 * by `where` in the error) that TLS 1.3 allows; its signature covers the context string and the
 * transcript before it, checked with the peer's end-entity key. The message joins the
 * transcript; `verifier`'s result (possibly a Promise) is returned for `withResult`.
 * @throws ERR_TLS_PEER_ILLEGAL_PARAMETER for a scheme we did not offer.
 */
export function checkPeerCertificateVerify(
  m: HandshakeMessage, peer: 'client' | 'server', hs: PeerSignatureState, offered: readonly number[], where: string,
  verifier: { verifyTls13Signature(message: Uint8Array, endEntity: Uint8Array, scheme: number, signature: Uint8Array): HandshakeSignatureValid | Promise<HandshakeSignatureValid> },
): HandshakeSignatureValid | Promise<HandshakeSignatureValid> {
  const cv = expectMessage(m, HT.CertificateVerify, decodeCertificateVerify);
  if (!offered.includes(cv.algorithm) || !isTls13HandshakeScheme(cv.algorithm)) {
    throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `${peer} signed with ${schemeName(cv.algorithm)}, which ${where} did not offer`);
  }
  const content = certificateVerifyContent(peer, hs.transcript.current());
  hs.transcript.add(m.encoding);
  hs.peerSignatureScheme = cv.algorithm;
  return verifier.verifyTls13Signature(content, hs.peerCertificates[0]!, cv.algorithm, cv.signature.slice());
}
