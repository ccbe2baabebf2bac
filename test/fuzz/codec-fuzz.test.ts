// Property tests for the handshake codec (fast-check):
//  - random valid messages round-trip (encode -> decode -> equal -> encode -> same bytes), and
//    none of their proper prefixes decodes (except a hello cut before its extensions block);
//  - random bytes and mutations of real messages (bit flips, byte insert/delete, length-field
//    corruption) only ever throw a TlsError, and whatever decodes re-encodes to the same bytes.
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTlsError } from '../../src/core/errors.ts';
import { Writer } from '../../src/core/codec/writer.ts';
import { type ClientHello, decodeClientHello, emptyClientHelloExtensions, encodeClientHello } from '../../src/core/codec/client-hello.ts';
import { type ServerHello, HELLO_RETRY_REQUEST_RANDOM, decodeServerHello, emptyServerHelloExtensions, encodeServerHello } from '../../src/core/codec/server-hello.ts';
import { decodeEncryptedExtensions, emptyEncryptedExtensionsExtensions, encodeEncryptedExtensions } from '../../src/core/codec/encrypted-extensions.ts';
import {
  decodeCertificate, decodeCertificateRequest, emptyCertificateEntryExtensions, emptyCertificateRequestExtensions,
  encodeCertificate, encodeCertificateRequest,
} from '../../src/core/codec/certificate.ts';
import { decodeCertificateVerify, encodeCertificateVerify } from '../../src/core/codec/certificate-verify.ts';
import { decodeFinished, encodeFinished } from '../../src/core/codec/finished.ts';
import { decodeNewSessionTicket, emptyNewSessionTicketExtensions, encodeNewSessionTicket } from '../../src/core/codec/new-session-ticket.ts';
import { decodeKeyUpdate, encodeKeyUpdate } from '../../src/core/codec/key-update.ts';
import { decodeEndOfEarlyData, encodeEndOfEarlyData } from '../../src/core/codec/end-of-early-data.ts';
import { decodeAlert, encodeAlert } from '../../src/core/codec/alert.ts';
import { decodeHandshakeMessage } from '../../src/core/codec/handshake.ts';
import {
  decodeCertificate12, decodeCertificateRequest12, decodeClientKeyExchangeEcdhe, decodeNewSessionTicket12,
  decodeServerHelloDone, decodeServerKeyExchangeEcdhe, encodeCertificate12, encodeCertificateRequest12,
  encodeClientKeyExchangeEcdhe, encodeNewSessionTicket12, encodeServerHelloDone, encodeServerKeyExchangeEcdhe,
} from '../../src/core/codec/tls12.ts';
import { hex, loadFixture, loadRfc8448Messages, toHex } from '../helpers/wire.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
interface Codec { name: string; decode: (b: Uint8Array) => any; encode: (w: Writer, v: any) => void }

const codecs: Codec[] = [
  { name: 'ClientHello', decode: decodeClientHello, encode: encodeClientHello },
  { name: 'ServerHello', decode: decodeServerHello, encode: encodeServerHello },
  { name: 'EncryptedExtensions', decode: decodeEncryptedExtensions, encode: encodeEncryptedExtensions },
  { name: 'Certificate', decode: decodeCertificate, encode: encodeCertificate },
  { name: 'CertificateRequest', decode: decodeCertificateRequest, encode: encodeCertificateRequest },
  { name: 'CertificateVerify', decode: decodeCertificateVerify, encode: encodeCertificateVerify },
  { name: 'Finished', decode: (b) => decodeFinished(b, 32), encode: encodeFinished },
  { name: 'NewSessionTicket', decode: decodeNewSessionTicket, encode: encodeNewSessionTicket },
  { name: 'KeyUpdate', decode: decodeKeyUpdate, encode: encodeKeyUpdate },
  { name: 'EndOfEarlyData', decode: decodeEndOfEarlyData, encode: encodeEndOfEarlyData },
  { name: 'ServerKeyExchange12', decode: decodeServerKeyExchangeEcdhe, encode: encodeServerKeyExchangeEcdhe },
  { name: 'ClientKeyExchange12', decode: decodeClientKeyExchangeEcdhe, encode: encodeClientKeyExchangeEcdhe },
  { name: 'ServerHelloDone', decode: decodeServerHelloDone, encode: encodeServerHelloDone },
  { name: 'CertificateRequest12', decode: decodeCertificateRequest12, encode: encodeCertificateRequest12 },
  { name: 'Certificate12', decode: decodeCertificate12, encode: encodeCertificate12 },
  { name: 'NewSessionTicket12', decode: decodeNewSessionTicket12, encode: encodeNewSessionTicket12 },
];
const byName = new Map(codecs.map((c) => [c.name, c]));

