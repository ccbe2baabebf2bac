// CRL parser (crl.ts) negative and edge cases on hand-built DER. The bytes come from the small
// encoder below, not from webpki's DER code. Each case asserts ERR_TLS_CERT_CRL_INVALID, the
// certificate_unknown alert and a message naming what was wrong.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlertDescription } from '../../src/core/codec/codepoints.ts';
import { isTlsError } from '../../src/core/errors.ts';
import { RevocationReason, parseCrl } from '../../src/webpki/crl.ts';

// --- a tiny independent DER encoder ---------------------------------------------------------
type Bytes = Uint8Array | readonly number[];
function tlv(tag: number, ...parts: Bytes[]): Uint8Array {
  const body = parts.flatMap((p) => Array.from(p));
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Uint8Array.from([tag, ...len, ...body]);
}
function oid(dotted: string): Uint8Array {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const v of rest) {
    const tmp = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) tmp.unshift((x & 0x7f) | 0x80);
    out.push(...tmp);
  }
  return tlv(0x06, out);
}
const seq = (...p: Bytes[]): Uint8Array => tlv(0x30, ...p);
const int = (...v: number[]): Uint8Array => tlv(0x02, v);
const utc = (s: string): Uint8Array => tlv(0x17, Array.from(s, (c) => c.charCodeAt(0)));
const octets = (...p: Bytes[]): Uint8Array => tlv(0x04, ...p);
const TRUE = tlv(0x01, [0xff]);
function ext(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? seq(oid(id), TRUE, octets(value)) : seq(oid(id), octets(value));
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const ISSUER = seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Array.from('Test CA', (c) => c.charCodeAt(0))))));
const CRL_NUMBER = ext('2.5.29.20', false, int(5));
const AKI = ext('2.5.29.35', false, seq(tlv(0x80, [1, 2, 3, 4])));
const REASON = (r: number): Uint8Array => ext('2.5.29.21', false, tlv(0x0a, [r]));
const ENTRY = seq(int(0x10, 0x01), utc('250101000000Z'), seq(REASON(1)));
const idp = (...fields: Bytes[]): Uint8Array => ext('2.5.29.28', true, seq(...fields));
const FULL_NAME_URI = tlv(0xa0, tlv(0xa0, tlv(0x86, Array.from('http://crl.test/a.crl', (c) => c.charCodeAt(0)))));

interface Parts {
  version?: Uint8Array | null;
  innerAlgorithm?: Uint8Array;
  outerAlgorithm?: Uint8Array;
  issuer?: Uint8Array;
  nextUpdate?: Uint8Array | null;
  revoked?: Uint8Array | null;
  extensions?: Uint8Array[] | null;
  trailing?: Uint8Array;
}

function crl(p: Parts = {}): Uint8Array {
  const tbs = seq(
    ...(p.version === null ? [] : [p.version ?? int(1)]),
    p.innerAlgorithm ?? ECDSA_SHA256,
    p.issuer ?? ISSUER,
    utc('250101000000Z'),
    ...(p.nextUpdate === null ? [] : [p.nextUpdate ?? utc('491231000000Z')]),
    ...(p.revoked === null ? [] : [p.revoked ?? seq(ENTRY)]),
    ...(p.extensions === null ? [] : [tlv(0xa0, seq(...(p.extensions ?? [AKI, CRL_NUMBER])))]),
  );
  return seq(tbs, p.outerAlgorithm ?? ECDSA_SHA256, tlv(0x03, [0, 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]), ...(p.trailing ? [p.trailing] : []));
}

function rejects(bytes: Uint8Array, message: RegExp): void {
  assert.throws(() => parseCrl(bytes), (e: unknown) => {
    assert.ok(isTlsError(e), String(e));
    assert.equal(e.code, 'ERR_TLS_CERT_CRL_INVALID', e.message);
    assert.equal(e.alert, AlertDescription.CertificateUnknown);
    assert.match(e.message, message);
    return true;
  });
}

