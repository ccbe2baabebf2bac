/**
 * (EC)DHE key-exchange groups on node:crypto: X25519 (RFC 7748) and secp256r1 / secp384r1
 * (uncompressed points, RFC 8446 §4.2.8.2). Peer shares are validated before use; every
 * failure is ERR_TLS_PEER_BAD_KEY_SHARE (illegal_parameter).
 */
import { createECDH, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { NamedGroup } from '../../core/codec/codepoints.ts';
import type { ActiveKeyExchange, CompletedKeyExchange, KeyExchangeGroup } from '../../core/crypto/provider.ts';
import { TlsError } from '../../core/errors.ts';
import { badKeyShare, checkUncompressedPoint, EcdhGroup, checkX25519Secret, checkX25519Share, X25519_SHARE_LENGTH } from '../../core/crypto/key-share.ts';

function bytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

// ---------------------------------------------------------------- X25519


/** An X25519 exchange in progress: our private key and raw public key. */
export class X25519Exchange implements ActiveKeyExchange {
  readonly group = NamedGroup.X25519;
  readonly publicShare: Uint8Array;
  readonly privateKey: KeyObject;

  constructor(privateKey: KeyObject, publicShare: Uint8Array) {
    this.privateKey = privateKey;
    this.publicShare = publicShare;
  }

  /** Generates a fresh key pair. JWK is asked for up front (PLATFORM-NOTES: Node 20 export hang). */
  static generate(): X25519Exchange {
    const kp = generateKeyPairSync('x25519', { publicKeyEncoding: { format: 'jwk' } });
    const x = (kp.publicKey as { x?: unknown }).x;
    if (typeof x !== 'string') throw new TlsError('ERR_TLS_CRYPTO_FAILURE', 'X25519 key generation returned no public key');
    return new X25519Exchange(kp.privateKey, bytes(Buffer.from(x, 'base64url')));
  }

  /** An exchange with a given raw 32-byte private key (test traces such as RFC 8448). */
  static fromPrivateKey(d: Uint8Array): X25519Exchange {
    if (d.length !== X25519_SHARE_LENGTH) throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `X25519 private key is ${d.length} bytes, expected 32`);
    // RFC 8410 PKCS#8 for X25519: SEQUENCE { 0, { id-X25519 }, OCTET STRING { OCTET STRING d } }.
    const der = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), d]);
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    return new X25519Exchange(privateKey, bytes(Buffer.from(jwk.x ?? '', 'base64url')));
  }

  complete(peerShare: Uint8Array): Uint8Array {
    // RFC 8446 §4.2.8.2: X25519 shares are exactly 32 bytes.
    checkX25519Share(peerShare);
    let secret: Uint8Array;
    try {
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peerShare.buffer, peerShare.byteOffset, peerShare.byteLength).toString('base64url') }, format: 'jwk' });
      secret = bytes(diffieHellman({ privateKey: this.privateKey, publicKey }));
    } catch (e) {
      // OpenSSL itself refuses an all-zero result ("failed during derivation").
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
    return X25519Exchange.generate();
  }
  startAndComplete(peerShare: Uint8Array): CompletedKeyExchange {
    checkX25519Share(peerShare);
    const kx = X25519Exchange.generate();
    return { group: this.group, publicShare: kx.publicShare, sharedSecret: kx.complete(peerShare) };
  }
}

// ---------------------------------------------------------------- NIST curves

/** An ECDHE exchange on a NIST curve, in progress. */
export class EcdhExchange implements ActiveKeyExchange {
  readonly group: number;
  readonly name: string;
  readonly publicShare: Uint8Array;
  readonly ecdh: ReturnType<typeof createECDH>;
  readonly coordinateLength: number;

  constructor(group: number, name: string, curve: string, coordinateLength: number, privateKey: Uint8Array | null) {
    this.group = group;
    this.name = name;
    this.coordinateLength = coordinateLength;
    this.ecdh = createECDH(curve);
    if (privateKey === null) this.ecdh.generateKeys();
    else this.ecdh.setPrivateKey(privateKey);
    this.publicShare = bytes(this.ecdh.getPublicKey(null, 'uncompressed'));
  }

  complete(peerShare: Uint8Array): Uint8Array {
    checkUncompressedPoint(this.name, peerShare, this.coordinateLength);
    try {
      // OpenSSL checks that the point is on the curve and not the point at infinity.
      return bytes(this.ecdh.computeSecret(peerShare));
    } catch (e) {
      throw badKeyShare(this.name, 'point is not on the curve', e);
    }
  }
}


/** X25519 (RFC 7748). Not available in FIPS mode. */
export const x25519: KeyExchangeGroup = new X25519Group();
/** secp256r1 / P-256 with uncompressed points. */
export const secp256r1: KeyExchangeGroup = new EcdhGroup(NamedGroup.Secp256r1, 'secp256r1', () => new EcdhExchange(NamedGroup.Secp256r1, 'secp256r1', 'prime256v1', 32, null));
/** secp384r1 / P-384 with uncompressed points. */
export const secp384r1: KeyExchangeGroup = new EcdhGroup(NamedGroup.Secp384r1, 'secp384r1', () => new EcdhExchange(NamedGroup.Secp384r1, 'secp384r1', 'secp384r1', 48, null));

/** A NIST-curve exchange with a given private key (test traces). */
export function ecdhExchangeFromPrivateKey(group: number, privateKey: Uint8Array): ActiveKeyExchange {
  if (group === NamedGroup.Secp256r1) return new EcdhExchange(group, 'secp256r1', 'prime256v1', 32, privateKey);
  if (group === NamedGroup.Secp384r1) return new EcdhExchange(group, 'secp384r1', 'secp384r1', 48, privateKey);
  throw new TlsError('ERR_TLS_CRYPTO_UNSUPPORTED', `no NIST curve for group 0x${group.toString(16)}`);
}