function encodeBytes(c: Codec, v: unknown): Uint8Array {
  const w = new Writer(8);
  c.encode(w, v);
  return w.toBytes();
}

/** Drops the fields only decoding fills in, so a built value compares with its decoding. */
function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'order' && k !== 'unknown' && k !== 'bindersLength') out[k] = normalize(x);
    return out;
  }
  return v;
}

/** Decoding may only fail with a TlsError; success must re-encode to the same bytes. */
function decodeOnlyTlsError(c: Codec, body: Uint8Array): void {
  let v: unknown;
  try {
    v = c.decode(body);
  } catch (e) {
    if (!isTlsError(e)) throw new Error(`${c.name} threw a non-TlsError on ${toHex(body)}: ${String(e)}`);
    assert.ok(e.alert !== null, `${c.name}: ${e.code} without alert`);
    return;
  }
  const again = encodeBytes(c, v);
  assert.equal(toHex(again.subarray(4)), toHex(body), `${c.name} decoded but re-encoded differently`);
}

// ---------- arbitraries for valid messages ----------
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u16s = (min: number, max: number) => fc.array(u16, { minLength: min, maxLength: max });
const u8s = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: min, maxLength: max });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const hostName = fc.array(fc.constantFrom(...'abcxyz019-.'), { minLength: 1, maxLength: 30 }).map((a) => a.join(''));
const unknownTypes = [0x0a0a, 0x1a1a, 0x7777, 0xabcd, 22, 1, 14];
const others = fc.uniqueArray(fc.record({ type: fc.constantFrom(...unknownTypes), body: bytes(0, 6) }), { selector: (o) => o.type, maxLength: 3 });
const serverUnknown = fc.uniqueArray(fc.record({ type: fc.constantFrom(0x0a0a, 0x7777, 0xabcd), body: bytes(0, 6) }), { selector: (o) => o.type, maxLength: 2 });

const psks = fc.integer({ min: 1, max: 3 }).chain((n) => fc.record({
  identities: fc.array(fc.record({ identity: bytes(1, 40), obfuscatedTicketAge: fc.integer({ min: 0, max: 0xffffffff }) }), { minLength: n, maxLength: n }),
  binders: fc.array(bytes(32, 48), { minLength: n, maxLength: n }),
}));

const clientHello: fc.Arbitrary<ClientHello> = fc.record({
  legacyVersion: fc.constantFrom(0x0303, 0x0301),
  random: bytes(32, 32),
  legacySessionId: bytes(0, 32),
  cipherSuites: u16s(1, 10),
  legacyCompressionMethods: bytes(1, 3),
  extensionsAbsent: fc.boolean(),
  bindersLength: fc.constant(0),
  extensions: fc.record({
    serverName: opt(hostName),
    statusRequest: opt(fc.constantFrom(Uint8Array.of(1, 0, 0, 0, 0), Uint8Array.of(2, 9, 9))),
    supportedGroups: opt(u16s(1, 8)),
    ecPointFormats: opt(u8s(1, 3)),
    signatureAlgorithms: opt(u16s(1, 8)),
    signatureAlgorithmsCert: opt(u16s(1, 4)),
    alpn: opt(fc.array(bytes(1, 10), { minLength: 1, maxLength: 3 })),
    signedCertificateTimestamp: fc.boolean(),
    padding: opt(fc.integer({ min: 0, max: 40 })),
    extendedMasterSecret: fc.boolean(),
    compressCertificate: opt(u16s(1, 3)),
    recordSizeLimit: opt(fc.integer({ min: 64, max: 0xffff })),
    sessionTicket: opt(bytes(0, 40)),
    renegotiationInfo: opt(bytes(0, 32)),
    keyShare: opt(fc.array(fc.record({ group: u16, keyExchange: bytes(1, 70) }), { maxLength: 3 })),
    supportedVersions: opt(u16s(1, 5)),
    cookie: opt(bytes(1, 40)),
    pskKeyExchangeModes: opt(u8s(1, 2)),
    preSharedKey: opt(psks),
    earlyData: fc.boolean(),
    postHandshakeAuth: fc.boolean(),
    certificateAuthorities: opt(fc.array(bytes(1, 12), { minLength: 1, maxLength: 3 })),
    encryptedClientHello: opt(bytes(0, 30)),
    others,
    order: fc.constant([] as number[]),
  }),
}).map((ch) => (ch.extensionsAbsent ? { ...ch, extensions: emptyClientHelloExtensions() } : ch));

