/**
 * A strict PKCS#12 (RFC 7292) reader: the private key and certificate chain of a `.pfx` /
 * `.p12` file, for node:tls' `pfx` option. node:crypto has no PKCS#12 parser, so this file
 * reads the structure itself and uses node:crypto only for hashes, HMAC, PBKDF2 and AES/3DES.
 *
 * Supported: password integrity mode (MacData, HMAC with SHA-1/224/256/384/512 keyed by the
 * PKCS#12 KDF of RFC 7292 Appendix B), `data` and `encryptedData` contents, keyBag,
 * pkcs8ShroudedKeyBag, certBag (x509Certificate), safeContentsBag; PBES2 (RFC 8018 §6.2) with
 * PBKDF2 (HMAC-SHA-1/224/256/384/512) and AES-128/192/256-CBC or DES-EDE3-CBC; the PKCS#12
 * PBE schemes (RFC 7292 Appendix C) with 3-key and 2-key 3DES, 128-bit and 40-bit RC2 (RC2 is
 * our own, `rc2.ts`: OpenSSL 3 keeps it in the legacy provider, which Node does not load).
 *
 * Not supported (clear errors): public-key integrity/privacy modes (signedData/envelopedData),
 * RC4 and single-DES PBEs, PBMAC1 (RFC 9579), BER indefinite lengths.
 */
import { Buffer } from 'node:buffer';
import {
  createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, pbkdf2Sync,
  timingSafeEqual, X509Certificate,
} from 'node:crypto';
import { isTlsError, TlsError, type TlsErrorCode } from '../core/errors.ts';
import { DerReader, oidToString, parseSingle, Tag, type DerElement } from '../webpki/der.ts';
import { rc2CbcDecrypt } from './rc2.ts';

/** What a PKCS#12 file holds, as node:tls uses it. */
export interface Pkcs12Contents {
  /** The first private key, as DER PKCS#8 PrivateKeyInfo (RFC 5958), or null if there is none. Owned by the caller. */
  readonly key: Uint8Array | null;
  /**
   * DER certificates: the one whose public key matches `key` first (OpenSSL's PKCS12_parse
   * rule), then the others in file order. Owned by the caller.
   */
  readonly certificates: readonly Uint8Array[];
  /** True when `certificates[0]` is the certificate of `key`. */
  readonly hasLeaf: boolean;
}

/** Limits for `readPkcs12`. */
export interface ReadPkcs12Options {
  /** Largest PBKDF2 / PKCS#12 KDF iteration count accepted. Default 10,000,000. */
  readonly maxIterations?: number;
}

/** A bound on the file size we parse (real key stores are a few KiB). */
export const maxPkcs12Length = 16 * 1024 * 1024;
const defaultMaxIterations = 10_000_000;
/** Bounds on hostile structure: bags in all, nesting of safeContentsBag. */
const maxBags = 4096;
const maxNesting = 8;

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const;

/** Digests by OID (MacData.mac.digestAlgorithm): node name, output length u, block length v. */
const digests: ReadonlyMap<string, { name: string; u: number; v: number }> = new Map([
  ['1.3.14.3.2.26', { name: 'sha1', u: 20, v: 64 }],
  ['2.16.840.1.101.3.4.2.4', { name: 'sha224', u: 28, v: 64 }],
  ['2.16.840.1.101.3.4.2.1', { name: 'sha256', u: 32, v: 64 }],
  ['2.16.840.1.101.3.4.2.2', { name: 'sha384', u: 48, v: 128 }],
  ['2.16.840.1.101.3.4.2.3', { name: 'sha512', u: 64, v: 128 }],
]);

/** RFC 8018 Appendix B.1: PBKDF2 PRFs. */
const prfs: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.2.7', 'sha1'],
  ['1.2.840.113549.2.8', 'sha224'],
  ['1.2.840.113549.2.9', 'sha256'],
  ['1.2.840.113549.2.10', 'sha384'],
  ['1.2.840.113549.2.11', 'sha512'],
]);

