// The `typetls` bin, spawned as `node --import tsx src/cli/main.ts`: server and client against
// each other and against `openssl s_server -www` / `openssl s_client`; --http, --verbose,
// echo mode, exit codes and one-line errors; and `typetls demo`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { createDemoCa } from '../../src/cli/demo-ca.ts';

const main = join(import.meta.dirname, '../../src/cli/main.ts');
let dir = '';
const files = { ca: '', cert: '', key: '', otherCa: '' };
const children = new Set<ChildProcess>();

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'typetls-cli-'));
  const ca = createDemoCa('cli test CA');
  const leaf = ca.issue(['localhost', '127.0.0.1']);
  files.ca = join(dir, 'ca.pem');
  files.cert = join(dir, 'cert.pem');
  files.key = join(dir, 'key.pem');
  files.otherCa = join(dir, 'other-ca.pem');
  writeFileSync(files.ca, ca.certificate.pem);
  writeFileSync(files.cert, leaf.pem + ca.certificate.pem);
  writeFileSync(files.key, leaf.keyPem);
  writeFileSync(files.otherCa, createDemoCa('other CA').certificate.pem);
});

after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Result { code: number | null; stdout: string; stderr: string }

function run(command: string, args: readonly string[], input: string | null = null): Promise<Result> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  if (input !== null) child.stdin!.end(input);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

function typetls(args: readonly string[], input: string | null = null): Promise<Result> {
  return run(process.execPath, ['--import', 'tsx', main, ...args], input);
}

