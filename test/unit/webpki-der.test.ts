// Strict DER reader and X.509 Time: every malformation is ERR_TLS_CERT_BAD_ENCODING naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DerReader, Tag, oidFromString, oidToString, tlv } from '../../src/webpki/der.ts';
import { decodeTime } from '../../src/webpki/time.ts';
import { fromHex } from '../../src/core/util.ts';

function badDer(fn: () => unknown, field: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    const err = e as { code?: string; message?: string; alert?: number };
    assert.equal(err.code, 'ERR_TLS_CERT_BAD_ENCODING');
    assert.equal(err.alert, 42); // bad_certificate
    assert.match(err.message ?? '', field);
    return true;
  });
}

test('reads nested TLVs and rejects trailing data', () => {
  const r = new DerReader(fromHex('30 06 02 01 05 01 01 ff'));
  const seq = r.nested(Tag.Sequence, 'outer');
  assert.equal(seq.smallNonNegative('n'), 5);
  assert.equal(seq.boolean('flag'), true);
  seq.finish('outer');
  r.finish('outer');
  const t = new DerReader(fromHex('05 00 00'));
  t.null('null');
  badDer(() => t.finish('thing'), /thing: 1 unexpected trailing bytes/);
});

test('length encodings: non-minimal, indefinite, too long, truncated', () => {
  badDer(() => new DerReader(fromHex('04 81 05 0102030405')).read('octets'), /octets: non-minimal length/);
  badDer(() => new DerReader(fromHex('04 82 00 80' + '00'.repeat(128))).read('octets'), /non-minimal length/);
  badDer(() => new DerReader(fromHex('30 80 00 00')).read('seq'), /seq: indefinite length/);
  badDer(() => new DerReader(fromHex('04 85 0000000001 00')).read('big'), /length of 5 octets/);
  badDer(() => new DerReader(fromHex('04 05 0102')).read('short'), /short: length 5 exceeds the 2 bytes left/);
  badDer(() => new DerReader(fromHex('04')).read('one'), /one: 1 bytes left/);
  badDer(() => new DerReader(fromHex('1f 01 00')).read('tag'), /multi-byte tag/);
  const long = new DerReader(tlv(Tag.OctetString, new Uint8Array(300))).read('long');
  assert.equal(long.value.length, 300);
});

test('BOOLEAN only 0x00 / 0xff, one byte', () => {
  badDer(() => new DerReader(fromHex('01 01 01')).boolean('critical'), /critical: BOOLEAN 0x1/);
  badDer(() => new DerReader(fromHex('01 02 ff ff')).boolean('critical'), /BOOLEAN of 2 bytes/);
  assert.equal(new DerReader(fromHex('01 01 00')).boolean('b'), false);
  assert.equal(new DerReader(fromHex('02 01 00')).optionalBoolean('b'), false);
});

test('INTEGER minimal encoding, sign and range', () => {
  badDer(() => new DerReader(fromHex('02 02 00 05')).integer('serial'), /serial: non-minimal INTEGER/);
  badDer(() => new DerReader(fromHex('02 02 ff 80')).integer('serial'), /non-minimal INTEGER/);
  badDer(() => new DerReader(fromHex('02 00')).integer('serial'), /empty INTEGER/);
  badDer(() => new DerReader(fromHex('02 01 ff')).smallNonNegative('pathLen'), /negative/);
  badDer(() => new DerReader(fromHex('02 02 01 00')).smallNonNegative('pathLen', 255), /INTEGER 256, expected <= 255/);
  assert.deepEqual([...new DerReader(fromHex('02 02 00 80')).integer('x')], [0, 0x80]);
});

test('BIT STRING unused bits and OID form', () => {
  badDer(() => new DerReader(fromHex('03 02 08 00')).bitString('key'), /8 unused bits/);
  badDer(() => new DerReader(fromHex('03 02 01 01')).bitString('key'), /unused bits are not zero/);
  badDer(() => new DerReader(fromHex('03 00')).bitString('key'), /empty BIT STRING/);
  badDer(() => new DerReader(fromHex('06 02 80 01')).oid('oid'), /non-minimal OBJECT IDENTIFIER/);
  badDer(() => new DerReader(fromHex('06 01 81')).oid('oid'), /truncated OBJECT IDENTIFIER/);
  for (const s of ['2.5.29.19', '1.2.840.113549.1.1.11', '1.3.6.1.5.5.7.3.1', '2.999.3']) assert.equal(oidToString(oidFromString(s)), s);
});

test('nesting depth is bounded', () => {
  let v: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < 40; i++) v = tlv(Tag.Sequence, v);
  let r = new DerReader(v);
  badDer(() => {
    for (;;) r = r.nested(Tag.Sequence, 'deep');
  }, /deep: nesting deeper than 32/);
});

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

test('UTCTime: YYMMDDHHMMSSZ with the 1950/2050 rule', () => {
  assert.equal(decodeTime(Tag.UtcTime, ascii('491231235959Z'), 't'), Date.UTC(2049, 11, 31, 23, 59, 59));
  assert.equal(decodeTime(Tag.UtcTime, ascii('500101000000Z'), 't'), Date.UTC(1950, 0, 1));
  assert.equal(decodeTime(Tag.UtcTime, ascii('240229120000Z'), 't'), Date.UTC(2024, 1, 29, 12));
  badDer(() => decodeTime(Tag.UtcTime, ascii('2402291200Z'), 'notBefore'), /notBefore: UTCTime of 11 characters/);
  badDer(() => decodeTime(Tag.UtcTime, ascii('240229120000+0100'), 't'), /UTCTime of 17/);
  badDer(() => decodeTime(Tag.UtcTime, ascii('230229120000Z'), 't'), /day 29, expected 1..28/);
  badDer(() => decodeTime(Tag.UtcTime, ascii('241301000000Z'), 't'), /month 13/);
  badDer(() => decodeTime(Tag.UtcTime, ascii('240101240000Z'), 't'), /hour 24/);
  badDer(() => decodeTime(Tag.UtcTime, ascii('240101000060Z'), 't'), /second 60/);
  badDer(() => decodeTime(Tag.UtcTime, ascii('24010100000aZ'), 't'), /non-digit/);
});

test('GeneralizedTime: YYYYMMDDHHMMSSZ, no fractions', () => {
  assert.equal(decodeTime(Tag.GeneralizedTime, ascii('20500101000000Z'), 't'), Date.UTC(2050, 0, 1));
  assert.equal(decodeTime(Tag.GeneralizedTime, ascii('00010101000000Z'), 't'), new Date('0001-01-01T00:00:00Z').getTime());
  assert.equal(decodeTime(Tag.GeneralizedTime, ascii('99991231235959Z'), 't'), Date.UTC(9999, 11, 31, 23, 59, 59));
  badDer(() => decodeTime(Tag.GeneralizedTime, ascii('20500101000000.5Z'), 'notAfter'), /notAfter: GeneralizedTime of 17/);
  badDer(() => decodeTime(Tag.GeneralizedTime, ascii('20500101000000X'), 't'), /does not end in Z/);
  badDer(() => decodeTime(Tag.OctetString, ascii('20500101000000Z'), 't'), /expected UTCTime or GeneralizedTime/);
});
