/**
 * typetls/node-compat: a drop-in for Node's `tls` module over typetls (issue 6).
 *
 * The default export is one mutable object holding every member (as `require('node:tls')`),
 * so programs can alias `tls` to it and patch members: `connect`, `createServer` and
 * `createSecureContext` call `createSecureContext`, `checkServerIdentity` and the `DEFAULT_*`
 * values through it at call time. Named exports are the same functions. Importing has no side
 * effects (no globals; `rootCertificates` is a frozen, read-only property).
 *
 * @example
 * import tls from 'typetls/node-compat';
 * const socket = tls.connect({ host: 'example.com', port: 443, servername: 'example.com' }, () => {
 *   console.log(socket.authorized, socket.getProtocol(), socket.getCipher());
 * });
 */
import * as nodeTls from 'node:tls';
import { bindModule } from './binding.ts';
import { supportedCipherNames } from './ciphers.ts';
import { connect } from './connect.ts';
import { checkServerIdentity } from './identity.ts';
import { Agent, createConnection, typetlsConnector } from './integrations.ts';
import { createSecureContext, SecureContext } from './secure-context.ts';
import { createServer, Server } from './server.ts';
import { TLSSocket } from './tls-socket.ts';
import { nodeCryptoProvider } from '../providers/node/index.ts';

/** Lower-case names of the suites typetls implements (node:tls `getCiphers()` style). */
export function getCiphers(): string[] {
  return supportedCipherNames(nodeCryptoProvider).map((n) => n.toLowerCase());
}

/** The shape of the module object. */
export interface NodeCompatModule {
  connect: typeof connect;
  createServer: typeof createServer;
  Server: typeof Server;
  TLSSocket: typeof TLSSocket;
  SecureContext: typeof SecureContext;
  createSecureContext: typeof createSecureContext;
  checkServerIdentity: typeof checkServerIdentity;
  getCiphers: typeof getCiphers;
  readonly rootCertificates: readonly string[];
  DEFAULT_MIN_VERSION: string;
  DEFAULT_MAX_VERSION: string;
  DEFAULT_CIPHERS: string;
  DEFAULT_ECDH_CURVE: string;
  CLIENT_RENEG_LIMIT: number;
  CLIENT_RENEG_WINDOW: number;
  Agent: typeof Agent;
  typetlsConnector: typeof typetlsConnector;
  createConnection: typeof createConnection;
}

const tls = {
  connect,
  createServer,
  Server,
  TLSSocket,
  SecureContext,
  createSecureContext,
  checkServerIdentity,
  getCiphers,
  DEFAULT_MIN_VERSION: 'TLSv1.2',
  DEFAULT_MAX_VERSION: 'TLSv1.3',
  // Node's default list (typetls implements its ECDHE-AEAD and TLS 1.3 members).
  DEFAULT_CIPHERS: nodeTls.DEFAULT_CIPHERS,
  DEFAULT_ECDH_CURVE: 'auto',
  CLIENT_RENEG_LIMIT: 3,
  CLIENT_RENEG_WINDOW: 600,
  Agent,
  typetlsConnector,
  createConnection,
} as Omit<NodeCompatModule, 'rootCertificates'> as NodeCompatModule;

// As node:tls: an enumerable getter, no setter, not configurable; the array is frozen.
Object.defineProperty(tls, 'rootCertificates', {
  get: () => nodeTls.rootCertificates,
  enumerable: true,
  configurable: false,
});

bindModule(tls);

export default tls;
export {
  connect, createServer, Server, TLSSocket, SecureContext, createSecureContext, checkServerIdentity,
  Agent, typetlsConnector, createConnection,
};
export type { ConnectionOptions } from './connect.ts';
export type { TlsOptions } from './server.ts';
export type { TLSSocketOptions, SNICallback } from './tls-socket.ts';
export type { SecureContextOptions } from './secure-context.ts';
export type { TypetlsConnectorOptions, UndiciConnectOptions } from './integrations.ts';
export type { PeerCertificate } from './binding.ts';
/** The root certificates node:tls trusts by default (frozen). */
export const rootCertificates: readonly string[] = nodeTls.rootCertificates;
export const DEFAULT_MIN_VERSION = 'TLSv1.2';
export const DEFAULT_MAX_VERSION = 'TLSv1.3';
export const DEFAULT_CIPHERS: string = nodeTls.DEFAULT_CIPHERS;
export const DEFAULT_ECDH_CURVE = 'auto';