/** Starts a long-running process and waits for a line matching `ready` on `stream`. */
async function start(command: string, args: readonly string[], ready: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<{ child: ChildProcess; match: RegExpMatchArray; stderr: () => string; stop: () => Promise<void> }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  let buffered = '';
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const onData = (c: Buffer): void => {
      buffered += c.toString();
      const m = buffered.match(ready);
      if (m) {
        child[stream]!.off('data', onData);
        resolve(m);
      }
    };
    child[stream]!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}) before ready: ${buffered} ${err}`)));
  });
  return {
    child, match, stderr: () => err,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      children.delete(child);
    },
  };
}

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('typetls server (http mode) and typetls client --http --verbose; a failed handshake is one line and the server goes on', async () => {
  const server = await start(process.execPath, ['--import', 'tsx', main, 'server', '--cert', files.cert, '--key', files.key, '--port', '0', '--alpn', 'h2', '--alpn', 'http/1.1'], /listening on 127\.0\.0\.1:(\d+)\n/);
  try {
    const port = server.match[1]!;
    const r = await typetls(['client', `localhost:${port}`, '--ca', files.ca, '--alpn', 'http/1.1', '--http', '/x', '--verbose']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTP\/1\.0 200 OK\r\n/);
    assert.match(r.stdout, /\r\n\r\ntypetls server\nprotocol: TLSv1\.3\ncipher suite: TLS_[A-Z0-9_]+\ngroup: X25519MLKEM768\nalpn: http\/1\.1\nserver name: localhost\nresumed: no\n$/);
    assert.match(r.stderr, /^connected to localhost:\d+\nprotocol: TLSv1\.3\ncipher suite: TLS_\w+\ngroup: X25519MLKEM768\nalpn: http\/1\.1\nserver name: localhost\nresumed: no\ncertificate compressed: brotli \(\d+ bytes, \d+ uncompressed\)\nocsp response: none\npeer certificates:\n {2}0 subject: O=typetls demo, CN=localhost\n {2}1 subject: O=typetls demo, CN=cli test CA\n$/);

    // Wrong trust anchor: exit 1, exactly one error line; the server logs one line.
    const bad = await typetls(['client', `127.0.0.1:${port}`, '--ca', files.otherCa, '--http']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^error: .*\(ERR_TLS_CERT_UNKNOWN_ISSUER\)\n$/);
    for (let i = 0; i < 100 && !/handshake failed/.test(server.stderr()); i++) await new Promise((r) => setTimeout(r, 20));
    const lines = server.stderr().split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, server.stderr());
    assert.match(lines[0]!, /^handshake failed from 127\.0\.0\.1:\d+: .*\(ERR_TLS_ALERT_RECEIVED\)$/);

    // Still serving; IP literal host verified against the IP SAN.
    const again = await typetls(['client', `127.0.0.1:${port}`, '--ca', files.ca, '--http']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /server name: none/);
  } finally {
    await server.stop();
  }
});

test('echo mode: stdin goes to the server and back; a clean close exits 0', async () => {
  const server = await start(process.execPath, ['--import', 'tsx', main, 'server', '--cert', files.cert, '--key', files.key, '--port', '0', '--mode', 'echo'], /listening on 127\.0\.0\.1:(\d+)\n/);
  try {
    const r = await typetls(['client', `localhost:${server.match[1]}`, '--ca', files.ca], 'hello over typetls\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello over typetls\n');
    assert.equal(r.stderr, '');
  } finally {
    await server.stop();
  }
});

test('client errors: connection refused and bad usage', async () => {
  const port = await freePort();
  const refused = await typetls(['client', `127.0.0.1:${port}`, '--http']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: .*ECONNREFUSED.*\n$/);
  const usage = await typetls(['client', '--http']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^error: expected one HOST\[:PORT\], got 0; usage: .*\n$/);
});

test('typetls client --http against openssl s_server -www', async () => {
  const port = await freePort();
  const server = await start('openssl', ['s_server', '-www', '-accept', `127.0.0.1:${port}`, '-cert', files.cert, '-key', files.key, '-naccept', '1'], /ACCEPT/);
  try {
    const r = await typetls(['client', `localhost:${port}`, '--ca', files.ca, '--http', '--verbose']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTP\/1\.0 200 ok\r\n/);
    assert.match(r.stdout, /TLSv1\.3/);
    assert.match(r.stderr, /protocol: TLSv1\.3\ncipher suite: TLS_\w+\ngroup: x25519\n/);
  } finally {
    await server.stop();
  }
});

test('openssl s_client against typetls server: verified, ALPN, and our HTTP answer', async () => {
  const server = await start(process.execPath, ['--import', 'tsx', main, 'server', '--cert', files.cert, '--key', files.key, '--port', '0', '--alpn', 'http/1.1'], /listening on 127\.0\.0\.1:(\d+)\n/);
  try {
    const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${server.match[1]}`, '-servername', 'localhost', '-CAfile', files.ca, '-verify_return_error', '-alpn', 'http/1.1', '-ign_eof'], 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Verify return code: 0 \(ok\)/);
    assert.match(r.stdout, /ALPN protocol: http\/1\.1/);
    assert.match(r.stdout, /HTTP\/1\.0 200 OK/);
    assert.match(r.stdout, /protocol: TLSv1\.3\ncipher suite: TLS_\w+\ngroup: x25519\nalpn: http\/1\.1\nserver name: localhost/);
  } finally {
    await server.stop();
  }
});

test('--resume 2 --early-data against typetls server --max-early-data: resumed with 0-RTT accepted', async () => {
  const server = await start(process.execPath, ['--import', 'tsx', main, 'server', '--cert', files.cert, '--key', files.key, '--port', '0', '--max-early-data', '4096'], /listening on 127\.0\.0\.1:(\d+)\n/);
  try {
    const early = join(dir, 'early.txt');
    writeFileSync(early, 'early bytes\n');
    const r = await typetls(['client', `localhost:${server.match[1]}`, '--ca', files.ca, '--http', '--resume', '2', '--early-data', early]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'resumed: no\nresumed: yes; early data: accepted\nresumed: yes; early data: accepted\n');
    assert.equal(r.stdout.match(/^resumed: yes$/gm)?.length, 2, `the server saw two resumptions: ${r.stdout}`);
  } finally {
    await server.stop();
  }
});

