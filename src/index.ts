/**
 * typetls: TLS 1.2/1.3 in TypeScript. The package root gathers what most programs need: the
 * sans-I/O engine (`typetls/core`), the Node adapter (`typetls/node`), the node:crypto
 * provider and the standard certificate verifiers. The subpath exports hold the rest.
 * @example
 * import { connect } from 'typetls';
 * const socket = connect({ host: 'example.com', port: 443 }, () => socket.end('GET / HTTP/1.0\r\nHost: example.com\r\n\r\n'));
 */
export * from './core/index.ts';
export * from './node/index.ts';
export { nodeCryptoProvider, createNodeProvider, type NodeProviderOptions } from './providers/node/index.ts';
export {
  createServerVerifier,
  createClientVerifier,
  verifyCertificateChain,
  type ServerVerifierOptions,
  type ClientVerifierOptions,
  type ChainVerificationOptions,
} from './webpki/index.ts';
