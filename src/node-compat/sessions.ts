/**
 * Session resumption for typetls/node-compat (node:tls' session API over the engine's TLS 1.3
 * resumption, RFC 8446 §2.2):
 * - client: each NewSessionTicket becomes a `'session'` event with a Buffer (the engine's
 *   `encodeClientSession`: SECRET, it holds the resumption PSK), `getSession()` returns the
 *   newest, and `connect({ session })` offers it again;
 * - server: `ticketKeys` (48 bytes, node's size) key the engine's stateless ticketer (one
 *   32-byte AEAD key derived from them, so servers given the same keys resume each other's
 *   tickets); with `'newSession'` listeners tickets become ids of state handed to the app, and
 *   `'resumeSession'` looks them up (node:tls' external session cache).
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { ClientSessionStore, Tls13ClientSession } from '../core/client/session-store.ts';
import type { CryptoProvider } from '../core/crypto/provider.ts';
import type { ServerSessionStore } from '../core/server/session-store.ts';
import { createTicketer, type RotatingTicketer } from '../core/server/ticketer.ts';

/**
 * A per-connection client store: `take` hands out the session given to `connect()` once (only
 * for the server name it was issued for, RFC 8446 §4.6.1 / C.4); `put` reports each new ticket.
 */
export class CompatClientSessions implements ClientSessionStore {
  private offered: Tls13ClientSession | null;
  private readonly onSession: (session: Tls13ClientSession) => void;
  /** Called before a given session is offered; false drops it (e.g. its certificate no longer verifies). */
  private readonly accept: (session: Tls13ClientSession) => boolean;

  constructor(given: Tls13ClientSession | null, onSession: (session: Tls13ClientSession) => void, accept: (session: Tls13ClientSession) => boolean) {
    this.offered = given;
    this.onSession = onSession;
    this.accept = accept;
  }

  put(_serverName: string, session: Tls13ClientSession): void {
    this.onSession(session);
  }

  take(serverName: string): Tls13ClientSession | null {
    const s = this.offered;
    this.offered = null;
    if (s === null || s.serverName !== serverName) return null;
    return this.accept(s) ? s : null;
  }
}

/** The 32-byte ticketer key derived from node's 48-byte `ticketKeys` (SHA-256 with a label). */
function ticketKeyFrom(keys: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update('typetls node-compat ticket key\0').update(keys).digest());
}

/** The engine's stateless ticketer keyed by node-style 48-byte ticket keys. */
export function compatTicketer(provider: CryptoProvider, keys: Uint8Array): RotatingTicketer {
  return createTicketer({ provider, keys: [ticketKeyFrom(keys)] });
}

/** Re-keys a ticketer from 48-byte keys (tickets sealed under the previous keys no longer open, as in node). */
export function setCompatTicketKeys(t: RotatingTicketer, keys: Uint8Array): void {
  t.setKeys([ticketKeyFrom(keys)]);
}

/** What a tls.Server looks like to the session events. */
export interface SessionEventTarget {
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

/**
 * node:tls `'newSession'(id, data, done)` / `'resumeSession'(id, cb(err, data))` as a
 * `ServerSessionStore`. The engine waits for `done` before it sends the ticket, as node does.
 * Null when the server has no `'newSession'` listener (stateless tickets then).
 */
export function eventSessionStore(server: SessionEventTarget): ServerSessionStore | null {
  if (server.listenerCount('newSession') === 0) return null;
  return {
    put(id: Uint8Array, state: Uint8Array): Promise<void> {
      return new Promise<void>((resolve) => {
        server.emit('newSession', Buffer.from(id), Buffer.from(state), () => resolve());
      });
    },
    take(id: Uint8Array): Uint8Array | null | Promise<Uint8Array | null> {
      if (server.listenerCount('resumeSession') === 0) return null;
      return new Promise<Uint8Array | null>((resolve) => {
        // node: an error or no data means a full handshake, not a failure.
        server.emit('resumeSession', Buffer.from(id), (err: Error | null, data?: Uint8Array | null) => {
          resolve(err || data === undefined || data === null || !ArrayBuffer.isView(data) ? null : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
        });
      });
    },
  };
}
