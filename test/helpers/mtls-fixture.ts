/**
 * The PKI, servers and helpers the mTLS interop suites share (mtls-tls13 and mtls-tls12 run the
 * same cases at their own protocol version): an ECDSA root, a client CA, a revoked CA, client
 * leaves of three key types, revoked and wrong-EKU leaves, and CRLs (current and expired).
 */
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before } from 'node:test';
import { isTlsError, type TlsError } from '../../src/core/errors.ts';
import { startServer, type RunningServer } from '../../src/cli/server-command.ts';
import { parseServerArgs } from '../../src/cli/args.ts';
import { createServer, type ServerOptions, type TlsServer } from '../../src/node/server.ts';
import type { TlsSocket } from '../../src/node/socket.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { describeCertificate } from '../../src/webpki/index.ts';
import { trackTempDir } from './peers.ts';
import { OpenSslPki, type CertificateAuthority, type CrlMaterial, type IssuedCertificate, type KeyType } from './pki-openssl.ts';
import { destroyTypetlsSockets } from '../interop/typetls-endpoints.ts';

const DAY = 86400_000;

export interface Pki {
  pki: OpenSslPki;
  root: CertificateAuthority;
  /** Issues the client leaves. */
  clientCa: CertificateAuthority;
  /** A second intermediate, revoked by the root's CRL. */
  revokedCa: CertificateAuthority;
  server: IssuedCertificate;
  clients: Record<'ecdsa-p256' | 'ed25519' | 'rsa2048', IssuedCertificate>;
  revokedLeaf: IssuedCertificate;
  serverAuthOnly: IssuedCertificate;
  underRevokedCa: IssuedCertificate;
  rootCrl: CrlMaterial;
  clientCaCrl: CrlMaterial;
  clientCaCrlExpired: CrlMaterial;
  revokedCaCrl: CrlMaterial;
}

export interface MtlsServer {
  readonly port: number;
  readonly server: TlsServer;
  /** Handshake errors, in order. */
  readonly errors: Error[];
  nextError(timeoutMs?: number): Promise<TlsError>;
}

/**
 * Registers the suite's before/after hooks and returns its helpers; `p` is set once `before` ran.
 * `version` pins the typetls servers: TLS 1.3 only, or at most TLS 1.2.
 */