const serverHello: fc.Arbitrary<ServerHello> = fc.oneof(
  // TLS 1.3 ServerHello
  fc.record({
    keyShare: opt(fc.record({ group: u16, keyExchange: bytes(1, 70) })),
    preSharedKey: opt(u16),
    supportedVersions: u16,
    others: serverUnknown,
  }).map((e) => ({ ...emptyServerHelloExtensions(), ...e, random: null as Uint8Array | null })),
  // HelloRetryRequest
  fc.record({
    selectedGroup: opt(u16),
    supportedVersions: u16,
    cookie: opt(bytes(1, 40)),
    encryptedClientHello: opt(bytes(8, 8)),
  }).map((e) => ({ ...emptyServerHelloExtensions(), ...e, random: HELLO_RETRY_REQUEST_RANDOM as Uint8Array | null })),
  // TLS 1.2 ServerHello
  fc.record({
    serverName: fc.boolean(),
    statusRequest: fc.boolean(),
    ecPointFormats: opt(u8s(1, 3)),
    alpn: opt(bytes(1, 10)),
    extendedMasterSecret: fc.boolean(),
    recordSizeLimit: opt(fc.integer({ min: 64, max: 0xffff })),
    sessionTicket: fc.boolean(),
    renegotiationInfo: opt(bytes(0, 32)),
    others: serverUnknown,
  }).map((e) => ({ ...emptyServerHelloExtensions(), ...e, random: null as Uint8Array | null })),
).chain(({ random, ...extensions }) => fc.record({
  legacyVersion: fc.constant(0x0303),
  random: random === null ? bytes(32, 32).filter((r) => toHex(r) !== toHex(HELLO_RETRY_REQUEST_RANDOM)) : fc.constant(random),
  legacySessionIdEcho: bytes(0, 32),
  cipherSuite: u16,
  legacyCompressionMethod: fc.integer({ min: 0, max: 255 }),
  extensionsAbsent: fc.constant(false),
  extensions: fc.constant(extensions),
}));

