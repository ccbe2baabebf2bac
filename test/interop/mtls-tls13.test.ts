// TLS 1.3 client certificates (mTLS) against real peers, both directions (mtls-tls12.test.ts is
// the TLS 1.2 twin; the PKI and servers are in helpers/mtls-fixture.ts). typetls server (the `typetls server` CLI code and the node adapter's
// clientCa / rejectUnauthorized / crl options) vs `openssl s_client -cert -key` (ECDSA, Ed25519,
// RSA) and node:tls clients; typetls client (`connect()` with cert/key) vs `openssl s_server
// -Verify 1` / `-verify 1` and a node:tls server with `requestCert`. Revocation with CRLs made by
// `openssl ca -revoke` / `-gencrl`: a revoked leaf, an expired CRL (per expiration option), an
// unknown status (per option), a revoked intermediate (depth 'chain' vs 'end-entity').
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { before, describe, test } from 'node:test';
import { AlertDescription } from '../../src/core/codec/codepoints.ts';
import { isTlsError, type TlsError } from '../../src/core/errors.ts';
import { type RunningServer } from '../../src/cli/server-command.ts';
import { parseClientArgs } from '../../src/cli/args.ts';
import { runClient } from '../../src/cli/client-command.ts';
import { connect, type ConnectOptions } from '../../src/node/connect.ts';
import { createServer, type ServerOptions } from '../../src/node/server.ts';
import type { TlsSocket } from '../../src/node/socket.ts';
import { nodeTlsConnect, readAll, runOpensslClient, startNodeTlsServer, startOpensslServer, type OpensslServer } from '../helpers/peers.ts';
import { type IssuedCertificate } from '../helpers/pki-openssl.ts';
import { collect, failed, secured } from './typetls-endpoints.ts';
import { mtlsFixture, type Pki } from '../helpers/mtls-fixture.ts';

const GET = 'GET / HTTP/1.0\r\n\r\n';

const fx = mtlsFixture('TLSv1.3');
const { chainPem, chainFile, nextTlsClientError, adapterServer, cliServer, track } = fx;
let p: Pki;
before(() => {
  p = fx.p;
});

/** s_client with an optional client certificate (leaf + intermediate); sends GET / and reads to the end. */
async function sClient(port: number, client: IssuedCertificate | null) {
  return runOpensslClient({
    port, caFile: p.root.certPath, verifyHostname: 'localhost', input: GET, ignoreEof: true,
    ...(client !== null ? { certFile: client.certPath, keyFile: client.keyPath, extraArgs: ['-cert_chain', chainFile(client)] } : {}),
  });
}