export function mtlsFixture(version: 'TLSv1.2' | 'TLSv1.3') {
  const versionOption: Pick<ServerOptions, 'minVersion' | 'maxVersion'> = version === 'TLSv1.3' ? { minVersion: 'TLSv1.3' } : { maxVersion: 'TLSv1.2' };
  const versionArgs: readonly string[] = version === 'TLSv1.2' ? ['--max-version', '1.2'] : [];
  let p!: Pki;
  const started: Array<{ close(): Promise<void> }> = [];

  before(() => {
    const pki = OpenSslPki.create();
    trackTempDir(pki.dir);
    const root = pki.makeCa({ name: 'mTLS Root', keyType: 'ecdsa-p256' });
    const clientCa = pki.makeCa({ name: 'mTLS Client CA', keyType: 'ecdsa-p256', issuer: root, pathLen: 0 });
    const revokedCa = pki.makeCa({ name: 'mTLS Revoked CA', keyType: 'ecdsa-p256', issuer: root, pathLen: 0 });
    const server = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', name: 'localhost', sans: ['DNS:localhost', 'IP:127.0.0.1'], eku: ['serverAuth'] });
    const leaf = (issuer: CertificateAuthority, keyType: KeyType, name: string, eku: 'clientAuth' | 'serverAuth' = 'clientAuth') =>
      pki.makeCertificate({ issuer, keyType, name, sans: [`DNS:${name}.test`], eku: [eku] });
    const clients = {
      'ecdsa-p256': leaf(clientCa, 'ecdsa-p256', 'client-ecdsa'),
      'ed25519': leaf(clientCa, 'ed25519', 'client-ed25519'),
      'rsa2048': leaf(clientCa, 'rsa2048', 'client-rsa'),
    };
    const revokedLeaf = leaf(clientCa, 'ecdsa-p256', 'client-revoked');
    const serverAuthOnly = leaf(clientCa, 'ecdsa-p256', 'client-serverauth-only', 'serverAuth');
    const underRevokedCa = leaf(revokedCa, 'ecdsa-p256', 'client-under-revoked-ca');
    pki.revoke(revokedLeaf, 'keyCompromise');
    pki.revoke(revokedCa, 'CACompromise');
    const now = Date.now();
    p = {
      pki, root, clientCa, revokedCa, server, clients, revokedLeaf, serverAuthOnly, underRevokedCa,
      rootCrl: pki.makeCrl(root),
      clientCaCrl: pki.makeCrl(clientCa),
      clientCaCrlExpired: pki.makeCrl(clientCa, { lastUpdate: new Date(now - 10 * DAY), nextUpdate: new Date(now - DAY) }),
      revokedCaCrl: pki.makeCrl(revokedCa),
    };
  });

  after(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
    destroyTypetlsSockets();
    p.pki.cleanup();
  });

  /** PEM of a leaf followed by its issuing intermediate (what a client sends). */
  function chainPem(c: IssuedCertificate): string {
    return c.certPem + c.issuer!.certPem;
  }

  function chainFile(c: IssuedCertificate): string {
    return p.pki.bundle(`chain-${c.serial}.pem`, [c.issuer!.certPem]);
  }

  // ---------------------------------------------------------------------------------------------
  // typetls server side


  /** Waits for the next 'tlsClientError' of `server`. */
  function nextTlsClientError(server: TlsServer, timeoutMs = 10_000): Promise<TlsError> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no tlsClientError within ${timeoutMs} ms`)), timeoutMs);
      server.once('tlsClientError', (e: unknown) => {
        clearTimeout(t);
        if (isTlsError(e)) resolve(e);
        else reject(new Error(`tlsClientError is not a TlsError: ${String(e)}`));
      });
    });
  }

  /**
   * A typetls server (node adapter) that answers every request with the client certificate's
   * subject (via describeCertificate), or `client certificate: none`.
   */
  async function adapterServer(o: Omit<ServerOptions, 'cert' | 'key'>): Promise<MtlsServer> {
    const server = createServer({ cert: p.server.certPem, key: p.server.keyPem, ...versionOption, ...o }, (s: TlsSocket) => {
      const chain = s.negotiated!.peerCertificates;
      const who = chain.length === 0 ? 'none' : describeCertificate(chain[0]!, nodeCryptoProvider.hashes.sha256).subject;
      s.on('error', () => {});
      s.end(`client certificate: ${who}\n`);
    });
    const errors: Error[] = [];
    server.on('tlsClientError', (e: Error) => errors.push(e));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    started.push({ close });
    return { port: (server.address() as AddressInfo).port, server, errors, nextError: (t) => nextTlsClientError(server, t) };
  }

  /** The `typetls server` CLI code (http mode), with files from the test PKI. */
  async function cliServer(extra: readonly string[]): Promise<RunningServer & { stderr: () => string }> {
    let err = '';
    const stderr = new PassThrough();
    stderr.on('data', (b: Buffer) => { err += b.toString('utf8'); });
    const stdout = new PassThrough();
    stdout.resume();
    const args = parseServerArgs(['--cert', p.server.certPath, '--key', p.server.keyPath, '--port', '0', '--mode', 'http', ...versionArgs, ...extra]);
    const { readFileSync } = await import('node:fs');
    const running = await startServer(args, { stdout, stderr, stdin: () => new PassThrough(), readFile: (f) => readFileSync(f), env: {} });
    started.push(running);
    return { ...running, stderr: () => err };
  }

  return {
    get p(): Pki { return p; },
    chainPem, chainFile, nextTlsClientError, adapterServer, cliServer,
    /** Closes `c` when the suite ends. */
    track: (...c: Array<{ close(): Promise<void> }>): void => { started.push(...c); },
  };
}
