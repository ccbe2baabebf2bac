// Differential test harness: the same scenario runs against node:tls and typetls/node-compat.
import assert from 'node:assert/strict';
import * as nodeTls from 'node:tls';
import type { AddressInfo } from 'node:net';
import compat from '../../src/node-compat/index.ts';
import { OpenSslPki, type CertificateAuthority, type IssuedCertificate } from '../helpers/pki-openssl.ts';

/** The subset of the tls module API the tests use (both implementations satisfy it at runtime). */
export interface TlsModule {
  connect(options: Record<string, unknown>, cb?: () => void): AnySocket;
  createServer(options: Record<string, unknown>, listener?: (s: AnySocket) => void): AnyServer;
  createSecureContext(options: Record<string, unknown>): unknown;
  TLSSocket: new (socket: unknown, options: Record<string, unknown>) => AnySocket;
  checkServerIdentity: unknown;
}

/** A TLS socket of either implementation (typed loosely: the tests compare behaviour). */
export type AnySocket = nodeTls.TLSSocket;
export type AnyServer = nodeTls.Server;

export const impls: ReadonlyArray<{ readonly name: string; readonly tls: TlsModule }> = [
  { name: 'node:tls', tls: nodeTls as unknown as TlsModule },
  { name: 'typetls/node-compat', tls: compat as unknown as TlsModule },
];

export interface Pki {
  pki: OpenSslPki;
  root: CertificateAuthority;
  otherRoot: CertificateAuthority;
  otherInt: CertificateAuthority;
  int: CertificateAuthority;
  good: IssuedCertificate;
  underInt: IssuedCertificate;
  underOtherRoot: IssuedCertificate;
  underOtherInt: IssuedCertificate;
  selfSigned: CertificateAuthority;
  expired: IssuedCertificate;
  notYetValid: IssuedCertificate;
  clientAuthOnly: IssuedCertificate;
  revoked: IssuedCertificate;
  rsa: IssuedCertificate;
  alt: IssuedCertificate;
  client: IssuedCertificate;
  clientUnderOtherRoot: IssuedCertificate;
  rootCrl: string;
}

const DAY = 86400_000;

/** Builds the PKI once per test file (openssl CLI); `pki.cleanup()` in `after`. */
export function makePki(): Pki {
  const pki = OpenSslPki.create();
  const sans = ['DNS:localhost', 'IP:127.0.0.1'];
  const root = pki.makeCa({ name: 'Compat Root', keyType: 'ecdsa-p256' });
  const int = pki.makeCa({ name: 'Compat Int', keyType: 'ecdsa-p256', issuer: root });
  const otherRoot = pki.makeCa({ name: 'Other Root', keyType: 'ecdsa-p256' });
  const otherInt = pki.makeCa({ name: 'Other Int', keyType: 'ecdsa-p256', issuer: otherRoot });
  const leaf = (issuer: CertificateAuthority, extra: Record<string, unknown> = {}): IssuedCertificate =>
    pki.makeCertificate({ issuer, keyType: 'ecdsa-p256', sans, eku: ['serverAuth'], ...extra });
  const now = Date.now();
  const selfSigned = pki.makeCa({
    name: 'localhost', keyType: 'ecdsa-p256', basicConstraints: 'critical,CA:false', keyUsage: 'digitalSignature',
    eku: ['serverAuth'], extraExtensions: ['subjectAltName = DNS:localhost,IP:127.0.0.1'],
  });
  const revoked = leaf(root);
  pki.revoke(revoked);
  return {
    pki, root, int, otherRoot, otherInt, selfSigned, revoked,
    good: leaf(root),
    underInt: leaf(int),
    underOtherRoot: leaf(otherRoot),
    underOtherInt: leaf(otherInt),
    expired: leaf(root, { notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }),
    notYetValid: leaf(root, { notBefore: new Date(now + DAY), notAfter: new Date(now + 30 * DAY) }),
    clientAuthOnly: leaf(root, { eku: ['clientAuth'] }),
    rsa: pki.makeCertificate({ issuer: root, keyType: 'rsa2048', sans, eku: ['serverAuth'] }),
    alt: pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:alt.test'], eku: ['serverAuth'] }),
    client: pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', name: 'client', sans: ['DNS:client.test'], eku: ['clientAuth'] }),
    clientUnderOtherRoot: pki.makeCertificate({ issuer: otherRoot, keyType: 'ecdsa-p256', name: 'client2', sans: ['DNS:client2.test'], eku: ['clientAuth'] }),
    rootCrl: pki.makeCrl(root).crlPem,
  };
}

/** Listens on 127.0.0.1:0 and returns the port. */
export function listen(server: { listen(port: number, host: string, cb: () => void): unknown; address(): unknown }): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Closes a server, destroying what is still connected. */
export function close(server: { close(cb: () => void): unknown; closeAllConnections?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}

/** What a client connection ended with. */
export interface Outcome {
  ok: boolean;
  code: string | undefined;
  authorized: boolean | undefined;
  authorizationError: string | null | undefined;
}

/** Connects, waits for secureConnect or error, destroys the socket. */
export function outcome(tls: TlsModule, options: Record<string, unknown>): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = tls.connect(options, () => {
      resolve({ ok: true, code: undefined, authorized: s.authorized, authorizationError: (s.authorizationError as unknown as string | null) ?? null });
      s.destroy();
    });
    s.on('error', (e: Error & { code?: string }) => resolve({ ok: false, code: e.code, authorized: undefined, authorizationError: undefined }));
  });
}

/** Reads everything until 'end'. */
export function readToEnd(s: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
  });
}

/** The error code `f` throws, or undefined (what it returns is destroyed quietly). */
export function codeOf(f: () => unknown): string | undefined {
  try {
    const r = f() as { destroy?: () => void; on?: (e: string, l: () => void) => void } | undefined;
    r?.on?.('error', () => {});
    r?.destroy?.();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

/** Runs `f` against node:tls and typetls/node-compat: node:tls must throw, and with the same code. */
export function assertSameThrowCode(f: (tls: TlsModule) => unknown): void {
  const [node, ours] = impls.map((i) => codeOf(() => f(i.tls)));
  assert.notEqual(node, undefined, 'node:tls throws');
  assert.equal(ours, node);
}
