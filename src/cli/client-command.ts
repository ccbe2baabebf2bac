/**
 * `typetls client HOST[:PORT]`: stdin to the server, the server to stdout (like
 * `openssl s_client -quiet`), or one HTTP/1.0 GET with `--http`. Exit 0 after a clean close
 * (close_notify), 1 with one `error:` line otherwise.
 */
import { connect } from '../node/connect.ts';
import type { TlsSocket } from '../node/socket.ts';
import type { ClientArgs } from './args.ts';
import { certificateSubjects, describeNegotiated, errorLine } from './describe.ts';
import type { CliIo } from './io.ts';

/** Runs the client to completion; resolves to the exit code. */
export function runClient(args: ClientArgs, io: CliIo): Promise<number> {
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
      });
    } catch (e) {
      io.stderr.write(`${errorLine(e)}\n`);
      resolve(1);
      return;
    }
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
      if (args.verbose) {
        const n = socket.negotiated!;
        const lines = [`connected to ${args.host.includes(':') ? `[${args.host}]` : args.host}:${args.port}`, ...describeNegotiated(n), 'peer certificates:'];
        certificateSubjects(n.peerCertificates).forEach((s, i) => lines.push(`  ${i} subject: ${s}`));
        io.stderr.write(lines.join('\n') + '\n');
      }
      if (args.http !== null) {
        const hostHeader = args.servername ?? (args.host.includes(':') ? `[${args.host}]` : args.host);
        socket.write(`GET ${args.http} HTTP/1.0\r\nHost: ${hostHeader}\r\nUser-Agent: typetls\r\nAccept: */*\r\n\r\n`);
        // HTTP/1.0: the server closes after the response; we answer its close_notify.
      } else {
        io.stdin().pipe(socket);
      }
    });
  });
}
