/**
 * The two TLS stacks behind one shape: a server that hands established sockets to a callback,
 * and a client `open()` that returns a socket right away. Both stacks get the same suite,
 * group (X25519), certificate chain, trust anchor and server name, and both share their parsed
 * trust anchors across connections (node:tls through one SecureContext, typetls through one
 * ClientConfig), so neither pays a per-connection setup cost the other avoids.
 */
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { connect, createClientConnectConfig, createServer } from '../src/node/index.ts';
import type { TlsParams } from './protocol.ts';

/** A listening server. */
export interface BenchServer {
  readonly port: number;
  close(): Promise<void>;
}

const noop = (): void => {};

/** Starts a server on 127.0.0.1 (ephemeral port); `onSecure` gets each established socket. */
export async function startServer(p: TlsParams, onSecure: (s: Duplex) => void): Promise<BenchServer> {
  const id = p.certs.servers[p.certKind];
  let server: import('node:net').Server;
  if (p.impl === 'node') {
    const s = tls.createServer({ cert: id.chainPem, key: id.keyPem, ciphers: p.suite, ecdhCurve: 'X25519', minVersion: 'TLSv1.3' });
    s.on('secureConnection', (sock) => { sock.on('error', noop); onSecure(sock); });
    s.on('tlsClientError', noop);
    server = s;
  } else {
    const s = createServer({ cert: id.chainPem, key: id.keyPem, cipherSuites: [p.suite], groups: [p.group ?? 'x25519'], minVersion: 'TLSv1.3', keyLog: null });
    s.on('secureConnection', (sock: Duplex) => { sock.on('error', noop); onSecure(sock); });
    s.on('tlsClientError', noop);
    server = s;
  }
  const live = new Set<import('node:net').Socket>();
  server.on('connection', (c: import('node:net').Socket) => {
    live.add(c);
    c.on('close', () => live.delete(c));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const c of live) c.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A client factory: `open()` starts a connection; the socket emits 'data' once the server has finished its handshake. */
export interface BenchClient {
  open(): Duplex;
}

/** Builds the client side for `p` (anchors parsed once here). */
export function makeClient(p: TlsParams, port: number): BenchClient {
  if (p.impl === 'node') {
    const secureContext = tls.createSecureContext({ ca: p.certs.caPem, ciphers: p.suite, ecdhCurve: 'X25519', minVersion: 'TLSv1.3' });
    return { open: () => tls.connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext }) };
  }
  const config = createClientConnectConfig({ ca: p.certs.caPem, cipherSuites: [p.suite], groups: [p.group ?? 'x25519'], minVersion: 'TLSv1.3', keyLog: null });
  return { open: () => connect({ host: '127.0.0.1', port, servername: 'localhost', config }) };
}
