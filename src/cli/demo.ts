/**
 * `typetls demo`: an in-memory CA and server certificate (no external tools), a typetls server
 * on 127.0.0.1:0, then a typetls client and a node:tls client against it, and a typetls client
 * against a node:tls server; prints what each negotiated.
 */
import * as tls from 'node:tls';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from '../node/connect.ts';
import { createServer } from '../node/server.ts';
import type { TlsSocket } from '../node/socket.ts';
import { createDemoCa } from './demo-ca.ts';
import { summarizeNegotiated } from './describe.ts';
import type { CliIo } from './io.ts';

/** Runs the demo; resolves to the exit code (0 when every handshake and exchange worked). */
export async function runDemo(io: CliIo): Promise<number> {
  const out = (s: string): void => { io.stdout.write(s + '\n'); };
  const ca = createDemoCa('typetls demo CA');
  const leaf = ca.issue(['localhost', '127.0.0.1']);
  out('typetls demo');
  out('  made an in-memory CA "typetls demo CA" (ECDSA P-256) and a server certificate for localhost, 127.0.0.1');

  const server = createServer({ cert: leaf.pem, key: leaf.keyPem, alpnProtocols: ['http/1.1'] }, (s: TlsSocket) => {
    s.on('error', () => {});
    s.once('data', () => s.end(`hello from typetls: ${summarizeNegotiated(s.negotiated!)}\n`));
  });
  server.on('tlsClientError', (e: Error) => out(`  server: handshake failed: ${e.message}`));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  out(`  typetls server listening on 127.0.0.1:${port}`);

  const nodeServer = tls.createServer({ cert: leaf.pem, key: leaf.keyPem, ALPNProtocols: ['http/1.1'] }, (s) => {
    s.on('error', () => {});
    s.once('data', () => s.end('hello from node:tls\n'));
  });
  nodeServer.listen(0, '127.0.0.1');
  await once(nodeServer, 'listening');
  const nodePort = (nodeServer.address() as AddressInfo).port;

  let failures = 0;
  try {
    for (const [label, p] of [['typetls client -> typetls server', port], ['typetls client -> node:tls server', nodePort]] as const) {
      try {
        const s = connect({ host: '127.0.0.1', port: p, servername: 'localhost', ca: ca.certificate.pem, alpnProtocols: ['http/1.1'] });
        await once(s, 'secureConnect');
        const summary = summarizeNegotiated(s.negotiated!);
        s.write('hi');
        const reply = await readToEnd(s);
        out(`  ${label}: ${summary}`);
        out(`    server said: ${reply.trim()}`);
      } catch (e) {
        failures++;
        out(`  ${label}: FAILED: ${(e as Error).message}`);
      }
    }
    try {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certificate.pem, ALPNProtocols: ['http/1.1'] });
      await once(s, 'secureConnect');
      const cipher = s.getCipher();
      const summary = `${s.getProtocol()} ${cipher.standardName} ${groupName(s.getEphemeralKeyInfo())} alpn=${s.alpnProtocol || 'none'}`;
      s.write('hi');
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      await once(s, 'end');
      s.destroy();
      out(`  node:tls client -> typetls server: ${summary}`);
      out(`    server said: ${Buffer.concat(chunks).toString().trim()}`);
    } catch (e) {
      failures++;
      out(`  node:tls client -> typetls server: FAILED: ${(e as Error).message}`);
    }
  } finally {
    server.close();
    nodeServer.close();
  }
  out(failures === 0 ? 'all handshakes succeeded' : `${failures} handshake(s) failed`);
  return failures === 0 ? 0 : 1;
}

function readToEnd(s: TlsSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => resolve(Buffer.concat(chunks).toString()));
    s.once('error', reject);
  });
}

function groupName(info: object | null): string {
  const name = (info as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : 'no-group';
}