test('TLS 1.2: --resume 2 --max-version 1.2 against typetls server --max-version 1.2, by ticket and by --session-cache', async () => {
  for (const extra of [[], ['--session-cache', '16']]) {
    const server = await start(process.execPath, ['--import', 'tsx', main, 'server', '--cert', files.cert, '--key', files.key, '--port', '0', '--max-version', '1.2', ...extra], /listening on 127\.0\.0\.1:(\d+)\n/);
    try {
      const r = await typetls(['client', `localhost:${server.match[1]}`, '--ca', files.ca, '--http', '--resume', '2', '--max-version', '1.2']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'resumed: no\nresumed: yes\nresumed: yes\n', `server ${extra.join(' ') || 'with tickets'}`);
      assert.equal(r.stdout.match(/^protocol: TLSv1\.2$/gm)?.length, 3, r.stdout);
      assert.equal(r.stdout.match(/^resumed: yes$/gm)?.length, 2, `the server saw two resumptions: ${r.stdout}`);
    } finally {
      await server.stop();
    }
  }
});

test('--tickets 0 turns resumption off; --resume against openssl s_server resumes', async () => {
  const server = await start(process.execPath, ['--import', 'tsx', main, 'server', '--cert', files.cert, '--key', files.key, '--port', '0', '--tickets', '0'], /listening on 127\.0\.0\.1:(\d+)\n/);
  try {
    const r = await typetls(['client', `localhost:${server.match[1]}`, '--ca', files.ca, '--http', '--resume', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'resumed: no\nresumed: no\n');
  } finally {
    await server.stop();
  }
  const port = await freePort();
  const ossl = await start('openssl', ['s_server', '-www', '-accept', `127.0.0.1:${port}`, '-cert', files.cert, '-key', files.key, '-naccept', '2'], /ACCEPT/);
  try {
    const r = await typetls(['client', `localhost:${port}`, '--ca', files.ca, '--http', '--resume', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'resumed: no\nresumed: yes\n');
    assert.match(r.stdout, /Reused, TLSv1\.3/, 's_server -www reports the resumed session');
  } finally {
    await ossl.stop();
  }
  const bad = await typetls(['client', 'localhost:1', '--early-data', early0()]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: --early-data needs --resume N/);
});

function early0(): string {
  return join(dir, 'early.txt');
}

test('--group picks the key exchange on both sides; an unknown group is one error line', async () => {
  const server = await start(process.execPath, ['--import', 'tsx', main, 'server', '--cert', files.cert, '--key', files.key, '--port', '0', '--group', 'secp384r1'], /listening on 127\.0\.0\.1:(\d+)\n/);
  try {
    // The client's only share is x25519; the server takes only secp384r1: HelloRetryRequest.
    const r = await typetls(['client', `localhost:${server.match[1]}`, '--ca', files.ca, '--http', '--verbose', '--group', 'x25519', '--group', 'secp384r1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^group: secp384r1$/m);
    assert.match(r.stdout, /^group: secp384r1$/m);
    const pq = await typetls(['client', `localhost:${server.match[1]}`, '--ca', files.ca, '--http', '--verbose', '--group', 'X25519MLKEM768']);
    assert.equal(pq.code, 1, 'the server does not offer the hybrid');
    assert.match(pq.stderr, /^error: .*(group|handshake_failure|HandshakeFailure)/m);
  } finally {
    await server.stop();
  }
  const bad = await typetls(['client', 'localhost:1', '--group', 'ffdhe2048']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: .*group "ffdhe2048" is not supported; supported: /);
});

test('typetls demo exits 0 after three handshakes', async () => {
  const r = await typetls(['demo']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /typetls client -> typetls server: TLSv1\.3 /);
  assert.match(r.stdout, /typetls client -> node:tls server: TLSv1\.3 /);
  assert.match(r.stdout, /node:tls client -> typetls server: TLSv1\.3 /);
  assert.match(r.stdout, /all handshakes succeeded\n$/);
});
