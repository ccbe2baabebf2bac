/**
 * A small, independent encoder for TLS wire bytes, for negative tests: it shares no code with
 * src/core/codec, so a bug there cannot hide in both the input and the decoder. Also loads
 * the RFC 8448 messages and the captured ClientHello fixtures.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Anything that becomes bytes: a Uint8Array, a list of byte values, or a hex string. */
export type Part = Uint8Array | readonly number[] | string;

export function hex(s: string): Uint8Array {
  const clean = s.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`bad hex: ${s.slice(0, 40)}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function bytesOf(p: Part): Uint8Array {
  if (typeof p === 'string') return hex(p);
  return p instanceof Uint8Array ? p : Uint8Array.from(p);
}

export function cat(...parts: Part[]): Uint8Array {
  const bs = parts.map(bytesOf);
  const out = new Uint8Array(bs.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of bs) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

export const u8 = (v: number): Uint8Array => Uint8Array.of(v & 0xff);
export const u16 = (v: number): Uint8Array => Uint8Array.of((v >> 8) & 0xff, v & 0xff);
export const u24 = (v: number): Uint8Array => Uint8Array.of((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
export const u32 = (v: number): Uint8Array => Uint8Array.of((v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);

/** Length-prefixed vectors (the prefix is the real length of the parts). */
export const vec8 = (...parts: Part[]): Uint8Array => { const b = cat(...parts); return cat(u8(b.length), b); };
export const vec16 = (...parts: Part[]): Uint8Array => { const b = cat(...parts); return cat(u16(b.length), b); };
export const vec24 = (...parts: Part[]): Uint8Array => { const b = cat(...parts); return cat(u24(b.length), b); };

/** A list of uint16 values, without length. */
export const u16s = (...vs: number[]): Uint8Array => cat(...vs.map(u16));

/** One extension: type, 2-byte length, body. */
export const ext = (type: number, ...body: Part[]): Uint8Array => cat(u16(type), vec16(...body));

/** A complete handshake message: type, 3-byte length, body. */
export const hs = (type: number, ...body: Part[]): Uint8Array => cat(u8(type), vec24(...body));

export const zeros = (n: number): Uint8Array => new Uint8Array(n);

/** Extension type numbers, written out independently of codepoints.ts. */
export const X = {
  serverName: 0, statusRequest: 5, supportedGroups: 10, ecPointFormats: 11, signatureAlgorithms: 13,
  alpn: 16, sct: 18, padding: 21, encryptThenMac: 22, extendedMasterSecret: 23, compressCertificate: 27,
  recordSizeLimit: 28, sessionTicket: 35, preSharedKey: 41, earlyData: 42, supportedVersions: 43,
  cookie: 44, pskKeyExchangeModes: 45, certificateAuthorities: 47, oidFilters: 48, postHandshakeAuth: 49,
  signatureAlgorithmsCert: 50, keyShare: 51, renegotiationInfo: 0xff01,
} as const;

/** Typical TLS 1.3 ClientHello extensions, each built by hand. */
export const chExt = {
  sni: (name = 'example.com') => ext(X.serverName, vec16(u8(0), vec16(Array.from(name, (c) => c.charCodeAt(0))))),
  groups: (...g: number[]) => ext(X.supportedGroups, vec16(u16s(...(g.length ? g : [0x1d, 0x17])))),
  sigalgs: (...s: number[]) => ext(X.signatureAlgorithms, vec16(u16s(...(s.length ? s : [0x0403, 0x0804])))),
  keyShare: () => ext(X.keyShare, vec16(u16(0x1d), vec16(zeros(32)))),
  versions: () => ext(X.supportedVersions, vec8(u16s(0x0304, 0x0303))),
  pskModes: () => ext(X.pskKeyExchangeModes, vec8([1])),
  psk: (binders = 1) =>
    ext(X.preSharedKey, vec16(vec16('aabbcc'), u32(7)), vec16(...Array.from({ length: binders }, () => vec8(zeros(32))))),
  earlyData: () => ext(X.earlyData),
};

/** A ClientHello body from parts; `extensions: null` leaves the block out (TLS 1.2 style). */
export function clientHelloBody(o: {
  version?: number; random?: Part; sessionId?: Part; suites?: number[]; compression?: Part;
  extensions?: Uint8Array[] | null;
} = {}): Uint8Array {
  const extensions = o.extensions === undefined ? [chExt.sni(), chExt.groups(), chExt.keyShare(), chExt.versions(), chExt.sigalgs()] : o.extensions;
  return cat(
    u16(o.version ?? 0x0303),
    o.random ?? zeros(32).fill(0x11),
    vec8(o.sessionId ?? zeros(32).fill(0x22)),
    vec16(u16s(...(o.suites ?? [0x1301, 0x1302]))),
    vec8(o.compression ?? [0]),
    extensions === null ? [] : vec16(...extensions),
  );
}

/** A ServerHello body from parts. */
export function serverHelloBody(o: { random?: Part; sessionId?: Part; suite?: number; extensions?: Uint8Array[] | null } = {}): Uint8Array {
  const extensions = o.extensions === undefined
    ? [ext(X.supportedVersions, u16(0x0304)), ext(X.keyShare, u16(0x1d), vec16(zeros(32)))]
    : o.extensions;
  return cat(u16(0x0303), o.random ?? zeros(32).fill(0x33), vec8(o.sessionId ?? []), u16(o.suite ?? 0x1301), u8(0),
    extensions === null ? [] : vec16(...extensions));
}

/** The HelloRetryRequest random (RFC 8446 §4.1.3), written out independently. */
export const HRR_RANDOM = hex('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c');

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One RFC 8448 handshake message (header included) from test/fixtures/codec/rfc8448-messages.txt. */
export interface Rfc8448Message {
  /** `botan` (the published RFC 8448 values) or `draft` (the editors' copy, another run). */
  source: string;
  section: string;
  name: string;
  bytes: Uint8Array;
}

/** Every RFC 8448 handshake message extracted by test/fixtures/codec/extract-rfc8448.mjs. */
export function loadRfc8448Messages(): Rfc8448Message[] {
  const text = readFileSync(join(root, 'test', 'fixtures', 'codec', 'rfc8448-messages.txt'), 'utf8');
  const out: Rfc8448Message[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [source, section, name, h] = line.split(' ');
    out.push({ source: source!, section: section!, name: name!, bytes: hex(h!) });
  }
  return out;
}

/** A hex fixture from test/fixtures/codec (e.g. the captured ClientHello records). */
export function loadFixture(name: string): Uint8Array {
  return hex(readFileSync(join(root, 'test', 'fixtures', 'codec', name), 'utf8'));
}
