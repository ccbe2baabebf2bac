/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1-7.5) over a provider `HashAlgorithm`.
 *
 * ```
 *            0
 *            |
 *  PSK ->  HKDF-Extract = Early Secret      -> binder_key, c e traffic, e exp master
 *            |  Derive-Secret(., "derived", "")
 * (EC)DHE -> HKDF-Extract = Handshake Secret -> c hs traffic, s hs traffic
 *            |  Derive-Secret(., "derived", "")
 *     0 -> HKDF-Extract = Master Secret      -> c ap traffic, s ap traffic, exp master, res master
 * ```
 *
 * Each stage is a class that consumes its secret to make the next (`EarlySecret` ->
 * `HandshakeSecret` -> `MasterSecret`) and then zeroes it; JavaScript cannot promise that no
 * copy survives (the provider and the GC may hold some), so this is hygiene, not a guarantee.
 * Functions take transcript hashes (`Transcript-Hash(Messages)`), not messages. Returned
 * secrets belong to the caller.
 */
import type { HashAlgorithm } from './provider.ts';
import { TlsError } from '../errors.ts';
import { EMPTY_BYTES, constantTimeEqual, utf8 } from '../util.ts';

const labelPrefix = utf8('tls13 ');
const labelCache = new Map<string, Uint8Array>();

/**
 * The HkdfLabel bytes up to the context: `uint16 length` (left zero, filled per call), then
 * `opaque label<7..255>` = "tls13 " + label. Cached per string label: the engine uses a
 * handful of fixed labels, so this is built once each.
 */
function labelHead(label: string | Uint8Array): Uint8Array {
  const cached = typeof label === 'string' ? labelCache.get(label) : undefined;
  if (cached !== undefined) return cached;
  const l = typeof label === 'string' ? utf8(label) : label;
  const fullLabel = labelPrefix.length + l.length;
  if (fullLabel > 255) throw new TlsError('ERR_TLS_INTERNAL', `HKDF-Expand-Label: label ${fullLabel} bytes (max 255)`);
  const head = new Uint8Array(3 + fullLabel);
  head[2] = fullLabel;
  head.set(labelPrefix, 3);
  head.set(l, 3 + labelPrefix.length);
  if (typeof label === 'string' && labelCache.size < 64) labelCache.set(label, head);
  return head;
}

/**
 * HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 §7.1):
 * HKDF-Expand(Secret, HkdfLabel, Length) with
 * `struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }`.
 * `label` is given without the "tls13 " prefix; a `Uint8Array` label is taken as raw bytes.
 * @throws ERR_TLS_INTERNAL for a label or context too long for HkdfLabel, or a length above 2^16-1.
 */
export function hkdfExpandLabel(hash: HashAlgorithm, secret: Uint8Array, label: string | Uint8Array, context: Uint8Array, length: number): Uint8Array {
  return hash.hkdfExpand(secret, hkdfLabel(label, context, length), length); // label and context are public: no wipe
}

/**
 * HKDF-Expand-Label into `out` (Length = out.length), for a key the engine needs during one call
 * only: the caller zeroes `out` after use. Through the provider's `hkdfExpandInto` when it has
 * one (no new array), else a copy of `hkdfExpand`'s result, which is zeroed.
 */
export function hkdfExpandLabelInto(hash: HashAlgorithm, secret: Uint8Array, label: string | Uint8Array, context: Uint8Array, out: Uint8Array): void {
  const info = hkdfLabel(label, context, out.length);
  if (hash.hkdfExpandInto !== undefined) {
    hash.hkdfExpandInto(secret, info, out);
    return;
  }
  const r = hash.hkdfExpand(secret, info, out.length);
  out.set(r);
  r.fill(0);
}

/**
 * The HkdfLabel of one expansion, in a module scratch: providers borrow byte arguments only for
 * the call (provider.ts), and a handshake makes ~25 of these per side (fewer young objects,
 * fewer scavenges, issue 5). The view for each length is made once.
 */
