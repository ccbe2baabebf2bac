/**
 * X.509 `Time` (RFC 5280 §4.1.2.5): UTCTime `YYMMDDHHMMSSZ` and GeneralizedTime
 * `YYYYMMDDHHMMSSZ`, both in UTC with seconds and without fractions. Used by certificates
 * and CRLs (`crl.ts` uses `readTime`).
 */
import { DerReader, Tag, derError } from './der.ts';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function digits(v: Uint8Array, at: number, n: number, field: string): number {
  let x = 0;
  for (let i = at; i < at + n; i++) {
    const c = v[i]!;
    if (c < 0x30 || c > 0x39) throw derError(field, `time has a non-digit where a digit was expected`);
    x = x * 10 + (c - 0x30);
  }
  return x;
}

/**
 * Decodes the content octets of a UTCTime (`tag` 0x17) or GeneralizedTime (0x18) to
 * milliseconds since the Unix epoch.
 * @throws ERR_TLS_CERT_BAD_ENCODING for any other form (offsets, fractions, missing seconds).
 */
export function decodeTime(tag: number, v: Uint8Array, field: string): number {
  let year: number;
  let p: number;
  if (tag === Tag.UtcTime) {
    // RFC 5280 §4.1.2.5.1: YYMMDDHHMMSSZ; YY >= 50 is 19YY, YY < 50 is 20YY.
    if (v.length !== 13) throw derError(field, `UTCTime of ${v.length} characters, expected YYMMDDHHMMSSZ`);
    const yy = digits(v, 0, 2, field);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    p = 2;
  } else if (tag === Tag.GeneralizedTime) {
    // RFC 5280 §4.1.2.5.2: YYYYMMDDHHMMSSZ, no fractional seconds.
    if (v.length !== 15) throw derError(field, `GeneralizedTime of ${v.length} characters, expected YYYYMMDDHHMMSSZ`);
    year = digits(v, 0, 4, field);
    p = 4;
  } else {
    throw derError(field, `tag 0x${tag.toString(16)}, expected UTCTime or GeneralizedTime`);
  }
  if (v[v.length - 1] !== 0x5a) throw derError(field, 'time does not end in Z');
  const month = digits(v, p, 2, field);
  const day = digits(v, p + 2, 2, field);
  const hour = digits(v, p + 4, 2, field);
  const minute = digits(v, p + 6, 2, field);
  const second = digits(v, p + 8, 2, field);
  if (month < 1 || month > 12) throw derError(field, `month ${month}, expected 1..12`);
  const dim = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > dim) throw derError(field, `day ${day}, expected 1..${dim}`);
  if (hour > 23) throw derError(field, `hour ${hour}, expected 0..23`);
  if (minute > 59) throw derError(field, `minute ${minute}, expected 0..59`);
  // Like rustls-webpki, no leap seconds.
  if (second > 59) throw derError(field, `second ${second}, expected 0..59`);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // Date.UTC would map years 0..99 to 1900..1999
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** Reads one `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }`. */
export function readTime(r: DerReader, field: string): number {
  const e = r.read(field);
  return decodeTime(e.tag, e.value, field);
}

/** Reads an optional `Time` (CRL nextUpdate): null when the next element is not a time. */
export function readOptionalTime(r: DerReader, field: string): number | null {
  const t = r.peekTag();
  if (t !== Tag.UtcTime && t !== Tag.GeneralizedTime) return null;
  return readTime(r, field);
}