const valid: { codec: string; arb: fc.Arbitrary<unknown> }[] = [
  { codec: 'ClientHello', arb: clientHello },
  { codec: 'ServerHello', arb: serverHello },
  {
    codec: 'EncryptedExtensions',
    arb: fc.record({
      serverName: fc.boolean(), supportedGroups: opt(u16s(1, 5)), alpn: opt(bytes(1, 10)), earlyData: fc.boolean(),
      recordSizeLimit: opt(fc.integer({ min: 64, max: 0xffff })), encryptedClientHello: opt(bytes(0, 20)), others: serverUnknown,
    }).map((e) => ({ extensions: { ...emptyEncryptedExtensionsExtensions(), ...e } })),
  },
  {
    codec: 'Certificate',
    arb: fc.record({
      certificateRequestContext: bytes(0, 10),
      certificateList: fc.array(fc.record({
        certData: bytes(1, 60),
        extensions: fc.record({ statusRequest: opt(bytes(1, 20)), signedCertificateTimestamp: opt(bytes(0, 20)), others: serverUnknown })
          .map((e) => ({ ...emptyCertificateEntryExtensions(), ...e })),
      }), { maxLength: 3 }),
    }),
  },
  {
    codec: 'CertificateRequest',
    arb: fc.record({
      certificateRequestContext: bytes(0, 10),
      extensions: fc.record({
        signatureAlgorithms: u16s(1, 6), signatureAlgorithmsCert: opt(u16s(1, 3)),
        certificateAuthorities: opt(fc.array(bytes(1, 10), { minLength: 1, maxLength: 2 })),
        oidFilters: opt(fc.array(fc.record({ oid: bytes(1, 8), values: bytes(0, 8) }), { maxLength: 2 })),
        statusRequest: fc.boolean(), signedCertificateTimestamp: fc.boolean(), compressCertificate: opt(u16s(1, 3)), others: serverUnknown,
      }).map((e) => ({ ...emptyCertificateRequestExtensions(), ...e })),
    }),
  },
  { codec: 'CertificateVerify', arb: fc.record({ algorithm: u16, signature: bytes(0, 100) }) },
  { codec: 'Finished', arb: fc.record({ verifyData: bytes(32, 32) }) },
  {
    codec: 'NewSessionTicket',
    arb: fc.record({
      ticketLifetime: fc.integer({ min: 0, max: 0xffffffff }), ticketAgeAdd: fc.integer({ min: 0, max: 0xffffffff }),
      ticketNonce: bytes(0, 8), ticket: bytes(1, 80),
      extensions: fc.record({ earlyData: opt(fc.integer({ min: 0, max: 0xffffffff })), others: serverUnknown })
        .map((e) => ({ ...emptyNewSessionTicketExtensions(), ...e })),
    }),
  },
  { codec: 'KeyUpdate', arb: fc.record({ requestUpdate: fc.constantFrom(0, 1) }) },
  { codec: 'ServerKeyExchange12', arb: fc.record({ namedGroup: u16, publicKey: bytes(1, 97), signatureScheme: u16, signature: bytes(0, 100) }) },
  { codec: 'ClientKeyExchange12', arb: fc.record({ publicKey: bytes(1, 97) }) },
  { codec: 'CertificateRequest12', arb: fc.record({ certificateTypes: u8s(1, 3), signatureAlgorithms: u16s(1, 5), certificateAuthorities: fc.array(bytes(1, 10), { maxLength: 2 }) }) },
  { codec: 'Certificate12', arb: fc.record({ certificateList: fc.array(bytes(1, 60), { maxLength: 3 }) }) },
  { codec: 'NewSessionTicket12', arb: fc.record({ ticketLifetimeHint: fc.integer({ min: 0, max: 0xffffffff }), ticket: bytes(0, 80) }) },
];

/** Offset where a hello's extensions block starts (a legal end for TLS 1.2), else -1. */
function helloExtensionsStart(codec: string, body: Uint8Array): number {
  if (codec === 'ClientHello') {
    let p = 34;
    p += 1 + body[p]!;
    p += 2 + ((body[p]! << 8) | body[p + 1]!);
    return p + 1 + body[p]!;
  }
  if (codec === 'ServerHello') return 35 + body[34]! + 3;
  return -1;
}

describe('codec fuzz: random valid messages', () => {
  for (const { codec, arb } of valid) {
    it(`${codec} round-trips and no proper prefix decodes`, () => {
      const c = byName.get(codec)!;
      fc.assert(fc.property(arb, (msg) => {
        const enc = encodeBytes(c, msg);
        const m = decodeHandshakeMessage(enc);
        const d = c.decode(m.body);
        assert.deepEqual(normalize(d), normalize(msg));
        assert.equal(toHex(encodeBytes(c, d)), toHex(enc));
        const legalEnd = helloExtensionsStart(codec, m.body);
        for (let n = 0; n < m.body.length; n++) {
          if (n === legalEnd) continue;
          assert.throws(() => c.decode(m.body.subarray(0, n)), (e: unknown) => isTlsError(e), `${codec} prefix ${n}/${m.body.length} decoded`);
        }
      }), { numRuns: codec === 'ClientHello' || codec === 'ServerHello' ? 300 : 120 });
    });
  }
});

