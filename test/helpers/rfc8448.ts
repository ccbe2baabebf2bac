/**
 * RFC 8448 test scaffolding: Botan's machine-readable copy of the traces, RFC 8448's RSA
 * certificate, a signing key that replays the trace's RSA-PSS signature after checking what
 * it is asked to sign, a test-only verifier that trusts exactly that certificate, and a
 * provider that advertises the groups the trace's NSS peers list but we do not implement.
 */
import { X509Certificate, verify as nodeVerify, constants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import type { ActiveKeyExchange, CompletedKeyExchange, CryptoProvider, KeyExchangeGroup, SigningKey } from '../../src/core/crypto/provider.ts';
import { HandshakeSignatureValid, ServerCertVerified, type ServerCertVerifier, type ServerCertificateInput } from '../../src/core/verify.ts';
import { TlsError } from '../../src/core/errors.ts';
import type { TlsConnection } from '../../src/core/conn/api.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { sharedPath } from './shared-data.ts';

/** One `[Section]` of botan-transcripts.vec: key -> bytes. */
export type TraceSection = ReadonlyMap<string, Uint8Array>;

/** Parses `botan-transcripts.vec` (Botan's Text_Based_Test format: `[Name]`, `Key = hex`). */
export function loadTraces(): ReadonlyMap<string, TraceSection> {
  const text = readFileSync(sharedPath('vectors', 'rfc8448', 'botan-transcripts.vec'), 'utf8');
  const out = new Map<string, Map<string, Uint8Array>>();
  let cur: Map<string, Uint8Array> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      cur = new Map();
      out.set(sec[1]!, cur);
      continue;
    }
    const kv = /^(\w+)\s*=\s*([0-9a-fA-F]*)$/.exec(line);
    if (kv && cur) cur.set(kv[1]!, Uint8Array.from(Buffer.from(kv[2]!, 'hex')));
  }
  return out;
}

/** A value of a section; fails the test when missing. */
export function field(s: TraceSection, key: string): Uint8Array {
  const v = s.get(key);
  assert.ok(v !== undefined, `trace has no ${key}`);
  return v;
}

/** The section's RNG pool split into the given lengths (randoms and private keys, in order). */
export function splitPool(pool: Uint8Array, ...lengths: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  for (const n of lengths) {
    assert.ok(off + n <= pool.length, `RNG pool has ${pool.length} bytes, need ${off + n}`);
    out.push(pool.slice(off, off + n));
    off += n;
  }
  return out;
}

function pemToDer(pem: string): Uint8Array {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return Uint8Array.from(Buffer.from(b64, 'base64'));
}

/** RFC 8448's self-signed 1024-bit RSA certificate (CN=rsa), DER. */
export function rfc8448Certificate(): Uint8Array {
  const der = pemToDer(readFileSync(sharedPath('vectors', 'rfc8448', 'botan-server_certificate.pem'), 'utf8'));
  // The PEM's base64 carries two bytes after the DER SEQUENCE; keep the SEQUENCE (30 82 len).
  assert.ok(der[0] === 0x30 && der[1] === 0x82, 'certificate PEM: expected a long-form DER SEQUENCE');
  return der.slice(0, 4 + ((der[2]! << 8) | der[3]!));
}

function spkiOf(certDer: Uint8Array): Uint8Array {
  const pub = new X509Certificate(certDer).publicKey;
  return Uint8Array.from(pub.export({ type: 'spki', format: 'der' }));
}

const RSA_PSS_RSAE_SHA256 = 0x0804;

/**
 * RSA-PSS is randomised, so the trace's signature cannot be re-created. This key (a) checks
 * that the CertificateVerify content the engine asks it to sign is exactly the trace's
 * `Server_MessageToSign`, (b) checks with node:crypto that the trace's signature is a valid
 * rsa_pss_rsae_sha256 signature over that content by the certificate's key, and (c) returns
 * the trace's signature. `calls` counts successful signings.
 */
export class TraceReplaySigningKey implements SigningKey {
  readonly keyType = 'rsa';
  readonly schemes: readonly number[] = [RSA_PSS_RSAE_SHA256];
  readonly certDer: Uint8Array;
  readonly expectedContent: Uint8Array;
  readonly signature: Uint8Array;
  calls: number;

  constructor(certDer: Uint8Array, expectedContent: Uint8Array, signature: Uint8Array) {
    this.certDer = certDer;
    this.expectedContent = expectedContent;
    this.signature = signature;
    this.calls = 0;
  }

  chooseScheme(offered: readonly number[]): number | null {
    return offered.includes(RSA_PSS_RSAE_SHA256) ? RSA_PSS_RSAE_SHA256 : null;
  }

  sign(scheme: number, message: Uint8Array): Uint8Array {
    assert.equal(scheme, RSA_PSS_RSAE_SHA256, 'the trace signs with rsa_pss_rsae_sha256');
    assert.equal(Buffer.from(message).toString('hex'), Buffer.from(this.expectedContent).toString('hex'), 'CertificateVerify content differs from the trace');
    const pub = new X509Certificate(this.certDer).publicKey;
    const ok = nodeVerify('sha256', message, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, this.signature);
    assert.ok(ok, 'the trace signature does not verify over the content we were asked to sign');
    this.calls++;
    return this.signature;
  }

  publicKeySpki(): Uint8Array {
    return spkiOf(this.certDer);
  }
}

