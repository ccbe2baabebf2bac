// The Node adapter with the real engine on 127.0.0.1: typetls against itself and against
// node:tls in both directions, 1 MiB transfers, half-close, ALPN, IP-literal names, and
// failing handshakes that surface a TlsError on both sides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type TlsSocket } from '../../src/node/index.ts';
import { createDemoCa } from '../../src/cli/demo-ca.ts';
import { isTlsError, type TlsError } from '../../src/core/errors.ts';
import { closeServer, listen } from '../helpers/listen.ts';

const ca = createDemoCa('adapter test CA');
const leaf = ca.issue(['localhost', '127.0.0.1']);
const otherCa = createDemoCa('someone else');

function collect(s: NodeJS.ReadableStream & { once: (e: string, f: (...a: unknown[]) => void) => unknown }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.once('end', () => resolve(Buffer.concat(parts)));
    s.once('error', reject);
  });
}

test('typetls client and server: echo 1 MiB, ALPN, negotiated parameters, peer chain', async () => {
  const server = createServer({ cert: leaf.pem + ca.certificate.pem, key: leaf.keyPem, alpnProtocols: ['h2', 'http/1.1'] }, (s) => s.pipe(s));
  const port = await listen(server);
  try {
    const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certificate.pem, alpnProtocols: ['http/1.1'] });
    await once(c, 'secureConnect');
    assert.equal(c.alpnProtocol, 'http/1.1');
    assert.equal(c.negotiated?.protocolVersion, 'TLSv1.3');
    assert.equal(c.negotiated?.serverName, 'localhost');
    assert.deepEqual(c.getPeerCertificates(), [leaf.der, ca.certificate.der]);
    const data = randomBytes(1 << 20);
    const echoed = collect(c);
    c.end(data);
    assert.ok((await echoed).equals(data));
  } finally {
    await closeServer(server);
  }
});

test('an IP literal host verifies against the IP SAN (no SNI sent)', async () => {
  let sni: string | null | undefined;
  const server = createServer({ cert: leaf.pem, key: leaf.keyPem }, (s) => {
    sni = s.negotiated?.serverName;
    s.end('ok');
  });
  const port = await listen(server);
  try {
    const c = connect({ host: '127.0.0.1', port, ca: ca.certificate.pem });
    assert.equal((await collect(c)).toString(), 'ok');
    assert.equal(sni, null);
  } finally {
    await closeServer(server);
  }
});

test('typetls client -> node:tls server, 1 MiB each way, half-close', async () => {
  const server = tls.createServer({ cert: leaf.pem, key: leaf.keyPem, allowHalfOpen: true }, (s) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => {
      // The client half-closed; answer with what we got, then close.
      s.end(Buffer.concat(parts));
    });
  });
  const port = await listen(server);
  try {
    const c = connect({ host: 'localhost', port, ca: ca.certificate.pem, allowHalfOpen: true });
    const data = randomBytes(1 << 20);
    const got = collect(c);
    c.end(data);
    assert.ok((await got).equals(data));
  } finally {
    await closeServer(server);
  }
});

test('node:tls client -> typetls server, 1 MiB each way, half-close', async () => {
  const server = createServer({ cert: leaf.pem, key: leaf.keyPem, allowHalfOpen: true }, (s) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => s.end(Buffer.concat(parts)));
  });
  const port = await listen(server);
  try {
    // allowHalfOpen is honoured by tls.connect but missing from @types/node 20's ConnectionOptions.
    const options = { host: '127.0.0.1', port, servername: 'localhost', ca: ca.certificate.pem, allowHalfOpen: true };
    const c = tls.connect(options);
    await once(c, 'secureConnect');
    assert.equal(c.getProtocol(), 'TLSv1.3');
    const data = randomBytes(1 << 20);
    const got = collect(c);
    c.end(data);
    assert.ok((await got).equals(data));
    c.destroy();
  } finally {
    await closeServer(server);
  }
});

test('an untrusted server certificate fails on both sides with TlsErrors; the server keeps serving', async () => {
  const clientErrors: unknown[] = [];
  const server = createServer({ cert: leaf.pem, key: leaf.keyPem }, (s) => s.end('fine'));
  server.on('tlsClientError', (e: unknown) => clientErrors.push(e));
  const port = await listen(server);
  try {
    const c = connect({ host: 'localhost', port, ca: otherCa.certificate.pem });
    const [err] = (await once(c, 'error')) as [TlsError];
    assert.ok(isTlsError(err));
    assert.equal(err.code, 'ERR_TLS_CERT_UNKNOWN_ISSUER');
    for (let i = 0; i < 50 && clientErrors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(clientErrors.length, 1);
    const serverErr = clientErrors[0];
    assert.ok(isTlsError(serverErr), `server saw ${String(serverErr)}`);
    assert.equal(serverErr.code, 'ERR_TLS_ALERT_RECEIVED', 'the client\'s unknown_ca alert reached the server');
    // The server still works.
    const ok = connect({ host: 'localhost', port, ca: ca.certificate.pem });
    assert.equal((await collect(ok)).toString(), 'fine');
  } finally {
    await closeServer(server);
  }
});

test('a name mismatch is ERR_TLS_CERT_NOT_VALID_FOR_NAME; node:tls sees the alert', async () => {
  const server = createServer({ cert: leaf.pem, key: leaf.keyPem }, (s) => s.end());
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  try {
    const c = connect({ host: '127.0.0.1', port, servername: 'example.com', ca: ca.certificate.pem });
    const [err] = (await once(c, 'error')) as [TlsError];
    assert.equal(err.code, 'ERR_TLS_CERT_NOT_VALID_FOR_NAME');
  } finally {
    await closeServer(server);
  }
  // node:tls server, typetls client refusing: node gets a TLS alert error.
  const nodeServer = tls.createServer({ cert: leaf.pem, key: leaf.keyPem }, (s) => s.end());
  const nodeErr = once(nodeServer, 'tlsClientError') as Promise<[Error]>;
  const port2 = await listen(nodeServer);
  try {
    const c = connect({ host: 'localhost', port: port2, ca: otherCa.certificate.pem });
    const [err] = (await once(c, 'error')) as [TlsError];
    assert.equal(err.code, 'ERR_TLS_CERT_UNKNOWN_ISSUER');
    const [e] = await nodeErr;
    assert.match(e.message, /unknown ca|alert/i);
  } finally {
    await closeServer(nodeServer);
  }
});

test('dangerousAcceptAnyCertificate connects to an untrusted server and logs nothing secret', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => { warnings.push(w); };
  process.on('warning', onWarning);
  const server = createServer({ cert: leaf.pem, key: leaf.keyPem }, (s) => s.end('accepted'));
  const port = await listen(server);
  try {
    const c: TlsSocket = connect({ host: 'localhost', port, dangerousAcceptAnyCertificate: true });
    assert.equal((await collect(c)).toString(), 'accepted');
    await new Promise((r) => setImmediate(r));
    const ours = warnings.filter((w) => (w as { code?: string }).code === 'TYPETLS_DANGEROUS_NO_VERIFY');
    assert.equal(ours.length, 1, 'one warning that verification is off');
    assert.doesNotMatch(ours[0]!.message, /BEGIN|PRIVATE|[0-9a-f]{32}/i);
  } finally {
    process.off('warning', onWarning);
    await closeServer(server);
  }
});