describe('codec fuzz: hostile bytes', () => {
  it('random bytes give only TlsError, for every decoder and the alert/frame decoders', () => {
    fc.assert(fc.property(fc.constantFrom(...codecs), bytes(0, 80), (c, body) => decodeOnlyTlsError(c, body)), { numRuns: 4000 });
    fc.assert(fc.property(bytes(0, 4), (b) => {
      try { decodeAlert(b); } catch (e) { assert.ok(isTlsError(e)); }
      try { decodeHandshakeMessage(b); } catch (e) { assert.ok(isTlsError(e)); }
    }), { numRuns: 500 });
    // The decoded alert re-encodes to the same two bytes.
    const w = new Writer();
    encodeAlert(w, decodeAlert(Uint8Array.of(1, 0)));
    assert.deepEqual(w.view(), Uint8Array.of(1, 0));
  });

  const real: { codec: Codec; body: Uint8Array }[] = [];
  for (const m of loadRfc8448Messages()) {
    if (m.name.endsWith('Prefix')) continue;
    real.push({ codec: codecFor(m.bytes[0]!), body: m.bytes.subarray(4) });
  }
  for (const fx of ['openssl-client-hello.hex', 'node-client-hello.hex']) real.push({ codec: byName.get('ClientHello')!, body: loadFixture(fx).subarray(9) });
  const tls12Codecs: Record<number, string> = { 2: 'ServerHello', 11: 'Certificate12', 12: 'ServerKeyExchange12', 13: 'CertificateRequest12', 14: 'ServerHelloDone' };
  for (const line of readFileSync(new URL('../fixtures/codec/openssl-tls12-server-flight.hex', import.meta.url), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const m = hex(line);
    real.push({ codec: byName.get(tls12Codecs[m[0]!]!)!, body: m.subarray(4) });
  }

  it('every single-bit flip of every real message gives a TlsError or an exact re-encoding', () => {
    let decoded = 0;
    for (const { codec, body } of real) {
      const b = Uint8Array.from(body);
      for (let i = 0; i < b.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          b[i]! ^= 1 << bit;
          try {
            decodeOnlyTlsError(codec, b);
          } finally {
            b[i]! ^= 1 << bit;
          }
        }
      }
      decoded++;
    }
    assert.equal(decoded, real.length);
  });

  it('mutations of real messages give only TlsError, and what decodes re-encodes exactly', () => {
    assert.ok(real.length >= 80, `${real.length} real messages`);
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
      // Length-field corruption: add a small delta to a 1- or 2-byte big-endian field anywhere.
      fc.record({ kind: fc.constant('length' as const), at: fc.nat(), delta: fc.integer({ min: -3, max: 3 }), wide: fc.boolean() }),
    );
    fc.assert(fc.property(fc.constantFrom(...real), fc.array(mutation, { minLength: 1, maxLength: 3 }), ({ codec, body }, muts) => {
      let b = Uint8Array.from(body);
      for (const mu of muts) {
        if (b.length === 0) break;
        const at = mu.at % b.length;
        if (mu.kind === 'flip') b[at]! ^= 1 << mu.bit;
        else if (mu.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), mu.value, ...b.subarray(at)]);
        else if (mu.kind === 'delete') b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + mu.count)]);
        else if (mu.wide && at + 1 < b.length) {
          const v = (((b[at]! << 8) | b[at + 1]!) + mu.delta) & 0xffff;
          b[at] = v >> 8;
          b[at + 1] = v & 0xff;
        } else b[at] = (b[at]! + mu.delta) & 0xff;
      }
      decodeOnlyTlsError(codec, b);
    }), { numRuns: 4000 });
  });
});

function codecFor(type: number): Codec {
  const names: Record<number, string> = { 1: 'ClientHello', 2: 'ServerHello', 4: 'NewSessionTicket', 5: 'EndOfEarlyData', 8: 'EncryptedExtensions', 11: 'Certificate', 13: 'CertificateRequest', 15: 'CertificateVerify', 20: 'Finished' };
  return byName.get(names[type]!)!;
}