/** The signature_algorithms list of RFC 8448's client, DSA and SHA-1 schemes included. */
export const RFC8448_CLIENT_SCHEMES: readonly number[] = [
  0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202,
];

/**
 * TEST ONLY. A verifier that accepts exactly one certificate (RFC 8448's, which has no
 * subjectAltName and an odd name, so webpki would refuse it) and verifies CertificateVerify
 * through `nodeCryptoProvider.signatures`. It advertises the trace client's scheme list,
 * legacy DSA/SHA-1 entries included, so that our ClientHello matches the trace: it can
 * verify rsa_pss_rsae_sha256 (node:crypto, any key size) and what the node provider
 * supports, and fails on the others.
 */
export class Rfc8448TestOnlyVerifier implements ServerCertVerifier {
  readonly expected: Uint8Array;
  readonly schemes: readonly number[];
  signaturesVerified: number;

  constructor(expected: Uint8Array, schemes: readonly number[] = RFC8448_CLIENT_SCHEMES) {
    this.expected = expected;
    this.schemes = schemes;
    this.signaturesVerified = 0;
  }

  verifyServerCertificate(input: ServerCertificateInput): ServerCertVerified {
    if (input.intermediates.length !== 0 || Buffer.compare(Buffer.from(input.endEntity), Buffer.from(this.expected)) !== 0) {
      throw new TlsError('ERR_TLS_CERT_UNKNOWN_ISSUER', 'test verifier: the chain is not exactly RFC 8448\'s certificate');
    }
    return ServerCertVerified.assertion([input.endEntity]);
  }

  verifyTls13Signature(message: Uint8Array, endEntity: Uint8Array, scheme: number, signature: Uint8Array): HandshakeSignatureValid {
    // RFC 8448's key is 1024-bit RSA, below the node provider's 2048-bit floor (as ring's), so
    // rsa_pss_rsae_sha256 is checked with node:crypto directly; other schemes go through the
    // provider.
    const ok = scheme === RSA_PSS_RSAE_SHA256
      ? nodeVerify('sha256', message, { key: new X509Certificate(endEntity).publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
      : nodeCryptoProvider.signatures.verify(scheme, spkiOf(endEntity), message, signature);
    if (!ok) {
      throw new TlsError('ERR_TLS_PEER_BAD_SIGNATURE', 'test verifier: CertificateVerify signature does not verify');
    }
    this.signaturesVerified++;
    return HandshakeSignatureValid.assertion();
  }

  verifyTls12Signature(): HandshakeSignatureValid {
    throw new TlsError('ERR_TLS_PEER_BAD_SIGNATURE', 'test verifier: TLS 1.2 is not part of RFC 8448');
  }

  supportedSchemes(): readonly number[] {
    return this.schemes;
  }
}

/**
 * TEST ONLY. A group that RFC 8448's NSS peers list in supported_groups but neither our node
 * provider nor the trace uses for a key exchange (secp521r1, ffdhe2048..8192). It can be
 * advertised; using it fails the test.
 */
class AdvertiseOnlyGroup implements KeyExchangeGroup {
  readonly group: number;
  readonly name: string;
  readonly usableInTls12 = false;
  constructor(group: number, name: string) {
    this.group = group;
    this.name = name;
  }
  start(): ActiveKeyExchange {
    throw new Error(`test provider: ${this.name} is advertised only; RFC 8448 never uses it`);
  }
  startAndComplete(): CompletedKeyExchange {
    throw new Error(`test provider: ${this.name} is advertised only; RFC 8448 never uses it`);
  }
}

/** The extra groups of RFC 8448 §3's supported_groups, in the trace's order. */
export const ADVERTISE_ONLY_GROUPS: readonly (readonly [number, string])[] = [
  [0x0019, 'secp521r1'], [0x0100, 'ffdhe2048'], [0x0101, 'ffdhe3072'], [0x0102, 'ffdhe4096'], [0x0103, 'ffdhe6144'], [0x0104, 'ffdhe8192'],
];

/** `base` plus the advertise-only groups, appended to its key-exchange groups. */
export function withAdvertiseOnlyGroups<P extends CryptoProvider>(base: P): P {
  const extra = ADVERTISE_ONLY_GROUPS.map(([g, n]) => new AdvertiseOnlyGroup(g, n));
  return Object.assign(Object.create(Object.getPrototypeOf(base) as object) as P, base, { keyExchangeGroups: [...base.keyExchangeGroups, ...extra] });
}

/** All bytes `c` wants to write now, concatenated. */
export function takeOutput(c: TlsConnection): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let b = c.writeTls(); b !== null; b = c.writeTls()) parts.push(b.slice());
  return Uint8Array.from(Buffer.concat(parts));
}

/** Feeds `bytes` to `c` (all of it) and processes them. */
export function feed(c: TlsConnection, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    const n = c.readTls(bytes.subarray(off));
    assert.ok(n > 0, 'connection accepts no more bytes');
    off += n;
    c.processNewPackets();
  }
  c.processNewPackets();
}

/** All plaintext available, concatenated. */
export function takePlaintext(c: TlsConnection): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let p = c.readPlaintext(); p !== null; p = c.readPlaintext()) parts.push(p.slice());
  return Uint8Array.from(Buffer.concat(parts));
}

/** Hex for assertion messages that show the first differing byte. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