function hkdfLabel(label: string | Uint8Array, context: Uint8Array, length: number): Uint8Array {
  const head = labelHead(label);
  if (context.length > 255 || length > 0xffff || length < 0) {
    throw new TlsError('ERR_TLS_INTERNAL', `HKDF-Expand-Label: context ${context.length} bytes (max 255), length ${length} (max 65535)`);
  }
  const n = head.length + 1 + context.length;
  const info = infoViews[n] ??= infoScratch.subarray(0, n);
  info.set(head, 0);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[head.length] = context.length;
  if (context.length > 0) info.set(context, head.length + 1);
  return info;
}

/** HkdfLabel at its largest: uint16, then label and context of up to 255 bytes with their lengths. */
const infoScratch = new Uint8Array(2 + 1 + 255 + 1 + 255);
/** Views of `infoScratch` by length. */
const infoViews: (Uint8Array | undefined)[] = [];

/**
 * Module memory for secrets that live during one call (finished keys, binder keys, the
 * "derived" secrets between stages, record keys and IVs before their import): each is zeroed
 * right after use, so none outlives the call that made it. One scratch per role, as some are
 * used together (a binder key expands into a finished key). Views by length are made once; a
 * length above `size` gets a fresh array.
 */
class KeyScratch {
  readonly #bytes: Uint8Array;
  readonly #views: (Uint8Array | undefined)[] = [];
  constructor(size: number) {
    this.#bytes = new Uint8Array(size);
  }
  view(n: number): Uint8Array {
    if (n > this.#bytes.length) return new Uint8Array(n);
    return this.#views[n] ??= this.#bytes.subarray(0, n);
  }
}
const finishedKeyScratch = new KeyScratch(64);
const stageScratch = new KeyScratch(64);
const recordKeyScratch = new KeyScratch(32);
const recordIvScratch = new KeyScratch(16);

/** Read-only HashLen zeros per length, for HKDF-Extract without salt or IKM (providers never write their inputs). */
const zeroSecrets: (Uint8Array | undefined)[] = [];
function zeros(n: number): Uint8Array {
  return zeroSecrets[n] ??= new Uint8Array(n);
}

/** Derive-Secret(Secret, Label, Messages) given Transcript-Hash(Messages) (RFC 8446 §7.1). */
export function deriveSecret(hash: HashAlgorithm, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
  return hkdfExpandLabel(hash, secret, label, transcriptHash, hash.outputLength);
}

const emptyHashes = new WeakMap<HashAlgorithm, Uint8Array>();

/** Transcript-Hash("") = Hash(""), cached per algorithm. The result must not be modified. */
export function emptyTranscriptHash(hash: HashAlgorithm): Uint8Array {
  let h = emptyHashes.get(hash);
  if (h === undefined) {
    h = hash.digest(new Uint8Array(0));
    emptyHashes.set(hash, h);
  }
  return h;
}

/** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4). */
export function finishedKey(hash: HashAlgorithm, baseKey: Uint8Array): Uint8Array {
  return hkdfExpandLabel(hash, baseKey, 'finished', EMPTY_BYTES, hash.outputLength);
}

/**
 * verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*,
 * CertificateVerify*)) (RFC 8446 §4.4.4). `baseKey` is the sender's handshake (or, after the
 * handshake, application) traffic secret; for a PSK binder it is the binder key (§4.2.11.2).
 */
export function finishedVerifyData(hash: HashAlgorithm, baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  const key = finishedKeyScratch.view(hash.outputLength);
  try {
    hkdfExpandLabelInto(hash, baseKey, 'finished', EMPTY_BYTES, key);
    return hash.hmac(key, transcriptHash);
  } finally {
    key.fill(0);
  }
}

/**
 * Checks a received Finished (or binder) in constant time (RFC 8446 §4.4.4: "Recipients of
 * Finished messages MUST verify that the contents are correct").
 */
export function verifyFinished(hash: HashAlgorithm, baseKey: Uint8Array, transcriptHash: Uint8Array, received: Uint8Array): boolean {
  return constantTimeEqual(finishedVerifyData(hash, baseKey, transcriptHash), received);
}

/** A record-protection key and IV. */
export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/**
 * [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length) and
 * [sender]_write_iv = HKDF-Expand-Label(Secret, "iv", "", iv_length) (RFC 8446 §7.3).
 * QUIC (RFC 9001 §5.1) uses the same derivation with `labels` "quic key" / "quic iv".
 */
export function trafficKeys(hash: HashAlgorithm, trafficSecret: Uint8Array, keyLength: number, ivLength = 12, labels: { readonly key: string; readonly iv: string } = defaultKeyLabels): TrafficKeys {
  return {
    key: hkdfExpandLabel(hash, trafficSecret, labels.key, EMPTY_BYTES, keyLength),
    iv: hkdfExpandLabel(hash, trafficSecret, labels.iv, EMPTY_BYTES, ivLength),
  };
}

/**
 * `trafficKeys` in module memory, for a record sealer or opener that imports them at once (the
 * AEAD keeps its own copy, the IV becomes words): the views are overwritten by the next call,
 * and the caller zeroes both right after the import (`wipeTrafficKeys`).
 */
export function transientTrafficKeys(hash: HashAlgorithm, trafficSecret: Uint8Array, keyLength: number, ivLength = 12): TrafficKeys {
  const key = recordKeyScratch.view(keyLength);
  const iv = recordIvScratch.view(ivLength);
  hkdfExpandLabelInto(hash, trafficSecret, defaultKeyLabels.key, EMPTY_BYTES, key);
  hkdfExpandLabelInto(hash, trafficSecret, defaultKeyLabels.iv, EMPTY_BYTES, iv);
  return { key, iv };
}

/** Zeroes a key and IV (after their import). */
export function wipeTrafficKeys(k: TrafficKeys): void {
  k.key.fill(0);
  k.iv.fill(0);
}
const defaultKeyLabels = { key: 'key', iv: 'iv' } as const;

/**
 * application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N,
 * "traffic upd", "", Hash.length) (RFC 8446 §7.2, KeyUpdate).
 */
export function nextTrafficSecret(hash: HashAlgorithm, trafficSecret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(hash, trafficSecret, 'traffic upd', EMPTY_BYTES, hash.outputLength);
}

/**
 * The PSK of a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption",
 * ticket_nonce, Hash.length) (RFC 8446 §4.6.1).
 */
export function resumptionPsk(hash: HashAlgorithm, resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Uint8Array {
  return hkdfExpandLabel(hash, resumptionMasterSecret, 'resumption', ticketNonce, hash.outputLength);
}

/**
 * TLS-Exporter(label, context_value, key_length) = HKDF-Expand-Label(Derive-Secret(Secret,
 * label, ""), "exporter", Hash(context_value), key_length) (RFC 8446 §7.5), where Secret is
 * the exporter_master_secret or early_exporter_master_secret. "No context" and an empty
 * context are the same in TLS 1.3.
 * @throws ERR_TLS_INTERNAL when the label is too long (RFC 8446 §7.1 caps it at 249 bytes).
 */
export function exportKeyingMaterial(hash: HashAlgorithm, exporterSecret: Uint8Array, label: string | Uint8Array, context: Uint8Array, length: number): Uint8Array {
  const l = typeof label === 'string' ? utf8(label) : label;
  const derived = hkdfExpandLabel(hash, exporterSecret, l, emptyTranscriptHash(hash), hash.outputLength);
  const out = hkdfExpandLabel(hash, derived, 'exporter', hash.digest(context), length);
  derived.fill(0);
  return out;
}

/** Which binder key a PSK uses (RFC 8446 §7.1): external PSKs and resumption PSKs differ. */
export type PskKind = 'external' | 'resumption';

function binderLabel(kind: PskKind): string {
  return kind === 'external' ? 'ext binder' : 'res binder';
}

/**
 * The next stage's secret (RFC 8446 §7.1): HKDF-Extract(Derive-Secret(secret, "derived", ""),
 * ikm), the "derived" value in scratch memory zeroed right after.
 */
function extractNextStage(hash: HashAlgorithm, secret: Uint8Array, ikm: Uint8Array): Uint8Array {
  const derived = stageScratch.view(hash.outputLength);
  try {
    hkdfExpandLabelInto(hash, secret, 'derived', emptyTranscriptHash(hash), derived);
    return hash.hkdfExtract(derived, ikm);
  } finally {
    derived.fill(0);
  }
}

function consumed(stage: string): TlsError {
  return new TlsError('ERR_TLS_INTERNAL', `key schedule: the ${stage} was already consumed by the next stage`);
}

/**
 * RFC 8446 §7.1 without a PSK: Early Secret = HKDF-Extract(0, 0) and Derive-Secret(., "derived",
 * "") depend only on the hash, so they are public constants; computed once per HashAlgorithm.
 */
const noPskCache = new WeakMap<HashAlgorithm, { readonly earlySecret: Uint8Array; readonly derived: Uint8Array }>();

function noPskConstants(hash: HashAlgorithm): { readonly earlySecret: Uint8Array; readonly derived: Uint8Array } {
  let c = noPskCache.get(hash);
  if (c === undefined) {
    const zeros = new Uint8Array(hash.outputLength);
    const earlySecret = hash.hkdfExtract(zeros, zeros);
    c = { earlySecret, derived: deriveSecret(hash, earlySecret, 'derived', emptyTranscriptHash(hash)) };
    noPskCache.set(hash, c);
  }
  return c;
}

/**
 * The Early Secret stage: HKDF-Extract(0, PSK), with HashLen zeros when there is no PSK
 * (RFC 8446 §7.1). Makes binder keys and binders, client_early_traffic_secret and
 * early_exporter_master_secret, then `intoHandshakeSecret()`.
 */
export class EarlySecret {
  readonly hash: HashAlgorithm;
  #secret: Uint8Array | null;
  #used = false;

  /** @param psk the PSK, or null for a full handshake (then HashLen zeros are used). */
  constructor(hash: HashAlgorithm, psk: Uint8Array | null) {
    this.hash = hash;
    // Without a PSK the Early Secret is a public constant per hash: made on demand (below).
    this.#secret = psk === null ? null : hash.hkdfExtract(zeros(hash.outputLength), psk);
  }

  #get(): Uint8Array {
    if (this.#used) throw consumed('early secret');
    if (this.#secret === null) this.#secret = noPskConstants(this.hash).earlySecret.slice();
    return this.#secret;
  }

  /** binder_key = Derive-Secret(., "ext binder" | "res binder", "") (RFC 8446 §7.1). */
  binderKey(kind: PskKind): Uint8Array {
    return deriveSecret(this.hash, this.#get(), binderLabel(kind), emptyTranscriptHash(this.hash));
  }

  /**
   * The PSK binder: computed like Finished with the binder key as BaseKey, over
   * Transcript-Hash(Truncate(ClientHello1)) — or, after a HelloRetryRequest, over
   * ClientHello1, HelloRetryRequest and Truncate(ClientHello2) (RFC 8446 §4.2.11.2).
   */
  binder(kind: PskKind, partialTranscriptHash: Uint8Array): Uint8Array {
    const key = stageScratch.view(this.hash.outputLength);
    try {
      hkdfExpandLabelInto(this.hash, this.#get(), binderLabel(kind), emptyTranscriptHash(this.hash), key);
      return finishedVerifyData(this.hash, key, partialTranscriptHash);
    } finally {
      key.fill(0);
    }
  }

  /** Checks a received binder in constant time (server side, RFC 8446 §4.2.11.2). */
  verifyBinder(kind: PskKind, partialTranscriptHash: Uint8Array, received: Uint8Array): boolean {
    return constantTimeEqual(this.binder(kind, partialTranscriptHash), received);
  }

  /** client_early_traffic_secret = Derive-Secret(., "c e traffic", ClientHello) (0-RTT). */
  clientEarlyTrafficSecret(clientHelloHash: Uint8Array): Uint8Array {
    return deriveSecret(this.hash, this.#get(), 'c e traffic', clientHelloHash);
  }

  /** early_exporter_master_secret = Derive-Secret(., "e exp master", ClientHello). */
  earlyExporterMasterSecret(clientHelloHash: Uint8Array): Uint8Array {
    return deriveSecret(this.hash, this.#get(), 'e exp master', clientHelloHash);
  }

  /**
   * Handshake Secret = HKDF-Extract(Derive-Secret(Early, "derived", ""), (EC)DHE), with HashLen
   * zeros for psk_ke (no (EC)DHE). Zeroes and consumes this stage.
   */
  intoHandshakeSecret(sharedSecret: Uint8Array | null): HandshakeSecret {
    if (this.#used) throw consumed('early secret');
    const ikm = sharedSecret ?? zeros(this.hash.outputLength);
    // Full handshake: Derive-Secret(Early Secret of zeros, "derived", "") is the same constant
    // every time, computed once per hash (two HMACs fewer per handshake and side).
    const secret = this.#secret === null
      ? this.hash.hkdfExtract(noPskConstants(this.hash).derived, ikm)
      : extractNextStage(this.hash, this.#secret, ikm);
    this.#secret?.fill(0);
    this.#used = true;
    return new HandshakeSecret(this.hash, secret);
  }
}

/**
 * A stage that owns one secret until the next stage consumes it: Derive-Secret from it, then
 * zero it; a derivation after that throws ERR_TLS_INTERNAL.
 */
class SecretStage {
  readonly hash: HashAlgorithm;
  readonly #secret: Uint8Array;
  readonly #stage: string;
  #used = false;

  constructor(hash: HashAlgorithm, secret: Uint8Array, stage: string) {
    this.hash = hash;
    this.#secret = secret;
    this.#stage = stage;
  }

  /** Derive-Secret(this secret, label, transcriptHash) (RFC 8446 §7.1). */
  protected derive(label: string, transcriptHash: Uint8Array): Uint8Array {
    if (this.#used) throw consumed(this.#stage);
    return deriveSecret(this.hash, this.#secret, label, transcriptHash);
  }

  /** The next stage's secret from this one and `ikm` (`extractNextStage`); this stage stays until `consume()`. */
  protected extractNext(ikm: Uint8Array): Uint8Array {
    if (this.#used) throw consumed(this.#stage);
    return extractNextStage(this.hash, this.#secret, ikm);
  }

  /** Zeroes the secret and ends the stage. */
  protected consume(): void {
    this.#secret.fill(0);
    this.#used = true;
  }
}

/** The Handshake Secret stage: the handshake traffic secrets, then `intoMasterSecret()`. */
export class HandshakeSecret extends SecretStage {
  /** Usually made by `EarlySecret.intoHandshakeSecret`; takes ownership of `secret`. */
  constructor(hash: HashAlgorithm, secret: Uint8Array) {
    super(hash, secret, 'handshake secret');
  }

  /** client_handshake_traffic_secret = Derive-Secret(., "c hs traffic", ClientHello...ServerHello). */
  clientHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return this.derive('c hs traffic', helloHash);
  }

  /** server_handshake_traffic_secret = Derive-Secret(., "s hs traffic", ClientHello...ServerHello). */
  serverHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return this.derive('s hs traffic', helloHash);
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(., "derived", ""), 0). Zeroes and consumes this stage. */
  intoMasterSecret(): MasterSecret {
    const secret = this.extractNext(zeros(this.hash.outputLength));
    this.consume();
    return new MasterSecret(this.hash, secret);
  }
}

/**
 * The Master Secret stage: application traffic secrets, exporter and resumption master
 * secrets. Call `wipe()` once the resumption master secret has been derived.
 */
export class MasterSecret extends SecretStage {
  /** Usually made by `HandshakeSecret.intoMasterSecret`; takes ownership of `secret`. */
  constructor(hash: HashAlgorithm, secret: Uint8Array) {
    super(hash, secret, 'master secret');
  }

  /** client_application_traffic_secret_0 = Derive-Secret(., "c ap traffic", ClientHello...server Finished). */
  clientApplicationTrafficSecret(serverFinishedHash: Uint8Array): Uint8Array {
    return this.derive('c ap traffic', serverFinishedHash);
  }

  /** server_application_traffic_secret_0 = Derive-Secret(., "s ap traffic", ClientHello...server Finished). */
  serverApplicationTrafficSecret(serverFinishedHash: Uint8Array): Uint8Array {
    return this.derive('s ap traffic', serverFinishedHash);
  }

  /** exporter_master_secret = Derive-Secret(., "exp master", ClientHello...server Finished). */
  exporterMasterSecret(serverFinishedHash: Uint8Array): Uint8Array {
    return this.derive('exp master', serverFinishedHash);
  }

  /** resumption_master_secret = Derive-Secret(., "res master", ClientHello...client Finished). */
  resumptionMasterSecret(clientFinishedHash: Uint8Array): Uint8Array {
    return this.derive('res master', clientFinishedHash);
  }

  /** Zeroes the master secret; later calls throw ERR_TLS_INTERNAL. */
  wipe(): void {
    this.consume();
  }
}
