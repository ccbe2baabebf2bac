// DNS name syntax, RFC 6125 wildcard matching, dNSName constraints, IP literals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsNameMatches, ipAddressToString, isValidDnsId, parseIpAddress, verifyCertificateName } from '../../src/webpki/names.ts';
import type { Certificate, GeneralName } from '../../src/webpki/certificate.ts';

// [presented, reference, expected] — after rustls-webpki's table (null: malformed).
const REFERENCE: readonly [string, string, boolean | null][] = [
  ['a', 'a', true], ['b', 'a', false], ['', 'a', null],
  ['*.b.a', 'c.b.a', true], ['*.b.a', 'b.a', false], ['*.b.a', 'b.a.', false],
  ['d.*.b.a', 'd.c.b.a', null], ['d.c*.b.a', 'd.c.b.a', null], ['c*.b.a', 'c.b.a', null],
  ['aBc', 'Abc', true], ['example.com', 'example.com.', true], ['example.com.', 'example.com', null],
  ['*.foo.com', 'bar.foo.com', true], ['*.test.FR', 'wwW.tESt.fr', true], ['*.foo.com', 'www.bar.foo.com', false],
  ['*.org', 'test.org', null], ['*.jp', 'www.test.co.jp', null], ['*.*.foo.com', 'www.bar.foo.com', null],
  ['w*.bar.foo.com', 'w.bar.foo.com', null], ['xn--poema-*.com.br', 'xn--poema-9qae5a.com.br', null],
  ['*.example.com', 'example.com', false], ['www.foo.com\0', 'www.foo.com', null], ['ww.house.example', 'www.house.example', false],
  ['under_score.example', 'under_score.example', true], ['-a.example', '-a.example', null], ['a-.example', 'a-.example', null],
  ['example.123', 'example.123', null],
];

test('DNS names match RFC 6125 with NSS/rustls-webpki wildcard rules', () => {
  for (const [p, r, want] of REFERENCE) assert.equal(dnsNameMatches(p, r, 'reference'), want, `${JSON.stringify(p)} vs ${JSON.stringify(r)}`);
});

const CONSTRAINT: readonly [string, string, boolean | null][] = [
  ['example.com', 'example.com', true], ['www.example.com', 'example.com', true], ['bigexample.com', 'example.com', false],
  ['www.example.com', '.example.com', true], ['example.com', '.example.com', false], ['anything.test', '', true],
  ['*.example.com', 'example.com', true], ['*.example.com', 'foo.example.com', true], ['example.com', 'example.com.', null],
];

test('dNSName constraints: zero or more labels on the left, leading dot = subdomains', () => {
  for (const [p, c, want] of CONSTRAINT) assert.equal(dnsNameMatches(p, c, 'constraint'), want, `${p} vs ${c}`);
});

test('reference name syntax', () => {
  assert.equal(isValidDnsId('example.com.', 'reference', false), true);
  assert.equal(isValidDnsId('example..com', 'reference', false), false);
  assert.equal(isValidDnsId('a'.repeat(64) + '.com', 'reference', false), false);
  assert.equal(isValidDnsId('x'.repeat(250) + '.com', 'reference', false), false);
  assert.equal(isValidDnsId('*.example.com', 'reference', false), false);
});

test('IP literals: strict IPv4, IPv6 with :: and an IPv4 tail', () => {
  assert.deepEqual([...parseIpAddress('192.0.2.1')!], [192, 0, 2, 1]);
  for (const bad of ['192.0.2', '192.0.2.256', '192.0.2.01', '0x7f.0.0.1', '1.2.3.4.5', '', '::1::', '1:2:3:4:5:6:7:8:9', 'g::1', '12345::']) {
    assert.equal(parseIpAddress(bad), null, bad);
  }
  assert.deepEqual([...parseIpAddress('::1')!], [...new Array(15).fill(0), 1]);
  assert.deepEqual([...parseIpAddress('2001:DB8::ffff:192.0.2.1')!], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]);
  assert.equal(parseIpAddress('1:2:3:4:5:6:7:8')!.length, 16);
  assert.equal(ipAddressToString(parseIpAddress('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
  assert.equal(ipAddressToString(parseIpAddress('::')!), '::');
  assert.equal(ipAddressToString(new Uint8Array([10, 0, 0, 1])), '10.0.0.1');
});

function certWith(sans: GeneralName[]): Certificate {
  return { subjectAltName: sans } as unknown as Certificate;
}
const dns = (value: string): GeneralName => ({ kind: 'dns', value, bytes: new TextEncoder().encode(value) });

test('name verification uses SANs only and lists the valid names on failure', () => {
  const cert = certWith([dns('www.test'), dns('test'), { kind: 'ip', bytes: new Uint8Array([127, 0, 0, 1]) }]);
  verifyCertificateName(cert, { kind: 'dns', name: 'WWW.test' });
  verifyCertificateName(cert, { kind: 'ip', address: parseIpAddress('127.0.0.1')!, text: '127.0.0.1' });
  assert.throws(() => verifyCertificateName(cert, { kind: 'dns', name: 'api.test' }), {
    code: 'ERR_TLS_CERT_NOT_VALID_FOR_NAME',
    message: 'certificate not valid for name "api.test"; it is valid for "www.test", "test", "127.0.0.1"',
  });
  // An IP reference never matches a dNSName spelling it.
  assert.throws(() => verifyCertificateName(certWith([dns('127.0.0.2')]), { kind: 'ip', address: parseIpAddress('127.0.0.2')!, text: '127.0.0.2' }), { code: 'ERR_TLS_CERT_NOT_VALID_FOR_NAME' });
  const v6 = parseIpAddress('::1')!;
  verifyCertificateName(certWith([{ kind: 'ip', bytes: v6 }]), { kind: 'ip', address: v6, text: '::1' });
  assert.throws(() => verifyCertificateName(certWith([]), { kind: 'dns', name: 'a.test' }), /it has no DNS or IP subject alternative names/);
});
