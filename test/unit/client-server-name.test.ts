// The name a client connects to: IP literal or DNS name (src/core/client/server-name.ts), and
// its per-name cache (issue 5): repeated names give the same answer, failures are never kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toServerName } from '../../src/core/client/server-name.ts';

test('toServerName classifies IPv4, IPv6 and DNS names, and trims a trailing dot', () => {
  assert.deepEqual(toServerName('192.0.2.7'), { kind: 'ip', address: Uint8Array.of(192, 0, 2, 7), text: '192.0.2.7' });
  const v6 = toServerName('[2001:db8::1]');
  assert.equal(v6.kind, 'ip', 'bracketed IPv6 is an IP name');
  assert.deepEqual(v6.kind === 'ip' ? [...v6.address] : [], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(toServerName('Example.COM.'), { kind: 'dns', name: 'example.com' });
  // Not IPv4 (leading zero, out of range): DNS-shaped, so a DNS name.
  assert.equal(toServerName('01.2.3.4').kind, 'dns', 'a leading zero is not an IPv4 literal');
});

test('toServerName answers a repeated name the same way, also after many other names', () => {
  const first = toServerName('api.test');
  for (let i = 0; i < 200; i++) toServerName(`h${i}.test`);
  assert.deepEqual(toServerName('api.test'), first, 'same classification after the cache was emptied');
  assert.deepEqual(toServerName('api.test'), { kind: 'dns', name: 'api.test' });
});

test('toServerName rejects malformed names every time (a failure is not cached)', () => {
  for (let i = 0; i < 3; i++) {
    assert.throws(() => toServerName('bad name!'), /neither a DNS name nor an IP address/);
    assert.throws(() => toServerName(''), /non-empty string/);
  }
});