/** RFC 8018 Appendix B.2: PBES2 encryption schemes (CBC with an OCTET STRING IV). */
const pbes2Ciphers: ReadonlyMap<string, { name: string; keyLength: number; ivLength: number }> = new Map([
  ['2.16.840.1.101.3.4.1.2', { name: 'aes-128-cbc', keyLength: 16, ivLength: 16 }],
  ['2.16.840.1.101.3.4.1.22', { name: 'aes-192-cbc', keyLength: 24, ivLength: 16 }],
  ['2.16.840.1.101.3.4.1.42', { name: 'aes-256-cbc', keyLength: 32, ivLength: 16 }],
  ['1.2.840.113549.3.7', { name: 'des-ede3-cbc', keyLength: 24, ivLength: 8 }],
]);

/** RFC 7292 Appendix C: pkcs-12PbeIds. Key from KDF ID 1, IV (8 bytes) from ID 2, SHA-1. */
const pkcs12Pbes: ReadonlyMap<string, { label: string; cipher: '3des' | 'rc2'; keyLength: number }> = new Map([
  ['1.2.840.113549.1.12.1.3', { label: 'pbeWithSHAAnd3-KeyTripleDES-CBC', cipher: '3des', keyLength: 24 }],
  ['1.2.840.113549.1.12.1.4', { label: 'pbeWithSHAAnd2-KeyTripleDES-CBC', cipher: '3des', keyLength: 16 }],
  ['1.2.840.113549.1.12.1.5', { label: 'pbeWithSHAAnd128BitRC2-CBC', cipher: 'rc2', keyLength: 16 }],
  ['1.2.840.113549.1.12.1.6', { label: 'pbeWithSHAAnd40BitRC2-CBC', cipher: 'rc2', keyLength: 5 }],
]);

const knownUnsupported: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.12.1.1': 'pbeWithSHAAnd128BitRC4',
  '1.2.840.113549.1.12.1.2': 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.5.3': 'pbeWithMD5AndDES-CBC',
  '1.2.840.113549.1.5.10': 'pbeWithSHA1AndDES-CBC',
  '1.2.840.113549.1.5.14': 'PBMAC1',
  '1.2.840.113549.3.2': 'rc2-cbc (in PBES2)',
  '1.3.14.3.2.7': 'des-cbc',
};

function err(code: TlsErrorCode, message: string, cause?: unknown): TlsError {
  return new TlsError(code, message, cause === undefined ? undefined : { cause });
}

function unsupported(what: string, oid: string): TlsError {
  const name = knownUnsupported[oid];
  return err('ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', `unsupported: PKCS#12 ${what} ${name === undefined ? oid : `${name} (${oid})`} is not supported`);
}

/** The two password encodings of one passphrase; `null` is OpenSSL's NULL password. */
interface Password {
  /** RFC 7292 Appendix B.1: BMPString (UTF-16BE) with two zero bytes; empty for NULL. */
  readonly bmp: Uint8Array;
  /** RFC 8018 §6.2 (PBES2): the UTF-8 bytes. */
  readonly utf8: Uint8Array;
}

function password(p: string | null): Password {
  if (p === null) return { bmp: new Uint8Array(0), utf8: new Uint8Array(0) };
  // Node hands OpenSSL the UTF-8 bytes (lone surrogates become U+FFFD); OpenSSL converts UTF-8
  // to UTF-16BE for the KDF (OPENSSL_utf82uni), so go through UTF-8 the same way.
  const utf8 = new Uint8Array(Buffer.from(p, 'utf8'));
  const wellFormed = Buffer.from(utf8).toString('utf8');
  const bmp = new Uint8Array(wellFormed.length * 2 + 2);
  for (let i = 0; i < wellFormed.length; i++) {
    const c = wellFormed.charCodeAt(i);
    bmp[2 * i] = c >>> 8;
    bmp[2 * i + 1] = c & 0xff;
  }
  return { bmp, utf8 };
}

/**
 * RFC 7292 Appendix B.2: the PKCS#12 key derivation function. `id` 1 = key, 2 = IV, 3 = MAC
 * key; `password` is already the BMPString form. Exported for the test vectors.
 */
