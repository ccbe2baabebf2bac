/**
 * A node provider whose randomness and ephemeral keys a test chooses, to reproduce traces
 * byte for byte (RFC 8448). Everything else is `nodeCryptoProvider`.
 *
 * ```ts
 * const provider = createFixedProvider({
 *   randoms: [clientRandom],                 // each fillRandom() call takes the next one
 *   x25519PrivateKeys: [clientPrivateKey],   // each x25519 start()/startAndComplete() the next
 * });
 * ```
 */
import type { ActiveKeyExchange, CompletedKeyExchange, CryptoProvider, KeyExchangeGroup } from '../../src/core/crypto/provider.ts';
import { NamedGroup } from '../../src/core/codec/codepoints.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { X25519Exchange, ecdhExchangeFromPrivateKey } from '../../src/providers/node/key-exchange.ts';

export interface FixedProviderOptions {
  /** Outputs for successive `fillRandom` calls; each must have the requested length. */
  readonly randoms?: readonly Uint8Array[];
  /** What `fillRandom` does once `randoms` is used up: throw (default) or use real randomness. */
  readonly whenRandomsRunOut?: 'throw' | 'random';
  /** Raw 32-byte X25519 private keys for successive exchanges. */
  readonly x25519PrivateKeys?: readonly Uint8Array[];
  /** Raw private scalars for successive secp256r1 exchanges. */
  readonly secp256r1PrivateKeys?: readonly Uint8Array[];
  /** Raw private scalars for successive secp384r1 exchanges. */
  readonly secp384r1PrivateKeys?: readonly Uint8Array[];
  /** What a group does once its keys are used up: throw (default) or generate fresh keys. */
  readonly whenKeysRunOut?: 'throw' | 'generate';
}

/** The provider plus how much of each queue is left, for assertions. */
export interface FixedProvider extends CryptoProvider {
  readonly remaining: () => { randoms: number; keys: Record<string, number> };
}

class QueuedGroup implements KeyExchangeGroup {
  readonly group: number;
  readonly name: string;
  readonly usableInTls12: boolean;
  readonly inner: KeyExchangeGroup;
  readonly keys: Uint8Array[];
  readonly whenOut: 'throw' | 'generate';

  constructor(inner: KeyExchangeGroup, keys: readonly Uint8Array[], whenOut: 'throw' | 'generate') {
    this.inner = inner;
    this.group = inner.group;
    this.name = inner.name;
    this.usableInTls12 = inner.usableInTls12;
    this.keys = [...keys];
    this.whenOut = whenOut;
  }

  start(): ActiveKeyExchange {
    const d = this.keys.shift();
    if (d === undefined) {
      if (this.whenOut === 'generate') return this.inner.start();
      throw new Error(`fixed provider: no ${this.name} private key left to use`);
    }
    return this.group === NamedGroup.X25519 ? X25519Exchange.fromPrivateKey(d) : ecdhExchangeFromPrivateKey(this.group, d);
  }

  startAndComplete(peerShare: Uint8Array): CompletedKeyExchange {
    const kx = this.start();
    return { group: this.group, publicShare: kx.publicShare, sharedSecret: kx.complete(peerShare) };
  }
}

/** Makes a provider that replays the given randoms and ephemeral private keys. */
export function createFixedProvider(options: FixedProviderOptions = {}): FixedProvider {
  const base = nodeCryptoProvider;
  const randoms = [...(options.randoms ?? [])];
  const whenRandomsRunOut = options.whenRandomsRunOut ?? 'throw';
  const whenKeysRunOut = options.whenKeysRunOut ?? 'throw';
  const keyQueues = new Map<number, readonly Uint8Array[]>([
    [NamedGroup.X25519, options.x25519PrivateKeys ?? []],
    [NamedGroup.Secp256r1, options.secp256r1PrivateKeys ?? []],
    [NamedGroup.Secp384r1, options.secp384r1PrivateKeys ?? []],
  ]);
  // Only the (EC)DHE groups whose keys can be fixed: the hybrid ML-KEM groups draw fresh
  // randomness inside the KEM, so they have no place in byte-for-byte traces.
  const groups = base.keyExchangeGroups.filter((g) => keyQueues.has(g.group)).map((g) => new QueuedGroup(g, keyQueues.get(g.group) ?? [], whenKeysRunOut));
  return {
    name: `${base.name}-fixed`,
    fips: base.fips,
    fillRandom(out: Uint8Array): void {
      const next = randoms.shift();
      if (next === undefined) {
        if (whenRandomsRunOut === 'random') return base.fillRandom(out);
        throw new Error(`fixed provider: fillRandom(${out.length} bytes) called with no queued random left`);
      }
      if (next.length !== out.length) throw new Error(`fixed provider: fillRandom wants ${out.length} bytes, the queued random has ${next.length}`);
      out.set(next);
    },
    hashes: base.hashes,
    cipherSuites: base.cipherSuites,
    keyExchangeGroups: groups,
    signatures: base.signatures,
    loadSigningKey: (key, passphrase) => base.loadSigningKey(key, passphrase),
    remaining: () => ({ randoms: randoms.length, keys: Object.fromEntries(groups.map((g) => [g.name, g.keys.length])) }),
  };
}
