/**
 * `typetls client HOST[:PORT]`: stdin to the server, the server to stdout (like
 * `openssl s_client -quiet`), or one HTTP/1.0 GET with `--http`. Exit 0 after a clean close
 * (close_notify), 1 with one `error:` line otherwise. `--resume N` connects N+1 times with one
 * session store and prints `resumed: yes|no` for each; `--early-data FILE` sends FILE as 0-RTT
 * data on the resumed ones.
 */
import type { Readable } from 'node:stream';
import { Buffer } from 'node:buffer';
import type { ClientConnection } from '../core/client/connection.ts';
import { createClientSessionStore, type ClientSessionStore } from '../core/client/session-store.ts';
import { connect } from '../node/connect.ts';
import type { TlsSocket } from '../node/socket.ts';
import type { ClientArgs } from './args.ts';
import { certificateSubjects, describeCertificateExtras, describeNegotiated, errorLine } from './describe.ts';
import type { CliIo } from './io.ts';

/** What one connection sends after the handshake. */
type Input = { kind: 'stdin' } | { kind: 'http' } | { kind: 'bytes'; bytes: Buffer };

/** Runs the client to completion; resolves to the exit code. */
export async function runClient(args: ClientArgs, io: CliIo): Promise<number> {
  if (args.resume === undefined) return runOnce(args, io, args.http !== null ? { kind: 'http' } : { kind: 'stdin' }, null, null);
  // Several connections: stdin is read once and sent on each.
  const input: Input = args.http !== null ? { kind: 'http' } : { kind: 'bytes', bytes: await readAll(io.stdin()) };
  const early = args.earlyData !== undefined ? Buffer.from(io.readFile(args.earlyData)) : null;
  const store = createClientSessionStore();
  let worst = 0;
  for (let i = 0; i <= args.resume; i++) {
    const code = await runOnce(args, io, input, store, i > 0 ? early : null);
    if (code !== 0) worst = code;
  }
  return worst;
}

function readAll(stream: Readable): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.once('end', () => resolve(Buffer.concat(parts)));
    stream.once('error', reject);
  });
}

function runOnce(args: ClientArgs, io: CliIo, input: Input, store: ClientSessionStore | null, early: Buffer | null): Promise<number> {
  return new Promise<number>((resolve) => {
    let socket: TlsSocket;
    try {
      socket = connect({
        host: args.host,
        port: args.port,
        ...(args.servername !== null ? { servername: args.servername } : {}),
        ...(args.ca !== null ? { ca: io.readFile(args.ca) } : {}),
        ...(args.cert !== undefined && args.key !== undefined ? { cert: io.readFile(args.cert), key: io.readFile(args.key) } : {}),
        alpnProtocols: args.alpn,
        ...(args.minVersion !== null ? { minVersion: args.minVersion } : {}),
        ...(args.maxVersion !== null ? { maxVersion: args.maxVersion } : {}),
        ...(args.cipherSuites !== undefined ? { cipherSuites: args.cipherSuites } : {}),
        ...(args.groups !== undefined ? { groups: args.groups } : {}),
        ...(args.compress !== undefined ? { certificateCompression: args.compress } : {}),
        ...(args.status === true ? { requestOcsp: true } : {}),
        // TLS 1.2 resumes by session id or, with tickets asked for, by RFC 5077 ticket.
        ...(store !== null ? { sessionStore: store, earlyData: early !== null, tls12SessionTickets: true } : {}),
      });
    } catch (e) {
      io.stderr.write(`${errorLine(e)}\n`);
      resolve(1);
      return;
    }
    const connection = socket.connection as ClientConnection;
    // 0-RTT: queued in the engine before its first flight leaves; sent only if the ticket allows.
    if (early !== null) connection.writePlaintext(early);
    let failure: unknown = null;
    let cleanEnd = false;
    socket.on('error', (e: unknown) => {
      failure ??= e;
    });
    socket.on('end', () => {
      cleanEnd = true; // TlsSocket ends its readable side only on close_notify
    });
    socket.on('data', (chunk: Buffer) => io.stdout.write(chunk));
    socket.on('close', () => {
      if (failure !== null || !cleanEnd) {
        io.stderr.write(`${errorLine(failure ?? new Error('connection closed before close_notify'))}\n`);
        resolve(1);
      } else {
        resolve(0);
      }
    });
    socket.once('secureConnect', () => {
      const n = socket.negotiated!;
      if (args.verbose) {
        const lines = [`connected to ${args.host.includes(':') ? `[${args.host}]` : args.host}:${args.port}`, ...describeNegotiated(n), ...describeCertificateExtras(n), 'peer certificates:'];
        certificateSubjects(n.peerCertificates).forEach((s, i) => lines.push(`  ${i} subject: ${s}`));
        io.stderr.write(lines.join('\n') + '\n');
      }
      if (store !== null) {
        const earlyLine = early === null ? '' : `; early data: ${n.earlyDataAccepted === true ? 'accepted' : 'rejected'}`;
        io.stderr.write(`resumed: ${n.resumed ? 'yes' : 'no'}${earlyLine}\n`);
      }
      // Rejected 0-RTT data is handed back (RFC 8446 §4.2.10): send it again, now in 1-RTT.
      const again = early !== null ? connection.takeRejectedEarlyData() : null;
      if (again !== null) socket.write(again);
      switch (input.kind) {
        case 'http': {
          const hostHeader = args.servername ?? (args.host.includes(':') ? `[${args.host}]` : args.host);
          socket.write(`GET ${args.http} HTTP/1.0\r\nHost: ${hostHeader}\r\nUser-Agent: typetls\r\nAccept: */*\r\n\r\n`);
          // HTTP/1.0: the server closes after the response; we answer its close_notify.
          return;
        }
        case 'bytes':
          socket.end(input.bytes);
          return;
        case 'stdin':
          io.stdin().pipe(socket);
          return;
      }
    });
  });
}
