/**
 * ML-KEM (FIPS 203) on node:crypto (OpenSSL 3.5+), for Node versions that have
 * `crypto.encapsulate` / `crypto.decapsulate` and raw ML-KEM keys (Node 24.7+). Feature-detected
 * once with a full round trip; `bestMlKem768()` / `bestMlKem1024()` fall back to
 * `@noble/post-quantum` where node:crypto cannot do it.
 *
 * OpenSSL runs the FIPS 203 §7.2 modulus check when it imports an encapsulation key, so a
 * malformed key fails at `createPublicKey` (mapped to ERR_TLS_PEER_BAD_KEY_SHARE).
 */
import * as nodeCrypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { TlsError } from '../../core/errors.ts';
import {
  badMlKemShare,
  checkMlKemLength,
  mlKemSizes,
  nobleMlKem1024,
  nobleMlKem768,
  type MlKem,
  type MlKemEncapsulation,
  type MlKemKeyPair,
  type MlKemName,
  type MlKemSizes,
} from '../noble/ml-kem.ts';

// The Node 24 APIs, typed here because the project builds against @types/node 20 (the floor).
type RawKeyFormat = 'raw-public' | 'raw-seed';
interface NodeKemApi {
  encapsulate(key: KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
  decapsulate(key: KeyObject, ciphertext: Uint8Array): Buffer;
  generateKeyPairSync(type: 'ml-kem-768' | 'ml-kem-1024'): { publicKey: KeyObject; privateKey: KeyObject };
  createPublicKey(o: { key: Uint8Array; format: RawKeyFormat; asymmetricKeyType: string }): KeyObject;
  createPrivateKey(o: { key: Uint8Array; format: RawKeyFormat; asymmetricKeyType: string }): KeyObject;
}
type RawExport = (o: { format: RawKeyFormat }) => Buffer;

const api = nodeCrypto as unknown as Partial<NodeKemApi> & Pick<NodeKemApi, 'generateKeyPairSync' | 'createPublicKey' | 'createPrivateKey'>;

function bytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function exportRaw(key: KeyObject, format: RawKeyFormat): Uint8Array {
  return bytes((key.export as unknown as RawExport).call(key, { format }));
}

class NodeKeyPair implements MlKemKeyPair {
  readonly encapsulationKey: Uint8Array;
  private readonly kem: NodeMlKem;
  private readonly privateKey: KeyObject;

  constructor(kem: NodeMlKem, privateKey: KeyObject, publicKey: KeyObject) {
    this.kem = kem;
    this.privateKey = privateKey;
    this.encapsulationKey = exportRaw(publicKey, 'raw-public');
  }

  decapsulate(ciphertext: Uint8Array): Uint8Array {
    const { name, sizes } = this.kem;
    checkMlKemLength(name, 'ciphertext', ciphertext, sizes.ciphertext);
    try {
      return bytes(this.kem.decapsulateFn(this.privateKey, ciphertext));
    } catch (e) {
      // Implicit rejection (FIPS 203 §6.3) means a right-length ciphertext cannot fail.
      throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `${name} decapsulation failed in node:crypto`, { cause: e });
    }
  }
}

/** ML-KEM on node:crypto. Construct through `nodeMlKem768()` / `nodeMlKem1024()`. */
export class NodeMlKem implements MlKem {
  readonly name: MlKemName;
  readonly backend = 'node';
  readonly sizes: MlKemSizes;
  readonly keyType: 'ml-kem-768' | 'ml-kem-1024';
  readonly encapsulateFn: NodeKemApi['encapsulate'];
  readonly decapsulateFn: NodeKemApi['decapsulate'];

  constructor(name: MlKemName, encapsulateFn: NodeKemApi['encapsulate'], decapsulateFn: NodeKemApi['decapsulate']) {
    this.name = name;
    this.sizes = mlKemSizes[name];
    this.keyType = name === 'ML-KEM-768' ? 'ml-kem-768' : 'ml-kem-1024';
    this.encapsulateFn = encapsulateFn;
    this.decapsulateFn = decapsulateFn;
  }

  generate(): MlKemKeyPair {
    const { publicKey, privateKey } = api.generateKeyPairSync(this.keyType);
    return new NodeKeyPair(this, privateKey, publicKey);
  }

  fromSeed(seed: Uint8Array): MlKemKeyPair {
    if (seed.length !== this.sizes.seed) throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `${this.name} seed of ${seed.length} bytes, expected ${this.sizes.seed}`);
    const privateKey = api.createPrivateKey({ key: seed, format: 'raw-seed', asymmetricKeyType: this.keyType });
    return new NodeKeyPair(this, privateKey, nodeCrypto.createPublicKey(privateKey));
  }

  encapsulate(encapsulationKey: Uint8Array): MlKemEncapsulation {
    checkMlKemLength(this.name, 'encapsulation key', encapsulationKey, this.sizes.encapsulationKey);
    let publicKey: KeyObject;
    try {
      // OpenSSL's import runs the FIPS 203 §7.2 modulus check ("Invalid key data").
      publicKey = api.createPublicKey({ key: encapsulationKey, format: 'raw-public', asymmetricKeyType: this.keyType });
    } catch (e) {
      throw badMlKemShare(this.name, 'encapsulation key fails the modulus check (FIPS 203 §7.2)', e);
    }
    let r: { sharedKey: Buffer; ciphertext: Buffer };
    try {
      r = this.encapsulateFn(publicKey);
    } catch (e) {
      throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `${this.name} encapsulation failed in node:crypto`, { cause: e });
    }
    return { ciphertext: bytes(r.ciphertext), sharedSecret: bytes(r.sharedKey) };
  }
}

/** Tries every operation once; any failure (old Node, no OpenSSL 3.5, no raw formats) means no. */
function detect(name: MlKemName): NodeMlKem | null {
  const { encapsulate, decapsulate } = api;
  if (typeof encapsulate !== 'function' || typeof decapsulate !== 'function') return null;
  try {
    const kem = new NodeMlKem(name, encapsulate, decapsulate);
    const kp = kem.generate();
    const e = kem.encapsulate(kp.encapsulationKey);
    const ss = kp.decapsulate(e.ciphertext);
    if (kp.encapsulationKey.length !== kem.sizes.encapsulationKey || e.ciphertext.length !== kem.sizes.ciphertext) return null;
    if (ss.length !== 32 || !ss.every((b, i) => b === e.sharedSecret[i])) return null;
    kem.fromSeed(new Uint8Array(64));
    return kem;
  } catch {
    return null;
  }
}

const detected = new Map<MlKemName, NodeMlKem | null>();

function cached(name: MlKemName): NodeMlKem | null {
  if (!detected.has(name)) detected.set(name, detect(name));
  return detected.get(name) ?? null;
}

/** ML-KEM-768 on node:crypto, or null when this Node cannot (before Node 24.7 / OpenSSL 3.5). */
export function nodeMlKem768(): NodeMlKem | null {
  return cached('ML-KEM-768');
}

/** ML-KEM-1024 on node:crypto, or null when this Node cannot. */
export function nodeMlKem1024(): NodeMlKem | null {
  return cached('ML-KEM-1024');
}

/** ML-KEM-768: node:crypto when available (~10x faster), else @noble/post-quantum. */
export function bestMlKem768(): MlKem {
  return nodeMlKem768() ?? nobleMlKem768;
}

/** ML-KEM-1024: node:crypto when available, else @noble/post-quantum. */
export function bestMlKem1024(): MlKem {
  return nodeMlKem1024() ?? nobleMlKem1024;
}
