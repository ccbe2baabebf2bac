/**
 * A throwaway certificate authority for `typetls demo` and tests: keys from node:crypto and
 * X.509 v3 certificates (RFC 5280 §4.1) written with a tiny DER writer, so no external tool
 * is needed. Not for production: no CRLs, no persistence, short validity.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { encodePem } from '../node/pem.ts';

/** Key types the demo CA can issue for. */
export type DemoKeyType = 'ecdsa-p256' | 'ecdsa-p384' | 'ed25519' | 'rsa-2048';

/** A certificate with its private key. */
export interface DemoCertificate {
  readonly der: Uint8Array;
  readonly pem: string;
  /** PKCS#8 PEM of the private key. */
  readonly keyPem: string;
  readonly privateKey: KeyObject;
}

/** Options for `issueCertificate` / `createDemoCa`. */
export interface DemoCertificateOptions {
  readonly keyType?: DemoKeyType;
  /** Validity start and end, ms since epoch; defaults: one hour ago, one day from now. */
  readonly notBefore?: number;
  readonly notAfter?: number;
}

// ---- a minimal DER writer (X.690 §8, DER rules of §10) ----

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/** A TLV with tag `tag` around the concatenation of `parts`. */
export function derTlv(tag: number, ...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const head = derLength(n);
  const out = new Uint8Array(1 + head.length + n);
  out[0] = tag;
  out.set(head, 1);
  let o = 1 + head.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const seq = (...parts: Uint8Array[]): Uint8Array => derTlv(0x30, ...parts);
const set = (...parts: Uint8Array[]): Uint8Array => derTlv(0x31, ...parts);
const explicit = (n: number, inner: Uint8Array): Uint8Array => derTlv(0xa0 | n, inner);
const derNull = new Uint8Array([0x05, 0x00]);
const derTrue = new Uint8Array([0x01, 0x01, 0xff]);

/** An OBJECT IDENTIFIER from dotted text. */
export function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((s) => Number(s));
  const body: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    body.push(...chunk);
  }
  return derTlv(0x06, new Uint8Array(body));
}

/** A non-negative INTEGER from big-endian bytes (leading zeros trimmed, sign byte added). */
export function derUnsignedInteger(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = bytes.subarray(i);
  return v[0]! & 0x80 ? derTlv(0x02, new Uint8Array([0]), v) : derTlv(0x02, v);
}

const utf8String = (s: string): Uint8Array => derTlv(0x0c, new TextEncoder().encode(s));
const bitString = (b: Uint8Array): Uint8Array => derTlv(0x03, new Uint8Array([0]), b);
const octetString = (b: Uint8Array): Uint8Array => derTlv(0x04, b);

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function derTime(ms: number): Uint8Array {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  const y = d.getUTCFullYear();
  if (y >= 1950 && y < 2050) return derTlv(0x17, new TextEncoder().encode(`${p(y % 100)}${rest}`));
  return derTlv(0x18, new TextEncoder().encode(`${y}${rest}`));
}

function name(commonName: string, organization: string): Uint8Array {
  return seq(
    set(seq(derOid('2.5.4.10'), utf8String(organization))),
    set(seq(derOid('2.5.4.3'), utf8String(commonName))),
  );
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? seq(derOid(oid), derTrue, octetString(value)) : seq(derOid(oid), octetString(value));
}

/** The IP address bytes of an IPv4 or IPv6 literal. */
function ipBytes(text: string): Uint8Array {
  if (isIP(text) === 4) return new Uint8Array(text.split('.').map((s) => Number(s)));
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, ''];
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

function generate(keyType: DemoKeyType): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (keyType) {
    case 'ecdsa-p256': return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    case 'ecdsa-p384': return generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    case 'ed25519': return generateKeyPairSync('ed25519');
    case 'rsa-2048': return generateKeyPairSync('rsa', { modulusLength: 2048 });
  }
}

/** The signatureAlgorithm for an issuer key, and the digest for `crypto.sign`. */
function signatureAlgorithm(key: KeyObject): { algorithm: Uint8Array; digest: string | null } {
  const t = key.asymmetricKeyType;
  if (t === 'ed25519') return { algorithm: seq(derOid('1.3.101.112')), digest: null };
  if (t === 'rsa') return { algorithm: seq(derOid('1.2.840.113549.1.1.11'), derNull), digest: 'sha256' };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'secp384r1') return { algorithm: seq(derOid('1.2.840.10045.4.3.3')), digest: 'sha384' };
  return { algorithm: seq(derOid('1.2.840.10045.4.3.2')), digest: 'sha256' };
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING contents. */
function keyIdentifier(spki: Uint8Array): Uint8Array {
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm, BIT STRING }: skip to the BIT STRING.
  let o = spki[1]! & 0x80 ? 2 + (spki[1]! & 0x7f) : 2;
  const algLen = spki[o + 1]!; // AlgorithmIdentifier is always short here (< 128 bytes)
  o += 2 + algLen;
  let len = spki[o + 1]!;
  let h = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + spki[o + 2 + i]!;
    h = 2 + n;
  }
  const bits = spki.subarray(o + h + 1, o + h + len);
  return new Uint8Array(createHash('sha1').update(bits).digest());
}