describe('openssl s_client -> typetls server (CLI http mode, --client-ca)', () => {
  let optional: RunningServer & { stderr: () => string };
  let required: RunningServer & { stderr: () => string };
  before(async () => {
    optional = await cliServer(['--client-ca', p.root.certPath]);
    required = await cliServer(['--client-ca', p.root.certPath, '--require-client-cert']);
  });

  for (const kind of ['ecdsa-p256', 'ed25519', 'rsa2048'] as const) {
    test(`${kind} client certificate: the response names its subject`, async () => {
      const c = p.clients[kind];
      const r = await sClient(required.port, c);
      assert.equal(r.timedOut, false, `s_client timed out\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^typetls server$/m, `no response\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^client certificate: CN=${c.subject.replace(/^\/CN=/, '')}$`, 'm'));
      assert.match(r.stdout, /^protocol: TLSv1\.3$/m);
    });
  }

  test('typetls client --cert/--key --http against typetls server --require-client-cert', async () => {
    const { readFileSync } = await import('node:fs');
    const c = p.clients['ed25519'];
    const certFile = p.pki.bundle('cli-client-chain.pem', [chainPem(c)]);
    let out = '';
    let err = '';
    const stdout = new PassThrough();
    stdout.on('data', (b: Buffer) => { out += b.toString('utf8'); });
    const stderr = new PassThrough();
    stderr.on('data', (b: Buffer) => { err += b.toString('utf8'); });
    const args = parseClientArgs([`127.0.0.1:${required.port}`, '--servername', 'localhost', '--ca', p.root.certPath, '--cert', certFile, '--key', c.keyPath, '--http']);
    const code = await runClient(args, { stdout, stderr, stdin: () => new PassThrough(), readFile: (f) => readFileSync(f), env: {} });
    assert.equal(code, 0, err);
    assert.match(out, /^client certificate: CN=client-ed25519$/m, out);
  });

  test('optional: anonymous s_client is let in and reported as none', async () => {
    const r = await sClient(optional.port, null);
    assert.match(r.stdout, /^client certificate: none$/m, `${r.stdout}\n${r.stderr}`);
  });

  test('required: s_client without a certificate gets certificate_required', async () => {
    const err = nextTlsClientError(required.server);
    const r = await sClient(required.port, null);
    const e = await err;
    assert.equal(e.code, 'ERR_TLS_PEER_CERTIFICATE_REQUIRED');
    assert.equal(e.alert, AlertDescription.CertificateRequired);
    assert.match(r.stdout + r.stderr, /certificate required/i, 'the alert s_client received');
    assert.doesNotMatch(r.stdout, /^typetls server$/m);
    assert.match(required.stderr(), /handshake failed from 127\.0\.0\.1:\d+: .*ERR_TLS_PEER_CERTIFICATE_REQUIRED/);
  });

  test('--crl: a revoked client certificate gets certificate_revoked', async () => {
    const crl = p.pki.bundle('cli-crls.pem', [p.rootCrl.crlPem, p.clientCaCrl.crlPem]);
    const s = await cliServer(['--client-ca', p.root.certPath, '--require-client-cert', '--crl', crl]);
    const err = nextTlsClientError(s.server);
    const r = await sClient(s.port, p.revokedLeaf);
    const e = await err;
    assert.equal(e.code, 'ERR_TLS_CERT_REVOKED');
    assert.equal(e.alert, AlertDescription.CertificateRevoked);
    assert.match(e.message, /keyCompromise/);
    assert.match(r.stdout + r.stderr, /certificate revoked/i, 'the alert s_client received');
    // A good certificate still passes the same server.
    const ok = await sClient(s.port, p.clients['ecdsa-p256']);
    assert.match(ok.stdout, /^client certificate: CN=client-ecdsa$/m, `${ok.stdout}\n${ok.stderr}`);
  });
});

describe('node:tls client -> typetls server (adapter clientCa)', () => {
  test('cert/key are verified and named; no cert is anonymous when rejectUnauthorized is false', async () => {
    const s = await adapterServer({ clientCa: p.root.certPem, rejectUnauthorized: false });
    for (const kind of ['ecdsa-p256', 'rsa2048', 'ed25519'] as const) {
      const c = p.clients[kind];
      const sock = await nodeTlsConnect(s.port, { ca: p.root.certPem, servername: 'localhost', cert: chainPem(c), key: c.keyPem, minVersion: 'TLSv1.3' });
      assert.equal((await readAll(sock)).toString('utf8'), `client certificate: ${c.subject.replace(/^\/CN=/, 'CN=')}\n`);
    }
    const anon = await nodeTlsConnect(s.port, { ca: p.root.certPem, servername: 'localhost', minVersion: 'TLSv1.3' });
    assert.equal((await readAll(anon)).toString('utf8'), 'client certificate: none\n');
    assert.deepEqual(s.errors, []);
  });

  test('requestCert: false turns client authentication off', async () => {
    const s = await adapterServer({ clientCa: p.root.certPem, requestCert: false });
    const c = p.clients['ecdsa-p256'];
    const sock = await nodeTlsConnect(s.port, { ca: p.root.certPem, servername: 'localhost', cert: chainPem(c), key: c.keyPem });
    assert.equal((await readAll(sock)).toString('utf8'), 'client certificate: none\n');
  });

  test('config errors: requestCert or crl without clientCa', () => {
    assert.throws(() => createServer({ cert: p.server.certPem, key: p.server.keyPem, requestCert: true }), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG');
    assert.throws(() => createServer({ cert: p.server.certPem, key: p.server.keyPem, crl: p.rootCrl.crlPem }), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG');
    assert.throws(() => createServer({ cert: p.server.certPem, key: p.server.keyPem, clientCa: p.root.certPem, crl: 'no crl here' }), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG');
  });
});

describe('revocation options (typetls server, openssl s_client)', () => {
  async function refused(o: Omit<ServerOptions, 'cert' | 'key'>, client: IssuedCertificate, code: string, alert: number, sClientSees: RegExp): Promise<TlsError> {
    const s = await adapterServer(o);
    const err = s.nextError();
    const r = await sClient(s.port, client);
    const e = await err;
    assert.equal(e.code, code, e.message);
    assert.equal(e.alert, alert);
    assert.match(r.stdout + r.stderr, sClientSees, 'the alert s_client received');
    assert.doesNotMatch(r.stdout, /^client certificate:/m);
    return e;
  }
  async function accepted(o: Omit<ServerOptions, 'cert' | 'key'>, client: IssuedCertificate): Promise<void> {
    const s = await adapterServer(o);
    const r = await sClient(s.port, client);
    assert.match(r.stdout, new RegExp(`^client certificate: CN=${client.subject.replace(/^\/CN=/, '')}$`, 'm'), `${r.stdout}\n${r.stderr}\n${s.errors.map(String).join('\n')}`);
  }
  const base = () => ({ clientCa: p.root.certPem });

  test('revoked leaf (openssl ca -revoke + -gencrl, DER CRLs): certificate_revoked', async () => {
    await refused({ ...base(), crl: [p.rootCrl.crlDer, p.clientCaCrl.crlDer] }, p.revokedLeaf, 'ERR_TLS_CERT_REVOKED', AlertDescription.CertificateRevoked, /certificate revoked/i);
  });

  test("expired CRL: refused with expiration 'enforce', accepted with 'ignore' (the default)", async () => {
    const crl = [p.rootCrl.crlPem, p.clientCaCrlExpired.crlPem];
    await refused({ ...base(), crl, crlOptions: { expiration: 'enforce' } }, p.clients['ecdsa-p256'], 'ERR_TLS_CERT_CRL_EXPIRED', AlertDescription.CertificateUnknown, /certificate unknown/i);
    await accepted({ ...base(), crl }, p.clients['ecdsa-p256']);
  });

  test("unknown status (no CRL from the client CA): refused with 'deny' (default), accepted with 'allow'", async () => {
    await refused({ ...base(), crl: p.rootCrl.crlPem }, p.clients['ecdsa-p256'], 'ERR_TLS_CERT_REVOCATION_UNKNOWN', AlertDescription.CertificateUnknown, /certificate unknown/i);
    await accepted({ ...base(), crl: p.rootCrl.crlPem, crlOptions: { unknownStatus: 'allow' } }, p.clients['ecdsa-p256']);
  });

  test("revoked intermediate: refused with depth 'chain' (default), accepted with 'end-entity'", async () => {
    const crl = [p.rootCrl.crlPem, p.revokedCaCrl.crlPem];
    const e = await refused({ ...base(), crl }, p.underRevokedCa, 'ERR_TLS_CERT_REVOKED', AlertDescription.CertificateRevoked, /certificate revoked/i);
    assert.match(e.message, /mTLS Revoked CA/);
    await accepted({ ...base(), crl, crlOptions: { depth: 'end-entity' } }, p.underRevokedCa);
  });

  test('client certificate with serverAuth EKU only: unsupported_certificate', async () => {
    await refused(base(), p.serverAuthOnly, 'ERR_TLS_CERT_REQUIRED_EKU_NOT_FOUND', AlertDescription.UnsupportedCertificate, /unsupported certificate/i);
  });
});

// ---------------------------------------------------------------------------------------------
// typetls client side

/** connect() to 127.0.0.1:port trusting the test root, with an optional client certificate. */
function typetlsConnect(port: number, client: IssuedCertificate | null, extra: Partial<ConnectOptions> = {}): TlsSocket {
  const s = connect({
    host: '127.0.0.1', port, servername: 'localhost', ca: p.root.certPem, minVersion: 'TLSv1.3', keyLog: null,
    ...(client !== null ? { cert: chainPem(client), key: client.keyPem } : {}),
    ...extra,
  });
  track({ close: async () => { s.destroy(); } });
  return s;
}

describe('typetls client -> openssl s_server', () => {
  let verifyRequired: OpensslServer;
  let verifyOptional: OpensslServer;
  before(async () => {
    const common = { certFile: p.server.certPath, keyFile: p.server.keyPath, mode: 'www' as const, caFile: p.root.certPath };
    verifyRequired = await startOpensslServer({ ...common, requireClientCert: true }); // -Verify 1
    verifyOptional = await startOpensslServer({ ...common, extraArgs: ['-verify', '1'] });
    track({ close: () => verifyRequired.stop() }, { close: () => verifyOptional.stop() });
  });

  for (const kind of ['ecdsa-p256', 'ed25519', 'rsa2048'] as const) {
    test(`-Verify 1 accepts our ${kind} certificate (sent with its intermediate)`, async () => {
      const s = typetlsClient(verifyRequired.port, p.clients[kind]);
      await secured(s);
      s.write(GET);
      const page = (await readAll(s)).toString('latin1');
      assert.equal(/New, TLSv1\.3/.test(page), true, 'the page reports TLS 1.3');
      // s_server -www prints the verified client certificate (X509_print) on its page.
      assert.equal(/^Client certificate$/m.test(page), true, 'the page shows a client certificate');
      assert.equal(new RegExp(`Subject: CN\\s*=\\s*${p.clients[kind].subject.replace(/^\/CN=/, '')}\\b`).test(page), true, 'the page names our subject');
    });
  }

  test('-Verify 1 without a certificate: the server sends certificate_required', async () => {
    const s = typetlsClient(verifyRequired.port, null);
    const e = await failed(s);
    assert.equal(isTlsError(e) ? e.code : String(e), 'ERR_TLS_ALERT_RECEIVED', e.message);
    assert.equal((e as TlsError & { received?: number }).received, AlertDescription.CertificateRequired);
  });

  test('-verify 1 (optional) lets us in without a certificate, and with one', async () => {
    const anon = typetlsClient(verifyOptional.port, null);
    await secured(anon);
    anon.write(GET);
    const page = (await readAll(anon)).toString('latin1');
    assert.equal(/no client certificate available/i.test(page), true, `no 'no client certificate available' in the page:\n${page.slice(-400)}`);
    const withCert = typetlsClient(verifyOptional.port, p.clients['ecdsa-p256']);
    await secured(withCert);
    withCert.write(GET);
    assert.equal(/Subject: CN\s*=\s*client-ecdsa\b/.test((await readAll(withCert)).toString('latin1')), true, 'the page names our subject');
  });
});

function typetlsClient(port: number, client: IssuedCertificate | null): TlsSocket {
  return typetlsConnect(port, client);
}

describe('typetls client -> node:tls server with requestCert', () => {
  test('rejectUnauthorized: the server verifies our chain; without one we are refused', async () => {
    const node = await startNodeTlsServer({
      cert: p.server.certPem, key: p.server.keyPem, ca: p.root.certPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3',
    }, (sock) => {
      const peer = sock.getPeerCertificate();
      sock.write(`authorized=${String(sock.authorized)} cn=${String(peer.subject?.CN)}\n`);
    });
    try {
      const s = typetlsClient(node.port, p.clients['ed25519']);
      await secured(s);
      const expected = 'authorized=true cn=client-ed25519\n';
      assert.equal((await collect(s, expected.length)).toString('utf8'), expected);
      s.on('error', () => {}); // the server is stopped below without close_notify
      s.destroy();
      const anon = typetlsClient(node.port, null);
      const e = await failed(anon);
      assert.equal(isTlsError(e) ? e.code : String(e), 'ERR_TLS_ALERT_RECEIVED', e.message);
      assert.equal((e as TlsError & { received?: number }).received, AlertDescription.CertificateRequired);
    } finally {
      await node.stop();
    }
  });

  test('connect() refuses cert without key', () => {
    assert.throws(() => connect({ host: '127.0.0.1', port: 1, cert: p.clients['ecdsa-p256'].certPem, ca: p.root.certPem }), (e: unknown) => isTlsError(e) && e.code === 'ERR_TLS_CONFIG');
  });
});
