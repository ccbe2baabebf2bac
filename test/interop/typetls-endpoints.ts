/**
 * typetls endpoints for the interop suites: a client and a server built from the core config
 * and connection classes, driven by `TlsSocket` (src/node/socket.ts) over 127.0.0.1 TCP.
 * They use the engine contract (createClientConfig / ClientConnection, createServerConfig /
 * ServerConnection) rather than the convenience `connect()` / `createServer()`, so a change in
 * adapter options does not break the interop matrix.
 *
 * `byteWise: true` re-emits every chunk from the TCP socket one byte per 'data' event, so the
 * engine gets `readTls()` one byte at a time whatever the network coalesced.
 */
import { Duplex } from 'node:stream';
import * as net from 'node:net';
import type { NegotiatedParameters } from '../../src/core/conn/api.ts';
import { createClientConfig } from '../../src/core/client/config.ts';
import { ClientConnection } from '../../src/core/client/connection.ts';
import { createServerConfig, type CertificateResolver, type CertifiedKey } from '../../src/core/server/config.ts';
import { ServerConnection } from '../../src/core/server/connection.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { TlsSocket } from '../../src/node/socket.ts';
import { pemToDer } from '../helpers/pki-openssl.ts';
import type { InteropPki, ServerLeaf } from '../helpers/tls-pki.ts';

/** The TLS 1.3 matrix: IANA suite names, and groups as typetls and OpenSSL spell them. */
export const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;
export const GROUPS = [
  { typetls: 'x25519', openssl: 'X25519' },
  { typetls: 'secp256r1', openssl: 'P-256' },
  { typetls: 'secp384r1', openssl: 'P-384' },
] as const;

/** The typetls (IANA) name of an OpenSSL group name. */
export function ianaGroup(openssl: string): string {
  const g = GROUPS.find((x) => x.openssl === openssl);
  if (!g) throw new Error(`unknown group ${openssl}`);
  return g.typetls;
}

/** A leaf's chain (leaf, intermediate) and signing key for a typetls server. */
export function certifiedKey(leaf: ServerLeaf): CertifiedKey {
  const chain = [...leaf.fullChainPem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) => pemToDer(m[0], 'CERTIFICATE'));
  return { chain, key: nodeCryptoProvider.loadSigningKey(leaf.keyPem) };
}

/** Splits every chunk read from `inner` into one-byte chunks; writes pass through. */
export function byteWiseTransport(inner: net.Socket): Duplex {
  const d = new Duplex({
    read() {
      inner.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      inner.write(chunk, cb);
    },
    final(cb) {
      inner.end();
      cb();
    },
    destroy(err, cb) {
      inner.destroy();
      cb(err);
    },
  });
  inner.on('data', (b: Buffer) => {
    let ok = true;
    for (let i = 0; i < b.length; i++) ok = d.push(b.subarray(i, i + 1));
    if (!ok) inner.pause();
  });
  inner.on('end', () => d.push(null));
  inner.on('error', (e) => d.destroy(e));
  inner.on('close', () => d.destroy());
  return d;
}

export interface TypetlsClientOptions {
  port: number;
  serverName: string;
  pki: InteropPki;
  alpn?: readonly string[];
  /** typetls group names in offer order; the first gets the key share. */
  groups?: readonly string[];
  cipherSuites?: readonly string[];
  byteWise?: boolean;
  /** Default TLSv1.3 (the TLS 1.3 matrix); TLS 1.2 suites pass 'TLSv1.2'. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  requireExtendedMasterSecret?: boolean;
  keyLog?: (line: string) => void;
}

const liveSockets = new Set<Duplex>();

/** Destroys every typetls socket still open (call in `after`). */
export function destroyTypetlsSockets(): void {
  for (const s of liveSockets) s.destroy();
  liveSockets.clear();
}

function track<T extends Duplex>(s: T): T {
  liveSockets.add(s);
  s.once('close', () => liveSockets.delete(s));
  return s;
}

/** A typetls client socket to 127.0.0.1:`port` (TLS 1.3 only); the handshake starts at once. */
export function typetlsClient(o: TypetlsClientOptions): TlsSocket {
  const config = createClientConfig({
    provider: nodeCryptoProvider,
    verifier: createServerVerifier({ roots: [o.pki.root.certDer], signatures: nodeCryptoProvider.signatures }),
    minVersion: o.minVersion ?? 'TLSv1.3',
    ...(o.maxVersion !== undefined ? { maxVersion: o.maxVersion } : {}),
    ...(o.requireExtendedMasterSecret !== undefined ? { requireExtendedMasterSecret: o.requireExtendedMasterSecret } : {}),
    ...(o.keyLog !== undefined ? { keyLog: o.keyLog } : {}),
    ...(o.alpn !== undefined ? { alpnProtocols: o.alpn } : {}),
    ...(o.groups !== undefined ? { groups: o.groups } : {}),
    ...(o.cipherSuites !== undefined ? { cipherSuites: o.cipherSuites } : {}),
  });
  const tcp = track(net.connect(o.port, '127.0.0.1'));
  tcp.setNoDelay(true);
  tcp.on('error', () => {}); // surfaced through the TlsSocket
  const transport = o.byteWise ? track(byteWiseTransport(tcp)) : tcp;
  return track(new TlsSocket({ connection: new ClientConnection(config, o.serverName), transport }));
}

/** Resolves when `s` completes the handshake ('secureConnect' or 'secure'); rejects on 'error'. */
export function secured(s: TlsSocket, timeoutMs = 10_000): Promise<NegotiatedParameters> {
  if (s.secure && s.negotiated) return Promise.resolve(s.negotiated);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => fail(new Error(`no handshake after ${timeoutMs} ms`)), timeoutMs);
    const ok = (): void => {
      cleanup();
      resolve(s.negotiated!);
    };
    const fail = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const cleanup = (): void => {
      clearTimeout(t);
      s.off('secureConnect', ok);
      s.off('secure', ok);
      s.off('error', fail);
    };
    s.once('secureConnect', ok);
    s.once('secure', ok);
    s.once('error', fail);
  });
}