interface Subject {
  readonly commonName: string;
  readonly publicKey: KeyObject;
  readonly isCa: boolean;
  readonly sans: readonly string[];
}

interface Issuer {
  readonly commonName: string;
  readonly privateKey: KeyObject;
  readonly keyId: Uint8Array;
}

const organization = 'typetls demo';

function buildCertificate(subject: Subject, issuer: Issuer | null, subjectKey: KeyObject, o: DemoCertificateOptions): Uint8Array {
  const now = Date.now();
  const spki = new Uint8Array(subject.publicKey.export({ type: 'spki', format: 'der' }));
  const keyId = keyIdentifier(spki);
  const signer = issuer?.privateKey ?? subjectKey;
  const { algorithm, digest } = signatureAlgorithm(signer);
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // RFC 5280 §4.1.2.2: positive, at most 20 octets

  const extensions: Uint8Array[] = [];
  // RFC 5280 §4.2.1.9 basicConstraints; §4.2.1.3 keyUsage.
  if (subject.isCa) {
    extensions.push(extension('2.5.29.19', true, seq(derTrue, derTlv(0x02, new Uint8Array([0])))));
    extensions.push(extension('2.5.29.15', true, derTlv(0x03, new Uint8Array([1, 0x06])))); // keyCertSign, cRLSign
  } else {
    extensions.push(extension('2.5.29.19', true, seq()));
    extensions.push(extension('2.5.29.15', true, derTlv(0x03, new Uint8Array([7, 0x80])))); // digitalSignature
    extensions.push(extension('2.5.29.37', false, seq(derOid('1.3.6.1.5.5.7.3.1'), derOid('1.3.6.1.5.5.7.3.2'))));
    const names = subject.sans.map((s) => (isIP(s) ? derTlv(0x87, ipBytes(s)) : derTlv(0x82, new TextEncoder().encode(s))));
    extensions.push(extension('2.5.29.17', false, seq(...names)));
  }
  extensions.push(extension('2.5.29.14', false, octetString(keyId)));
  if (issuer !== null) extensions.push(extension('2.5.29.35', false, seq(derTlv(0x80, issuer.keyId))));

  const tbs = seq(
    explicit(0, derTlv(0x02, new Uint8Array([2]))), // v3
    derUnsignedInteger(serial),
    algorithm,
    name(issuer?.commonName ?? subject.commonName, organization),
    seq(derTime(o.notBefore ?? now - 3600_000), derTime(o.notAfter ?? now + 86400_000)),
    name(subject.commonName, organization),
    spki,
    explicit(3, seq(...extensions)),
  );
  const signature = new Uint8Array(sign(digest, tbs, signer));
  return seq(tbs, algorithm, bitString(signature));
}

/** A certificate authority that can issue server certificates. */
export interface DemoCa {
  readonly certificate: DemoCertificate;
  /**
   * Issues an end-entity certificate for `names` (DNS names or IP literals as SANs; the first
   * is also the common name) with serverAuth and clientAuth EKUs.
   */
  issue(names: readonly string[], options?: DemoCertificateOptions): DemoCertificate;
}

/**
 * Creates a self-signed CA (basicConstraints cA, pathLen 0).
 * @example const ca = createDemoCa(); const leaf = ca.issue(['localhost', '127.0.0.1']);
 */
export function createDemoCa(commonName = 'typetls demo CA', options: DemoCertificateOptions = {}): DemoCa {
  const { privateKey, publicKey } = generate(options.keyType ?? 'ecdsa-p256');
  const der = buildCertificate({ commonName, publicKey, isCa: true, sans: [] }, null, privateKey, options);
  const keyId = keyIdentifier(new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })));
  const certificate = toDemoCertificate(der, privateKey);
  const issuer: Issuer = { commonName, privateKey, keyId };
  return {
    certificate,
    issue(names, o = {}) {
      if (names.length === 0) throw new Error('issue: expected at least one name');
      const pair = generate(o.keyType ?? 'ecdsa-p256');
      const leaf = buildCertificate({ commonName: names[0]!, publicKey: pair.publicKey, isCa: false, sans: names }, issuer, pair.privateKey, o);
      return toDemoCertificate(leaf, pair.privateKey);
    },
  };
}

function toDemoCertificate(der: Uint8Array, privateKey: KeyObject): DemoCertificate {
  return {
    der,
    pem: encodePem('CERTIFICATE', der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    privateKey,
  };
}
