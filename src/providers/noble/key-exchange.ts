/**
 * (EC)DHE key-exchange groups on `@noble/curves`: X25519 (RFC 7748) and secp256r1 / secp384r1
 * (uncompressed points, RFC 8446 §4.2.8.2). Peer shares are validated before use exactly as
 * the node provider does; every failure is ERR_TLS_PEER_BAD_KEY_SHARE (illegal_parameter).
 */
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { NamedGroup } from '../../core/codec/codepoints.ts';
import type { ActiveKeyExchange, CompletedKeyExchange, KeyExchangeGroup } from '../../core/crypto/provider.ts';
import { TlsError } from '../../core/errors.ts';
import { badKeyShare, checkUncompressedPoint, EcdhGroup, checkX25519Secret, checkX25519Share, X25519_SHARE_LENGTH } from '../../core/crypto/key-share.ts';
import { randomBytes } from './random.ts';

// ---------------------------------------------------------------- X25519


/** An X25519 exchange in progress: our private scalar and public key. */
export class NobleX25519Exchange implements ActiveKeyExchange {
  readonly group = NamedGroup.X25519;
  readonly publicShare: Uint8Array;
  readonly #privateKey: Uint8Array;

  /** An exchange with a given raw 32-byte private key (fresh random when omitted; test traces). */
  constructor(privateKey: Uint8Array = randomBytes(X25519_SHARE_LENGTH)) {
    if (privateKey.length !== X25519_SHARE_LENGTH) throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `X25519 private key is ${privateKey.length} bytes, expected 32`);
    this.#privateKey = privateKey.slice();
    this.publicShare = nobleX25519.getPublicKey(this.#privateKey);
  }

  complete(peerShare: Uint8Array): Uint8Array {
    // RFC 8446 §4.2.8.2: X25519 shares are exactly 32 bytes.
    checkX25519Share(peerShare);
    let secret: Uint8Array;
    try {
      secret = nobleX25519.getSharedSecret(this.#privateKey, peerShare);
    } catch (e) {
      // noble refuses known small-order points up front, as OpenSSL refuses the zero result.
      throw badKeyShare('x25519', 'invalid point (shared secret would be all zeros)', e);
    }
    // RFC 8446 §7.4.2 / RFC 7748 §6.1: abort on an all-zero shared secret (small-order point).
    checkX25519Secret(secret);
    return secret;
  }
}

class X25519Group implements KeyExchangeGroup {
  readonly group = NamedGroup.X25519;
  readonly name = 'x25519';
  readonly usableInTls12 = true;
  start(): ActiveKeyExchange {
    return new NobleX25519Exchange();
  }
  startAndComplete(peerShare: Uint8Array): CompletedKeyExchange {
    checkX25519Share(peerShare);
    const kx = new NobleX25519Exchange();
    return { group: this.group, publicShare: kx.publicShare, sharedSecret: kx.complete(peerShare) };
  }
}

// ---------------------------------------------------------------- NIST curves

type NistCurve = typeof p256 | typeof p384;

/** An ECDHE exchange on a NIST curve, in progress. */
export class NobleEcdhExchange implements ActiveKeyExchange {
  readonly group: number;
  readonly name: string;
  readonly publicShare: Uint8Array;
  readonly curve: NistCurve;
  readonly coordinateLength: number;
  readonly #privateKey: Uint8Array;

  /** `privateKey`: a raw scalar of `coordinateLength` bytes (test traces), or null for a fresh one. */
  constructor(group: number, name: string, curve: NistCurve, coordinateLength: number, privateKey: Uint8Array | null) {
    this.group = group;
    this.name = name;
    this.curve = curve;
    this.coordinateLength = coordinateLength;
    if (privateKey !== null && !curve.utils.isValidSecretKey(privateKey)) {
      throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `${name} private key is not a scalar in 1..n-1 of ${coordinateLength} bytes`);
    }
    // noble's keygen draws from crypto.getRandomValues and reduces into 1..n-1 (FIPS 186-5 A.2.1).
    this.#privateKey = privateKey === null ? curve.utils.randomSecretKey() : privateKey.slice();
    this.publicShare = curve.getPublicKey(this.#privateKey, false);
  }

  complete(peerShare: Uint8Array): Uint8Array {
    checkUncompressedPoint(this.name, peerShare, this.coordinateLength);
    let shared: Uint8Array;
    try {
      // noble's Point.fromBytes checks the point is on the curve; the product is checked
      // not to be the point at infinity (the cofactor is 1, so every valid point is in the group).
      shared = this.curve.getSharedSecret(this.#privateKey, peerShare, true);
    } catch (e) {
      throw badKeyShare(this.name, 'point is not on the curve', e);
    }
    // RFC 8446 §7.4.2: the shared secret is the x-coordinate only (drop the compressed-form prefix).
    return shared.slice(1);
  }
}


/** X25519 (RFC 7748), pure TypeScript. */
export const x25519: KeyExchangeGroup = new X25519Group();
/** secp256r1 / P-256 with uncompressed points, pure TypeScript. */
export const secp256r1: KeyExchangeGroup = new EcdhGroup(NamedGroup.Secp256r1, 'secp256r1', () => new NobleEcdhExchange(NamedGroup.Secp256r1, 'secp256r1', p256, 32, null));
/** secp384r1 / P-384 with uncompressed points, pure TypeScript. */
export const secp384r1: KeyExchangeGroup = new EcdhGroup(NamedGroup.Secp384r1, 'secp384r1', () => new NobleEcdhExchange(NamedGroup.Secp384r1, 'secp384r1', p384, 48, null));

/**
 * An exchange with a given private key (test traces such as RFC 8448): a raw 32-byte X25519
 * scalar, or a raw secp256r1 / secp384r1 scalar.
 * @throws ERR_TLS_CRYPTO_UNSUPPORTED for another group; ERR_TLS_CRYPTO_FAILURE for a bad key.
 */
export function nobleExchangeFromPrivateKey(group: number, privateKey: Uint8Array): ActiveKeyExchange {
  if (group === NamedGroup.X25519) return new NobleX25519Exchange(privateKey);
  if (group === NamedGroup.Secp256r1) return new NobleEcdhExchange(group, 'secp256r1', p256, 32, privateKey);
  if (group === NamedGroup.Secp384r1) return new NobleEcdhExchange(group, 'secp384r1', p384, 48, privateKey);
  throw new TlsError('ERR_TLS_CRYPTO_UNSUPPORTED', `no noble key exchange for group 0x${group.toString(16).padStart(4, '0')}`);
}