/** Waits for the 'error' event of `s` (or rejects if it closes cleanly first). */
export function failed(s: Duplex, timeoutMs = 10_000): Promise<Error> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no error after ${timeoutMs} ms`)), timeoutMs);
    s.once('error', (e) => {
      clearTimeout(t);
      resolve(e);
    });
    s.once('close', () => setImmediate(() => {
      clearTimeout(t);
      reject(new Error('closed without an error'));
    }));
  });
}

export interface TypetlsServerOptions {
  certificates: readonly CertifiedKey[];
  alpn?: readonly string[];
  groups?: readonly string[];
  cipherSuites?: readonly string[];
  byteWise?: boolean;
  /** Picks the certificate (the engine's resolver callback); overrides `certificates`' default choice. */
  resolveCertificate?: CertificateResolver;
  /** Default TLSv1.3 (the TLS 1.3 matrix); TLS 1.2 suites pass 'TLSv1.2'. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  requireExtendedMasterSecret?: boolean;
  keyLog?: (line: string) => void;
  /** Handles each socket after its handshake; default: echo until the peer ends. */
  onSecure?: (s: TlsSocket) => void;
}

/** A running typetls server. */
export interface TypetlsServer {
  readonly port: number;
  /** Negotiated parameters of each completed handshake, in order. */
  readonly handshakes: NegotiatedParameters[];
  /** Errors of connections that failed (handshake or later), in order. */
  readonly errors: Error[];
  /** Resolves with the socket of the next handshake to complete after this call (call it before connecting). */
  nextSecure(timeoutMs?: number): Promise<TlsSocket>;
  /** Resolves with the next connection error after this call (call it before connecting). */
  nextError(timeoutMs?: number): Promise<Error>;
  stop(): Promise<void>;
}

/** Hands each pushed item to the oldest waiter; items nobody waits for are dropped. */
function queueOf<T>(): { push(x: T): void; next(timeoutMs: number, what: string): Promise<T> } {
  const waiters: Array<(x: T) => void> = [];
  return {
    push(x) {
      waiters.shift()?.(x);
    },
    next(timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((v) => {
          clearTimeout(t);
          resolve(v);
        });
      });
    },
  };
}

/** Starts a typetls TLS 1.3 server on 127.0.0.1:0. */
export async function startTypetlsServer(o: TypetlsServerOptions): Promise<TypetlsServer> {
  const config = createServerConfig({
    provider: nodeCryptoProvider,
    certificates: o.certificates,
    minVersion: o.minVersion ?? 'TLSv1.3',
    ...(o.maxVersion !== undefined ? { maxVersion: o.maxVersion } : {}),
    ...(o.requireExtendedMasterSecret !== undefined ? { requireExtendedMasterSecret: o.requireExtendedMasterSecret } : {}),
    ...(o.keyLog !== undefined ? { keyLog: o.keyLog } : {}),
    ...(o.alpn !== undefined ? { alpnProtocols: o.alpn } : {}),
    ...(o.groups !== undefined ? { groups: o.groups } : {}),
    ...(o.cipherSuites !== undefined ? { cipherSuites: o.cipherSuites } : {}),
    ...(o.resolveCertificate !== undefined ? { resolveCertificate: o.resolveCertificate } : {}),
  });
  const handshakes: NegotiatedParameters[] = [];
  const errors: Error[] = [];
  const secureQ = queueOf<TlsSocket>();
  const errorQ = queueOf<Error>();
  const onSecure = o.onSecure ?? ((s: TlsSocket) => s.pipe(s));
  const server = net.createServer((tcp) => {
    track(tcp);
    tcp.setNoDelay(true);
    tcp.on('error', () => {});
    const transport = o.byteWise ? track(byteWiseTransport(tcp)) : tcp;
    const s = track(new TlsSocket({ connection: new ServerConnection(config), transport }));
    s.on('error', (e) => {
      errors.push(e);
      errorQ.push(e);
    });
    s.once('secure', () => {
      handshakes.push(s.negotiated!);
      onSecure(s);
      secureQ.push(s);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    handshakes,
    errors,
    nextSecure: (t = 10_000) => secureQ.next(t, 'handshake'),
    nextError: (t = 10_000) => errorQ.next(t, 'connection error'),
    stop: () => new Promise<void>((resolve) => {
      destroyTypetlsSockets();
      server.close(() => resolve());
    }),
  };
}

/** Collects `s` until it has `n` bytes. */
export function collect(s: Duplex, n: number, timeoutMs = 20_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const t = setTimeout(() => done(new Error(`got ${got} of ${n} bytes in ${timeoutMs} ms`)), timeoutMs);
    const onData = (b: Buffer): void => {
      chunks.push(b);
      got += b.length;
      if (got >= n) done(null);
    };
    const onEnd = (): void => done(got >= n ? null : new Error(`stream ended after ${got} of ${n} bytes`));
    const done = (e: Error | null): void => {
      clearTimeout(t);
      s.off('data', onData);
      s.off('end', onEnd);
      s.off('error', done);
      if (e) reject(e);
      else resolve(Buffer.concat(chunks));
    };
    s.on('data', onData);
    s.once('end', onEnd);
    s.once('error', done);
  });
}