export function pkcs12Kdf(hash: string, password: Uint8Array, salt: Uint8Array, iterations: number, id: number, n: number): Uint8Array {
  const d = [...digests.values()].find((x) => x.name === hash);
  if (d === undefined) throw new RangeError(`PKCS#12 KDF hash ${hash} is not supported`);
  const { u, v } = d;
  const fill = (src: Uint8Array): Uint8Array => {
    const out = new Uint8Array(src.length === 0 ? 0 : v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const D = new Uint8Array(v).fill(id);
  const S = fill(salt);
  const P = fill(password);
  const I = new Uint8Array(S.length + P.length);
  I.set(S);
  I.set(P, S.length);
  const out = new Uint8Array(n);
  const B = new Uint8Array(v);
  for (let produced = 0; produced < n;) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(hash).update(A).digest();
    const take = Math.min(u, n - produced);
    out.set(A.subarray(0, take), produced);
    produced += take;
    if (produced >= n) break;
    for (let i = 0; i < v; i++) B[i] = A[i % u]!;
    // I_j = (I_j + B + 1) mod 2^(8v), each v-byte block of I as a big-endian integer.
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let i = v - 1; i >= 0; i--) {
        const s = I[j + i]! + B[i]! + carry;
        I[j + i] = s & 0xff;
        carry = s >>> 8;
      }
    }
  }
  return out;
}

function iterationCount(r: DerReader, field: string, max: number): number {
  const v = r.integer(field);
  if ((v[0]! & 0x80) !== 0 || (v.length === 1 && v[0] === 0)) {
    throw err('ERR_TLS_CONFIG_PKCS12_MALFORMED', `PKCS#12 is malformed: ${field} must be a positive INTEGER`);
  }
  let n = 0;
  for (const b of v) {
    n = n * 256 + b;
    if (n > max) break;
  }
  if (n > max) {
    throw err('ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', `unsupported: PKCS#12 ${field} of ${v.length > 6 ? 'more than ' + max : n} exceeds the limit of ${max} iterations`);
  }
  return n;
}

/** OCTET STRING content: primitive, or (BER, definite lengths) constructed of OCTET STRINGs. */
function octets(e: DerElement, field: string, depth: number): Uint8Array {
  if (e.tag === Tag.OctetString || e.tag === 0x80) return e.value;
  if (e.tag === 0x24 || e.tag === 0xa0) {
    const r = DerReader.over(e, depth + 1, field);
    const parts: Uint8Array[] = [];
    while (!r.atEnd()) parts.push(octets(r.read(field), field, depth + 1));
    return new Uint8Array(Buffer.concat(parts));
  }
  throw err('ERR_TLS_CONFIG_PKCS12_MALFORMED', `PKCS#12 is malformed: ${field}: tag 0x${e.tag.toString(16)}, expected an OCTET STRING`);
}

interface Mac {
  readonly digest: { name: string; u: number; v: number };
  readonly value: Uint8Array;
  readonly salt: Uint8Array;
  readonly iterations: number;
}

// RFC 7292 §4: MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
function readMacData(r: DerReader, maxIterations: number): Mac {
  const info = r.nested(Tag.Sequence, 'MacData.mac');
  const alg = info.nested(Tag.Sequence, 'MacData.mac.digestAlgorithm');
  const oid = oidToString(alg.oid('MacData.mac.digestAlgorithm.algorithm'));
  if (!alg.atEnd()) alg.null('MacData.mac.digestAlgorithm.parameters');
  alg.finish('MacData.mac.digestAlgorithm');
  const value = info.expect(Tag.OctetString, 'MacData.mac.digest');
  info.finish('MacData.mac');
  const salt = r.expect(Tag.OctetString, 'MacData.macSalt');
  const iterations = r.peekTag() === Tag.Integer ? iterationCount(r, 'MacData.iterations', maxIterations) : 1;
  r.finish('MacData');
  const digest = digests.get(oid);
  if (digest === undefined) throw unsupported('MAC digest', oid);
  if (value.length !== digest.u) {
    throw err('ERR_TLS_CONFIG_PKCS12_MALFORMED', `PKCS#12 is malformed: MAC of ${value.length} bytes, expected ${digest.u} for ${digest.name}`);
  }
  return { digest, value, salt, iterations };
}