describe('CRL parser edge cases', () => {
  it('parses the hand-built baseline', () => {
    const c = parseCrl(crl());
    assert.equal(c.thisUpdate, Date.UTC(2025, 0, 1));
    assert.equal(c.nextUpdate, Date.UTC(2049, 11, 31));
    assert.deepEqual(c.crlNumber, Uint8Array.of(5));
    assert.deepEqual(c.authorityKeyIdentifier, Uint8Array.of(1, 2, 3, 4));
    assert.equal(c.findSerial(Uint8Array.of(0x10, 0x01))?.reason, RevocationReason.KeyCompromise);
    assert.equal(c.findSerial(Uint8Array.of(0x10, 0x02)), null);
  });

  it('accepts no revokedCertificates, an empty entry-extension SEQUENCE and unknown non-critical extensions', () => {
    assert.equal(parseCrl(crl({ revoked: null })).revokedCount, 0);
    const entry = seq(int(7), utc('250101000000Z'), seq());
    assert.equal(parseCrl(crl({ revoked: seq(entry) })).findSerial(Uint8Array.of(7))?.reason, null);
    parseCrl(crl({ extensions: [AKI, CRL_NUMBER, ext('1.2.3.4', false, tlv(0x05))] }));
    const invalidity = seq(int(8), utc('250101000000Z'), seq(ext('2.5.29.24', false, tlv(0x18, Array.from('20241231000000Z', (c) => c.charCodeAt(0))))));
    assert.equal(parseCrl(crl({ revoked: seq(invalidity) })).findSerial(Uint8Array.of(8))?.invalidityDate, Date.UTC(2024, 11, 31));
  });

  it('rejects v1 and other versions', () => {
    rejects(crl({ version: null }), /version: absent/);
    rejects(crl({ version: int(0) }), /version: 1, expected v2/);
    rejects(crl({ version: int(2) }), /version: 3, expected v2/);
  });

  it('rejects differing inner and outer signature algorithms', () => {
    rejects(crl({ outerAlgorithm: seq(oid('1.2.840.10045.4.3.3')) }), /differs from signatureAlgorithm/);
  });

  it('rejects an empty issuer, a missing nextUpdate and trailing data', () => {
    rejects(crl({ issuer: seq() }), /issuer: empty Name/);
    rejects(crl({ nextUpdate: null }), /nextUpdate: absent/);
    rejects(crl({ trailing: Uint8Array.of(0x05, 0x00) }), /trailing|malformed/);
    rejects(crl().subarray(0, 30), /malformed/);
  });

  it('requires the extensions and a cRLNumber', () => {
    rejects(crl({ extensions: null }), /crlExtensions: absent/);
    rejects(crl({ extensions: [] }), /empty SEQUENCE/);
    rejects(crl({ extensions: [AKI] }), /no cRLNumber/);
    rejects(crl({ extensions: [ext('2.5.29.20', false, int(0xff))] }), /cRLNumber: negative/);
    rejects(crl({ extensions: [ext('2.5.29.20', false, tlv(0x02, [0x01, ...new Array<number>(20).fill(0)]))] }), /21 octets/);
    rejects(crl({ extensions: [CRL_NUMBER, CRL_NUMBER] }), /appears twice/);
  });

  it('rejects delta CRLs and unknown critical extensions', () => {
    rejects(crl({ extensions: [CRL_NUMBER, ext('2.5.29.27', true, int(4))] }), /delta CRL/);
    rejects(crl({ extensions: [CRL_NUMBER, ext('1.2.3.4', true, tlv(0x05))] }), /unknown critical extension 1\.2\.3\.4/);
  });

  it('accepts a fullName IDP and rejects the unsupported IDP forms (as rustls-webpki)', () => {
    const ok = parseCrl(crl({ extensions: [CRL_NUMBER, idp(FULL_NAME_URI, tlv(0x81, [0xff]))] }));
    assert.equal(ok.issuingDistributionPoint?.onlyContainsUserCerts, true);
    assert.equal(ok.issuingDistributionPoint?.fullNameUris.length, 1);
    // An explicit FALSE is tolerated, as rustls-webpki does.
    assert.equal(parseCrl(crl({ extensions: [CRL_NUMBER, idp(FULL_NAME_URI, tlv(0x82, [0x00]))] })).issuingDistributionPoint?.onlyContainsCaCerts, false);
    rejects(crl({ extensions: [CRL_NUMBER, idp(FULL_NAME_URI, tlv(0x84, [0xff]))] }), /indirect CRLs/);
    rejects(crl({ extensions: [CRL_NUMBER, idp(FULL_NAME_URI, tlv(0x83, [0x07, 0x80]))] }), /onlySomeReasons/);
    rejects(crl({ extensions: [CRL_NUMBER, idp(FULL_NAME_URI, tlv(0x85, [0xff]))] }), /onlyContainsAttributeCerts/);
    rejects(crl({ extensions: [CRL_NUMBER, idp(tlv(0xa0, tlv(0xa1, tlv(0x31))))] }), /nameRelativeToCRLIssuer/);
    rejects(crl({ extensions: [CRL_NUMBER, idp(tlv(0x81, [0xff]))] }), /no distributionPoint fullName/);
    rejects(crl({ extensions: [CRL_NUMBER, idp(FULL_NAME_URI, tlv(0x81, [0x01]))] }), /not a DER BOOLEAN/);
    rejects(crl({ extensions: [CRL_NUMBER, idp(FULL_NAME_URI, tlv(0x86, [0xff]))] }), /unexpected tag/);
    rejects(crl({ extensions: [CRL_NUMBER, idp(FULL_NAME_URI, tlv(0x81, [0xff]), tlv(0x82, [0xff]))] }), /both onlyContainsUserCerts and onlyContainsCACerts/);
    rejects(crl({ extensions: [CRL_NUMBER, idp(tlv(0x81, [0xff]), FULL_NAME_URI)] }), /out of order/);
  });

  it('rejects bad revoked entries', () => {
    rejects(crl({ revoked: seq(ENTRY, ENTRY) }), /listed twice/);
    rejects(crl({ revoked: seq(seq(int(1), utc('250101000000Z'), seq(REASON(7)))) }), /reasonCode: 7/);
    rejects(crl({ revoked: seq(seq(int(1), utc('250101000000Z'), seq(REASON(11)))) }), /reasonCode: 11/);
    rejects(crl({ revoked: seq(seq(int(1), utc('250101000000Z'), seq(ext('2.5.29.29', true, seq())))) }), /certificateIssuer/);
    rejects(crl({ revoked: seq(seq(int(1), utc('250101000000Z'), seq(ext('1.2.3.4', true, tlv(0x05))))) }), /unknown critical extension/);
    rejects(crl({ revoked: seq(seq(int(0, 1), utc('250101000000Z'))) }), /malformed/); // non-minimal INTEGER
    rejects(crl({ revoked: seq(seq(int(1), utc('2501010000Z'))) }), /malformed/); // no seconds
  });
});
