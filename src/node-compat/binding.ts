/**
 * Late binding (PLATFORM-NOTES "Being a drop-in for node:tls"): `connect`, `createServer` and
 * `createSecureContext` read `createSecureContext`, `checkServerIdentity` and the `DEFAULT_*`
 * values from the exported module object at call time, so programs that patch them are obeyed.
 * `index.ts` registers that object here; this file only holds the reference.
 */
import type { SecureContext, SecureContextOptions } from './secure-context.ts';

/** The members of the compat module that other members call through. */
export interface LateBound {
  createSecureContext(options?: SecureContextOptions): SecureContext;
  checkServerIdentity(hostname: string, cert: PeerCertificate): Error | undefined;
  DEFAULT_MIN_VERSION: string;
  DEFAULT_MAX_VERSION: string;
  DEFAULT_CIPHERS: string;
  DEFAULT_ECDH_CURVE: string;
}

/** The legacy certificate object (`getPeerCertificate()`), loosely typed as in @types/node. */
export interface PeerCertificate {
  subject?: Record<string, string | string[]>;
  issuer?: Record<string, string | string[]>;
  subjectaltname?: string;
  issuerCertificate?: PeerCertificate;
  raw?: Uint8Array;
  [key: string]: unknown;
}

let bound: LateBound | null = null;

/** Called once by index.ts with the mutable default export. */
export function bindModule(m: LateBound): void {
  bound = m;
}

/** The exported module object (throws if index.ts was bypassed: import `typetls/node-compat`). */
export function moduleObject(): LateBound {
  if (bound === null) throw new Error('typetls/node-compat: import the module through its index (typetls/node-compat)');
  return bound;
}
