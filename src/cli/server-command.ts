/**
 * `typetls server`: a TLS server for trying things out, like `openssl s_server -www`. Each
 * connection is independent; a failed handshake is logged on one line and never stops it.
 */
import type { AddressInfo } from 'node:net';
import { Buffer } from 'node:buffer';
import { createServer, type ServerOptions, type TlsServer } from '../node/server.ts';
import { createServerSessionStore } from '../core/server/session-store.ts';
import { createTicketer } from '../core/server/ticketer.ts';
import { nodeCryptoProvider } from '../providers/node/index.ts';
import type { TlsSocket } from '../node/socket.ts';
import type { ServerArgs, ServerMode } from './args.ts';
import { certificateExtrasSummary, certificateSubjects, describeNegotiated, errorLine, summarizeNegotiated } from './describe.ts';
import type { CliIo } from './io.ts';

/** Largest HTTP request head we read before answering 431. */
const maxRequestHead = 16 * 1024;

/** A started server; `close()` stops listening and ends open connections. */
export interface RunningServer {
  readonly server: TlsServer;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the server and prints `listening on HOST:PORT`. Configuration errors throw (the
 * caller prints one `error:` line).
 */
export async function startServer(args: ServerArgs, io: CliIo): Promise<RunningServer> {
  const server = createServer({
    cert: io.readFile(args.cert),
    key: io.readFile(args.key),
    alpnProtocols: args.alpn,
    ...(args.minVersion !== null ? { minVersion: args.minVersion } : {}),
    ...(args.maxVersion !== null ? { maxVersion: args.maxVersion } : {}),
    ...(args.cipherSuites !== undefined ? { cipherSuites: args.cipherSuites } : {}),
    ...(args.groups !== undefined ? { groups: args.groups } : {}),
    // mTLS: --client-ca asks for a certificate; optional unless --require-client-cert.
    ...(args.clientCa !== undefined ? { clientCa: io.readFile(args.clientCa), rejectUnauthorized: args.requireClientCert === true } : {}),
    ...(args.crl !== undefined ? { crl: args.crl.map((f) => io.readFile(f)) } : {}),
    ...(args.compress !== undefined ? { certificateCompression: args.compress } : {}),
    ...(args.ocsp !== undefined ? { ocspResponse: io.readFile(args.ocsp) } : {}),
    ...resumptionOptions(args),
  });
  const open = new Set<TlsSocket>();
  server.on('secureConnection', (socket: TlsSocket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    if (args.verbose) io.stderr.write(`connection from ${peerOf(socket)}: ${summarizeNegotiated(socket.negotiated!)} ${certificateExtrasSummary(socket.negotiated!)}\n`);
    socket.on('error', (e: unknown) => io.stderr.write(`connection from ${peerOf(socket)} failed: ${errorLine(e).slice(7)}\n`));
    serve(socket, args.mode, args.clientCa !== undefined);
  });
  server.on('tlsClientError', (e: unknown, socket: TlsSocket | null) => {
    io.stderr.write(`handshake failed from ${socket === null ? 'unknown' : peerOf(socket)}: ${errorLine(e).slice(7)}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(args.port, args.host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  // Later listen-level errors (EMFILE...) are logged, not fatal.
  server.on('error', (e: unknown) => io.stderr.write(`${errorLine(e)}\n`));
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  io.stdout.write(`listening on ${shown}:${address.port}\n`);
  return {
    server,
    port: address.port,
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/**
 * TLS 1.3 resumption for the CLI server: stateless tickets by default (2 per handshake, as
 * OpenSSL's s_server); `--session-cache N` keeps single-use sessions instead, which 0-RTT needs
 * (RFC 8446 §8.1); `--tickets 0` turns resumption off. TLS 1.2 follows: RFC 5077 tickets from the
 * ticketer, or session ids kept in the session cache (server/tls12-resumption.ts).
 */
function resumptionOptions(args: ServerArgs): Pick<ServerOptions, 'ticketer' | 'sessionStore' | 'ticketsToSend' | 'maxEarlyDataSize'> {
  const tickets = args.tickets ?? 2;
  if (tickets === 0) return { ticketsToSend: 0 };
  const early = args.maxEarlyData ?? 0;
  const cache = args.sessionCache ?? (early > 0 ? 1024 : 0);
  return {
    ticketsToSend: tickets,
    ...(cache > 0 ? { sessionStore: createServerSessionStore({ maxEntries: cache }) } : { ticketer: createTicketer({ provider: nodeCryptoProvider }) }),
    ...(early > 0 ? { maxEarlyDataSize: early } : {}),
  };
}

function peerOf(socket: TlsSocket): string {
  const a = socket.remoteAddress ?? 'unknown';
  return a.includes(':') ? `[${a}]:${socket.remotePort}` : `${a}:${socket.remotePort}`;
}

function serve(socket: TlsSocket, mode: ServerMode, clientAuth: boolean): void {
  switch (mode) {
    case 'echo':
      socket.pipe(socket);
      return;
    case 'http':
      serveHttp(socket, clientAuth);
      return;
  }
}

/** HTTP/1.0: read the request head, answer with what was negotiated (and who the client is), close. */
function serveHttp(socket: TlsSocket, clientAuth: boolean): void {
  const parts: Buffer[] = [];
  let length = 0;
  const onData = (chunk: Buffer): void => {
    parts.push(chunk);
    length += chunk.length;
    const head = Buffer.concat(parts, length);
    if (head.indexOf('\r\n\r\n') >= 0 || head.indexOf('\n\n') >= 0) {
      socket.removeListener('data', onData);
      respond(socket, 200, 'OK', httpBody(socket, clientAuth));
    } else if (length > maxRequestHead) {
      socket.removeListener('data', onData);
      respond(socket, 431, 'Request Header Fields Too Large', `request head over ${maxRequestHead} bytes\n`);
    }
  };
  socket.on('data', onData);
  socket.on('end', () => {
    if (socket.writable && !socket.writableEnded) socket.end();
  });
}

/** The page; with client authentication on (--client-ca), it names the client certificate. */
function httpBody(socket: TlsSocket, clientAuth: boolean): string {
  const n = socket.negotiated!;
  const lines = ['typetls server', ...describeNegotiated(n)];
  if (clientAuth) lines.push(clientCertificateLine(n.peerCertificates));
  return [...lines, ''].join('\n');
}

/** `client certificate: <subject>` (verified by the handshake), or `client certificate: none`. */
function clientCertificateLine(chain: readonly Uint8Array[]): string {
  const subject = chain.length === 0 ? null : certificateSubjects(chain.slice(0, 1))[0]!;
  return `client certificate: ${subject ?? 'none'}`;
}

function respond(socket: TlsSocket, status: number, reason: string, body: string): void {
  const b = Buffer.from(body, 'utf8');
  const head = `HTTP/1.0 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${b.length}\r\nConnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), b]));
}