/** RFC 7292 §5.1 step 5 / Appendix B.4: HMAC over the authSafe content, key from KDF ID 3; constant-time compare. */
function macMatches(mac: Mac, authSafe: Uint8Array, pass: Password): boolean {
  const key = pkcs12Kdf(mac.digest.name, pass.bmp, mac.salt, mac.iterations, 3, mac.digest.u);
  const computed = createHmac(mac.digest.name, key).update(authSafe).digest();
  key.fill(0);
  return timingSafeEqual(computed, mac.value);
}

function removePadding(plain: Uint8Array, blockSize: number, what: string): Uint8Array {
  // RFC 8018 §6.1.1 / RFC 5652 §6.3: 1..blockSize bytes, each the padding length.
  const n = plain.length === 0 ? 0 : plain[plain.length - 1]!;
  let ok = n >= 1 && n <= blockSize && n <= plain.length;
  for (let i = 1; ok && i <= n; i++) ok = plain[plain.length - i] === n;
  if (!ok) throw err('ERR_TLS_CONFIG_PKCS12_DECRYPT', `bad decrypt: ${what} has invalid padding after decryption (wrong passphrase or corrupted file)`);
  return plain.subarray(0, plain.length - n);
}

function cbcDecrypt(cipher: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array, blockSize: number, what: string): Uint8Array {
  if (data.length === 0 || data.length % blockSize !== 0) {
    throw err('ERR_TLS_CONFIG_PKCS12_MALFORMED', `PKCS#12 is malformed: ${what} ciphertext of ${data.length} bytes, expected a positive multiple of ${blockSize}`);
  }
  const d = createDecipheriv(cipher, key, iv).setAutoPadding(false);
  const plain = new Uint8Array(Buffer.concat([d.update(data), d.final()]));
  key.fill(0);
  return removePadding(plain, blockSize, what);
}

