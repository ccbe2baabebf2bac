/**
 * typetls/node: the Node adapter. `connect()` and `createServer()` over `TlsSocket`, a Duplex
 * driving the sans-I/O engine; PEM helpers; trust stores (Node's bundled roots, the platform store).
 */
export { TlsSocket, type TlsSocketOptions } from './socket.ts';
export { connect, createClientConnectConfig, keyLogFromEnv, type ConnectOptions } from './connect.ts';
export { createServer, createServerListenConfig, TlsServer, type ServerOptions, type CertificateKeyPair } from './server.ts';
export { decodePem, encodePem, readCertificates, type PemBlock, type PemInput } from './pem.ts';
export {
  bundledRoots, systemRoots, trustAnchors, loadSystemRoots, systemBundleFiles, systemCertDirectories,
  type TrustStoreName, type SystemRootsOptions, type SystemRootsResult,
} from './trust-store.ts';
