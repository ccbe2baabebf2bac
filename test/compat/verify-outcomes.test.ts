// Differential: connect/verify outcomes and authorizationError codes for a table of certificate
// situations, node:tls vs typetls/node-compat as the client (node:tls server for both).
import assert from 'node:assert/strict';
import * as nodeTls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { close, impls, listen, makePki, outcome, type Pki } from './harness.ts';

let p: Pki;
const servers: nodeTls.Server[] = [];
const ports = new Map<string, number>();

interface Case {
  readonly name: string;
  /** Server chain (PEM, leaf first) and key. */
  readonly chain: (p: Pki) => { cert: string; key: string };
  readonly client: (p: Pki) => Record<string, unknown>;
  /** Node's authorizationError, or null when authorized. */
  readonly expected: string | null;
}

const cases: readonly Case[] = [
  { name: 'good chain', chain: (p) => ({ cert: p.good.certPem, key: p.good.keyPem }), client: (p) => ({ ca: p.root.certPem, servername: 'localhost' }), expected: null },
  { name: 'good chain with intermediate', chain: (p) => ({ cert: p.underInt.certPem + p.int.certPem, key: p.underInt.keyPem }), client: (p) => ({ ca: p.root.certPem, servername: 'localhost' }), expected: null },
  { name: 'self-signed', chain: (p) => ({ cert: p.selfSigned.certPem, key: p.selfSigned.keyPem }), client: (p) => ({ ca: p.root.certPem, servername: 'localhost' }), expected: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
  { name: 'self-signed, trusted directly', chain: (p) => ({ cert: p.selfSigned.certPem, key: p.selfSigned.keyPem }), client: (p) => ({ ca: p.selfSigned.certPem, servername: 'localhost' }), expected: null },
  { name: 'unknown root, leaf only', chain: (p) => ({ cert: p.underOtherRoot.certPem, key: p.underOtherRoot.keyPem }), client: (p) => ({ ca: p.root.certPem, servername: 'localhost' }), expected: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
  { name: 'unknown root, leaf + intermediate', chain: (p) => ({ cert: p.underOtherInt.certPem + p.otherInt.certPem, key: p.underOtherInt.keyPem }), client: (p) => ({ ca: p.root.certPem, servername: 'localhost' }), expected: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
  { name: 'unknown root sent in chain', chain: (p) => ({ cert: p.underOtherInt.certPem + p.otherInt.certPem + p.otherRoot.certPem, key: p.underOtherInt.keyPem }), client: (p) => ({ ca: p.root.certPem, servername: 'localhost' }), expected: 'SELF_SIGNED_CERT_IN_CHAIN' },
  { name: 'missing intermediate', chain: (p) => ({ cert: p.underInt.certPem, key: p.underInt.keyPem }), client: (p) => ({ ca: p.root.certPem, servername: 'localhost' }), expected: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
  { name: 'expired', chain: (p) => ({ cert: p.expired.certPem, key: p.expired.keyPem }), client: (p) => ({ ca: p.root.certPem, servername: 'localhost' }), expected: 'CERT_HAS_EXPIRED' },
  { name: 'not yet valid', chain: (p) => ({ cert: p.notYetValid.certPem, key: p.notYetValid.keyPem }), client: (p) => ({ ca: p.root.certPem, servername: 'localhost' }), expected: 'CERT_NOT_YET_VALID' },
  { name: 'wrong EKU', chain: (p) => ({ cert: p.clientAuthOnly.certPem, key: p.clientAuthOnly.keyPem }), client: (p) => ({ ca: p.root.certPem, servername: 'localhost' }), expected: 'INVALID_PURPOSE' },
  { name: 'wrong name', chain: (p) => ({ cert: p.good.certPem, key: p.good.keyPem }), client: (p) => ({ ca: p.root.certPem, servername: 'other.test' }), expected: 'ERR_TLS_CERT_ALTNAME_INVALID' },
  { name: 'IP SAN (host 127.0.0.1, no servername)', chain: (p) => ({ cert: p.good.certPem, key: p.good.keyPem }), client: (p) => ({ ca: p.root.certPem }), expected: null },
  { name: 'IP not in SAN', chain: (p) => ({ cert: p.alt.certPem, key: p.alt.keyPem }), client: (p) => ({ ca: p.root.certPem }), expected: 'ERR_TLS_CERT_ALTNAME_INVALID' },
  { name: 'revoked (crl)', chain: (p) => ({ cert: p.revoked.certPem, key: p.revoked.keyPem }), client: (p) => ({ ca: p.root.certPem, crl: p.rootCrl, servername: 'localhost' }), expected: 'CERT_REVOKED' },
  { name: 'not revoked (crl)', chain: (p) => ({ cert: p.good.certPem, key: p.good.keyPem }), client: (p) => ({ ca: p.root.certPem, crl: p.rootCrl, servername: 'localhost' }), expected: null },
];

before(async () => {
  p = makePki();
  for (const c of cases) {
    const server = nodeTls.createServer(c.chain(p), (s) => s.end());
    server.on('tlsClientError', () => {});
    servers.push(server);
    ports.set(c.name, await listen(server));
  }
});

after(async () => {
  await Promise.all(servers.map(close));
  p.pki.cleanup();
});

for (const impl of impls) {
  describe(`verify outcomes: ${impl.name}`, () => {
    for (const c of cases) {
      test(`${c.name}: rejectUnauthorized true -> ${c.expected ?? 'authorized'}`, async () => {
        const o = await outcome(impl.tls, { host: '127.0.0.1', port: ports.get(c.name), ...c.client(p) });
        if (c.expected === null) {
          assert.equal(o.ok, true, `expected a connection, got error ${o.code}`);
          assert.equal(o.authorized, true);
          assert.equal(o.authorizationError, null);
        } else {
          assert.equal(o.ok, false, 'expected the connection to be refused');
          assert.equal(o.code, c.expected);
        }
      });
      test(`${c.name}: rejectUnauthorized false -> authorized ${c.expected === null}`, async () => {
        const o = await outcome(impl.tls, { host: '127.0.0.1', port: ports.get(c.name), rejectUnauthorized: false, ...c.client(p) });
        assert.equal(o.ok, true, `expected a connection, got error ${o.code}`);
        assert.equal(o.authorized, c.expected === null);
        assert.equal(o.authorizationError, c.expected);
      });
    }
  });
}