/** Decrypts `data` with the AlgorithmIdentifier `algorithm` (PBES2 or a PKCS#12 PBE). */
function decrypt(algorithm: DerReader, data: Uint8Array, pass: Password, what: string, maxIterations: number): Uint8Array {
  const oid = oidToString(algorithm.oid(`${what}.algorithm`));
  if (oid === OID.pbes2) {
    // RFC 8018 §A.4: PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme }
    const params = algorithm.nested(Tag.Sequence, 'PBES2-params');
    algorithm.finish(what);
    const kdf = params.nested(Tag.Sequence, 'PBES2-params.keyDerivationFunc');
    const kdfOid = oidToString(kdf.oid('keyDerivationFunc.algorithm'));
    if (kdfOid !== OID.pbkdf2) throw unsupported('key derivation function', kdfOid);
    // RFC 8018 §A.2: PBKDF2-params ::= SEQUENCE { salt CHOICE { specified OCTET STRING, ... },
    //   iterationCount INTEGER, keyLength INTEGER OPTIONAL, prf AlgorithmIdentifier DEFAULT hmacWithSHA1 }
    const p = kdf.nested(Tag.Sequence, 'PBKDF2-params');
    kdf.finish('keyDerivationFunc');
    if (p.peekTag() !== Tag.OctetString) throw err('ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', 'unsupported: PKCS#12 PBKDF2 salt from "otherSource" is not supported, expected a specified OCTET STRING');
    const salt = p.expect(Tag.OctetString, 'PBKDF2-params.salt');
    const iterations = iterationCount(p, 'PBKDF2-params.iterationCount', maxIterations);
    const keyLength = p.peekTag() === Tag.Integer ? p.smallNonNegative('PBKDF2-params.keyLength', 64) : null;
    let prf = 'sha1';
    if (!p.atEnd()) {
      const a = p.nested(Tag.Sequence, 'PBKDF2-params.prf');
      const prfOid = oidToString(a.oid('PBKDF2-params.prf.algorithm'));
      if (!a.atEnd()) a.null('PBKDF2-params.prf.parameters');
      a.finish('PBKDF2-params.prf');
      const name = prfs.get(prfOid);
      if (name === undefined) throw unsupported('PBKDF2 PRF', prfOid);
      prf = name;
    }
    p.finish('PBKDF2-params');
    const enc = params.nested(Tag.Sequence, 'PBES2-params.encryptionScheme');
    params.finish('PBES2-params');
    const encOid = oidToString(enc.oid('encryptionScheme.algorithm'));
    const c = pbes2Ciphers.get(encOid);
    if (c === undefined) throw unsupported('PBES2 encryption scheme', encOid);
    const iv = enc.expect(Tag.OctetString, 'encryptionScheme.iv');
    enc.finish('encryptionScheme');
    if (iv.length !== c.ivLength) throw err('ERR_TLS_CONFIG_PKCS12_MALFORMED', `PKCS#12 is malformed: ${c.name} IV of ${iv.length} bytes, expected ${c.ivLength}`);
    if (keyLength !== null && keyLength !== c.keyLength) {
      throw err('ERR_TLS_CONFIG_PKCS12_MALFORMED', `PKCS#12 is malformed: PBKDF2 keyLength ${keyLength}, expected ${c.keyLength} for ${c.name}`);
    }
    const key = new Uint8Array(pbkdf2Sync(pass.utf8, salt, iterations, c.keyLength, prf));
    return cbcDecrypt(c.name, key, iv, data, c.ivLength === 16 ? 16 : 8, what);
  }
  const pbe = pkcs12Pbes.get(oid);
  if (pbe === undefined) throw unsupported('encryption algorithm', oid);
  // RFC 7292 Appendix C: pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
  const p = algorithm.nested(Tag.Sequence, 'pkcs-12PbeParams');
  algorithm.finish(what);
  const salt = p.expect(Tag.OctetString, 'pkcs-12PbeParams.salt');
  const iterations = iterationCount(p, 'pkcs-12PbeParams.iterations', maxIterations);
  p.finish('pkcs-12PbeParams');
  const key = pkcs12Kdf('sha1', pass.bmp, salt, iterations, 1, pbe.keyLength);
  const iv = pkcs12Kdf('sha1', pass.bmp, salt, iterations, 2, 8);
  if (pbe.cipher === 'rc2') {
    if (data.length === 0 || data.length % 8 !== 0) {
      throw err('ERR_TLS_CONFIG_PKCS12_MALFORMED', `PKCS#12 is malformed: ${what} ciphertext of ${data.length} bytes, expected a positive multiple of 8`);
    }
    const plain = rc2CbcDecrypt(key, pbe.keyLength * 8, iv, data);
    key.fill(0);
    return removePadding(plain, 8, what);
  }
  // 2-key 3DES is 3DES with K3 = K1.
  const k3 = pbe.keyLength === 24 ? key : new Uint8Array([...key, ...key.subarray(0, 8)]);
  return cbcDecrypt('des-ede3-cbc', k3, iv, data, 8, what);
}

interface Collected {
  key: Uint8Array | null;
  certificates: Uint8Array[];
  bags: number;
}

function malformed(field: string, what: string): TlsError {
  return err('ERR_TLS_CONFIG_PKCS12_MALFORMED', `PKCS#12 is malformed: ${field}: ${what}`);
}

// RFC 7292 §4.2: SafeContents ::= SEQUENCE OF SafeBag;
// SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT, bagAttributes SET OF PKCS12Attribute OPTIONAL }
function readSafeContents(bytes: Uint8Array, pass: Password, out: Collected, nesting: number, maxIterations: number): void {
  if (nesting > maxNesting) throw malformed('SafeContents', `safeContentsBag nested deeper than ${maxNesting}`);
  const top = new DerReader(bytes);
  const list = top.nested(Tag.Sequence, 'SafeContents');
  top.finish('SafeContents');
  while (!list.atEnd()) {
    if (++out.bags > maxBags) throw malformed('SafeContents', `more than ${maxBags} bags`);
    const bag = list.nested(Tag.Sequence, 'SafeBag');
    const bagId = oidToString(bag.oid('SafeBag.bagId'));
    const value = bag.nested(0xa0, 'SafeBag.bagValue');
    if (!bag.atEnd()) bag.expectElement(Tag.Set, 'SafeBag.bagAttributes');
    bag.finish('SafeBag');
    switch (bagId) {
      case OID.keyBag: {
        // RFC 7292 §4.2.1: a PKCS#8 PrivateKeyInfo. OpenSSL's PKCS12_parse keeps the first key.
        const e = value.expectElement(Tag.Sequence, 'KeyBag');
        value.finish('KeyBag');
        out.key ??= e.encoding.slice();
        break;
      }
      case OID.pkcs8ShroudedKeyBag: {
        // RFC 7292 §4.2.2: EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING }
        const epki = value.nested(Tag.Sequence, 'EncryptedPrivateKeyInfo');
        value.finish('PKCS8ShroudedKeyBag');
        const alg = epki.nested(Tag.Sequence, 'EncryptedPrivateKeyInfo.encryptionAlgorithm');
        const data = epki.expect(Tag.OctetString, 'EncryptedPrivateKeyInfo.encryptedData');
        epki.finish('EncryptedPrivateKeyInfo');
        if (out.key !== null) break; // only the first key is used: do not decrypt others
        const plain = decrypt(alg, data, pass, 'pkcs8ShroudedKeyBag', maxIterations);
        out.key = parseSingle(plain, Tag.Sequence, 'decrypted PrivateKeyInfo').encoding.slice();
        plain.fill(0);
        break;
      }
      case OID.certBag: {
        // RFC 7292 §4.2.3: CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT }
        const cb = value.nested(Tag.Sequence, 'CertBag');
        value.finish('CertBag');
        const certId = oidToString(cb.oid('CertBag.certId'));
        const cv = cb.nested(0xa0, 'CertBag.certValue');
        cb.finish('CertBag');
        if (certId !== OID.x509Certificate) break; // sdsiCertificate: ignored, as OpenSSL does
        const der = octets(cv.read('CertBag.certValue'), 'x509Certificate', cv.depth);
        cv.finish('CertBag.certValue');
        out.certificates.push(parseSingle(der, Tag.Sequence, 'x509Certificate').encoding.slice());
        break;
      }
      case OID.safeContentsBag: {
        const inner = value.expectElement(Tag.Sequence, 'SafeContentsBag');
        value.finish('SafeContentsBag');
        readSafeContents(inner.encoding, pass, out, nesting + 1, maxIterations);
        break;
      }
      default:
        // crlBag, secretBag and unknown bags carry nothing node:tls uses (OpenSSL skips them too).
        break;
    }
  }
}

// RFC 7292 §4.1: AuthenticatedSafe ::= SEQUENCE OF ContentInfo (data or encryptedData here).
function readAuthenticatedSafe(bytes: Uint8Array, pass: Password, maxIterations: number): Collected {
  const out: Collected = { key: null, certificates: [], bags: 0 };
  const top = new DerReader(bytes);
  const list = top.nested(Tag.Sequence, 'AuthenticatedSafe');
  top.finish('AuthenticatedSafe');
  while (!list.atEnd()) {
    const ci = list.nested(Tag.Sequence, 'AuthenticatedSafe.ContentInfo');
    const type = oidToString(ci.oid('ContentInfo.contentType'));
    const content = ci.nested(0xa0, 'ContentInfo.content');
    ci.finish('ContentInfo');
    if (type === OID.data) {
      const safe = octets(content.read('ContentInfo.content'), 'data', content.depth);
      content.finish('ContentInfo.content');
      readSafeContents(safe, pass, out, 0, maxIterations);
    } else if (type === OID.encryptedData) {
      // RFC 5652 §8: EncryptedData ::= SEQUENCE { version, encryptedContentInfo, unprotectedAttrs [1] IMPLICIT OPTIONAL }
      const ed = content.nested(Tag.Sequence, 'EncryptedData');
      content.finish('ContentInfo.content');
      const version = ed.smallNonNegative('EncryptedData.version', 255);
      if (version !== 0 && version !== 2) throw malformed('EncryptedData.version', `${version}, expected 0 or 2`);
      // EncryptedContentInfo ::= SEQUENCE { contentType, contentEncryptionAlgorithm, encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL }
      const eci = ed.nested(Tag.Sequence, 'EncryptedContentInfo');
      if (!ed.atEnd()) ed.expectElement(0xa1, 'EncryptedData.unprotectedAttrs');
      ed.finish('EncryptedData');
      const inner = oidToString(eci.oid('EncryptedContentInfo.contentType'));
      if (inner !== OID.data) throw malformed('EncryptedContentInfo.contentType', `${inner}, expected data (${OID.data})`);
      const alg = eci.nested(Tag.Sequence, 'EncryptedContentInfo.contentEncryptionAlgorithm');
      if (eci.atEnd()) throw malformed('EncryptedContentInfo.encryptedContent', 'missing');
      const encrypted = octets(eci.read('EncryptedContentInfo.encryptedContent'), 'encryptedContent', eci.depth);
      eci.finish('EncryptedContentInfo');
      const plain = decrypt(alg, encrypted, pass, 'encryptedData', maxIterations);
      readSafeContents(plain, pass, out, 0, maxIterations);
    } else if (type === OID.envelopedData) {
      throw err('ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', 'unsupported: PKCS#12 public-key privacy mode (envelopedData) is not supported');
    } else {
      throw unsupported('content type', type);
    }
  }
  return out;
}

function spkiOf(der: Uint8Array, what: string, fromKey: boolean): Buffer {
  try {
    const b = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
    return fromKey
      ? createPublicKey(createPrivateKey({ key: b, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' })
      : new X509Certificate(b).publicKey.export({ type: 'spki', format: 'der' });
  } catch (e) {
    throw err(fromKey ? 'ERR_TLS_CONFIG_PKCS12_DECRYPT' : 'ERR_TLS_CONFIG_PKCS12_MALFORMED',
      `PKCS#12 ${what} could not be parsed${fromKey ? ' (wrong passphrase or corrupted file?)' : ''}: ${(e as Error).message}`, e);
  }
}

function readPfx(pfx: Uint8Array, passphrase: string | undefined, maxIterations: number): Pkcs12Contents {
  // RFC 7292 §4: PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
  const top = new DerReader(pfx);
  const seq = top.nested(Tag.Sequence, 'PFX');
  top.finish('PFX');
  const version = seq.smallNonNegative('PFX.version', 0xffff);
  if (version !== 3) throw err('ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', `unsupported: PFX version ${version}, expected 3 (RFC 7292 §4)`);
  const authSafe = seq.nested(Tag.Sequence, 'PFX.authSafe');
  const type = oidToString(authSafe.oid('PFX.authSafe.contentType'));
  if (type === OID.signedData) throw err('ERR_TLS_CONFIG_PKCS12_UNSUPPORTED', 'unsupported: PKCS#12 public-key integrity mode (signedData) is not supported');
  if (type !== OID.data) throw unsupported('authSafe content type', type);
  const content = authSafe.nested(0xa0, 'PFX.authSafe.content');
  authSafe.finish('PFX.authSafe');
  const authSafeBytes = octets(content.read('PFX.authSafe.content'), 'PFX.authSafe.content', content.depth);
  content.finish('PFX.authSafe.content');
  const mac = seq.atEnd() ? null : readMacData(seq.nested(Tag.Sequence, 'PFX.macData'), maxIterations);
  seq.finish('PFX');

  // RFC 7292 §5.1: check integrity before decrypting anything. No passphrase: as OpenSSL's
  // PKCS12_parse (which Node calls), try the NULL password, then "" (BMPString 00 00).
  let candidates: (string | null)[];
  if (mac !== null) {
    const tries: (string | null)[] = passphrase === undefined || passphrase === '' ? [null, ''] : [passphrase];
    const ok = tries.find((p) => macMatches(mac, authSafeBytes, password(p)));
    if (ok === undefined) {
      throw err('ERR_TLS_CONFIG_PKCS12_MAC_VERIFY', `mac verify failure: the PKCS#12 MAC (HMAC-${mac.digest.name.toUpperCase()}) does not match: wrong passphrase or corrupted file`);
    }
    candidates = [ok];
  } else {
    // No MacData: nothing authenticates the file; a wrong passphrase shows as a decryption failure.
    candidates = passphrase === undefined || passphrase === '' ? [null, ''] : [passphrase];
  }
  let collected: Collected | null = null;
  for (const [i, p] of candidates.entries()) {
    try {
      collected = readAuthenticatedSafe(authSafeBytes, password(p), maxIterations);
      break;
    } catch (e) {
      if (i === candidates.length - 1 || !isTlsError(e) || e.code !== 'ERR_TLS_CONFIG_PKCS12_DECRYPT') throw e;
    }
  }
  const { key, certificates } = collected!;
  if (key === null) return { key: null, certificates, hasLeaf: false };
  // OpenSSL's PKCS12_parse: the certificate whose public key matches the key is the leaf.
  const keySpki = spkiOf(key, 'private key', true);
  const leaf = certificates.findIndex((c, i) => spkiOf(c, `certificate ${i}`, false).equals(keySpki));
  if (leaf < 0) return { key, certificates, hasLeaf: false };
  return { key, certificates: [certificates[leaf]!, ...certificates.filter((_, i) => i !== leaf)], hasLeaf: true };
}

/**
 * Reads a PKCS#12 file (RFC 7292): verifies its MAC (constant time, before any decryption),
 * decrypts its contents and returns the first private key and the certificates, the key's own
 * certificate first. `passphrase` undefined or "" behaves as node:tls / OpenSSL: the NULL and
 * the empty password are both tried.
 *
 * @throws TlsError ERR_TLS_CONFIG_PKCS12_MAC_VERIFY ("mac verify failure: ...", wrong passphrase
 *   or tampering), ERR_TLS_CONFIG_PKCS12_DECRYPT (bad padding or an undecodable key after
 *   decryption: wrong passphrase on a file without MAC), ERR_TLS_CONFIG_PKCS12_UNSUPPORTED
 *   (unknown algorithms, iteration counts above `maxIterations`), ERR_TLS_CONFIG_PKCS12_MALFORMED.
 * @example
 * const { key, certificates } = readPkcs12(readFileSync('server.p12'), 'secret');
 * const signingKey = nodeCryptoProvider.loadSigningKey(key!);
 */
export function readPkcs12(pfx: Uint8Array, passphrase?: string, options: ReadPkcs12Options = {}): Pkcs12Contents {
  if (!(pfx instanceof Uint8Array)) throw err('ERR_TLS_USAGE', 'readPkcs12: pfx must be a Uint8Array');
  if (pfx.length > maxPkcs12Length) throw malformed('PFX', `${pfx.length} bytes, expected at most ${maxPkcs12Length}`);
  const maxIterations = options.maxIterations ?? defaultMaxIterations;
  try {
    return readPfx(pfx, passphrase, maxIterations);
  } catch (e) {
    if (isTlsError(e)) {
      if (e.code === 'ERR_TLS_CERT_BAD_ENCODING') throw err('ERR_TLS_CONFIG_PKCS12_MALFORMED', `PKCS#12 is malformed: ${e.message}`, e);
      throw e;
    }
    // node:crypto rejecting something our checks let through: still a typed error.
    throw err('ERR_TLS_CONFIG_PKCS12_MALFORMED', `PKCS#12 could not be read: ${(e as Error).message}`, e);
  }
}

/**
 * The certificate chain (leaf first) and DER PKCS#8 key of a PKCS#12 file, for the adapter's
 * `pfx` option (the same as giving `cert` and `key`). Every certificate in the file is sent
 * as the chain, as Node does.
 * @throws TlsError as `readPkcs12`, and ERR_TLS_CONFIG_BAD_KEY / ERR_TLS_CONFIG_BAD_CERTIFICATE
 *   when the file holds no private key or no certificate for it.
 */
export function pkcs12Credentials(pfx: Uint8Array, passphrase?: string): { chain: Uint8Array[]; key: Uint8Array } {
  const c = readPkcs12(pfx, passphrase);
  if (c.key === null) throw err('ERR_TLS_CONFIG_BAD_KEY', 'PKCS#12 file holds no private key, expected one with its certificate');
  if (!c.hasLeaf) throw err('ERR_TLS_CONFIG_BAD_CERTIFICATE', `PKCS#12 file holds no certificate for its private key (${c.certificates.length} other certificates)`);
  return { chain: [...c.certificates], key: c.key };
}
