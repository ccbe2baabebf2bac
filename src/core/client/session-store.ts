/**
 * Client-side TLS 1.3 session tickets (RFC 8446 §2.2, §4.6.1) and where they are kept.
 *
 * RFC 8446 Appendix C.4: "Clients SHOULD NOT reuse a ticket for multiple connections", so a
 * store hands a ticket out exactly once: `take` removes it. A server normally sends several
 * tickets per connection (OpenSSL and rustls send 2), which lets several later connections
 * resume.
 */

/** One TLS 1.3 ticket and what resuming with it needs. Contains a secret (`psk`). */
export interface Tls13ClientSession {
  /** The key the session is stored under: the server name the connection was made to. */
  readonly serverName: string;
  /** The cipher suite (code point) of the connection that got the ticket. */
  readonly cipherSuite: number;
  /** The opaque ticket (the PSK identity, §4.2.11). */
  readonly ticket: Uint8Array;
  /** PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
  readonly psk: Uint8Array;
  /** ticket_age_add (§4.6.1): added mod 2^32 to the age we send. */
  readonly ticketAgeAdd: number;
  /** ticket_lifetime in seconds (at most 604800). */
  readonly lifetimeSeconds: number;
  /** When the ticket arrived, ms since the Unix epoch (the config's clock). */
  readonly receivedAt: number;
  /** max_early_data_size from the ticket's early_data extension (§4.2.10); 0 = no 0-RTT. */
  readonly maxEarlyDataSize: number;
  /** The ALPN protocol of the original connection, or null; 0-RTT must use the same (§4.2.10). */
  readonly alpn: string | null;
  /** The server's certificate chain of the original connection (resumption re-uses its authentication). */
  readonly peerCertificates: readonly Uint8Array[];
}

/**
 * Where a client keeps tickets, keyed by server name. Replaceable by the user; either method
 * may return a Promise (the connection parks until it settles).
 */
export interface ClientSessionStore {
  /** Keeps a ticket for `serverName`. */
  put(serverName: string, session: Tls13ClientSession): void | PromiseLike<void>;
  /** Removes and returns one ticket for `serverName` (the newest), or null. Never returns a ticket twice. */
  take(serverName: string): Tls13ClientSession | null | PromiseLike<Tls13ClientSession | null>;
}

export interface ClientSessionStoreOptions {
  /** Server names remembered; the least recently used is dropped first. Default 256. */
  maxServers?: number;
  /** Tickets kept per server name; the oldest is dropped first. Default 8. */
  maxTicketsPerServer?: number;
}

/** The in-memory store: synchronous, with a ticket count. */
export interface MemoryClientSessionStore extends ClientSessionStore {
  /** Tickets held. */
  readonly size: number;
  put(serverName: string, session: Tls13ClientSession): void;
  take(serverName: string): Tls13ClientSession | null;
}

/**
 * An in-memory, bounded LRU `ClientSessionStore` (synchronous).
 * @example
 * const config = createClientConfig({ provider, verifier, sessionStore: createClientSessionStore() });
 */
export function createClientSessionStore(o: ClientSessionStoreOptions = {}): MemoryClientSessionStore {
  const maxServers = o.maxServers ?? 256;
  const maxTickets = o.maxTicketsPerServer ?? 8;
  if (!Number.isInteger(maxServers) || maxServers < 1 || !Number.isInteger(maxTickets) || maxTickets < 1) {
    throw new RangeError('createClientSessionStore: maxServers and maxTicketsPerServer must be positive integers');
  }
  // A Map iterates in insertion order: re-inserting on use makes the first key the LRU one.
  const byServer = new Map<string, Tls13ClientSession[]>();
  return {
    get size(): number {
      let n = 0;
      for (const l of byServer.values()) n += l.length;
      return n;
    },
    put(serverName: string, session: Tls13ClientSession): void {
      let list = byServer.get(serverName);
      if (list !== undefined) byServer.delete(serverName);
      else list = [];
      list.push(session);
      if (list.length > maxTickets) list.shift();
      byServer.set(serverName, list);
      while (byServer.size > maxServers) {
        const oldest = byServer.keys().next();
        if (oldest.done === true) break;
        byServer.delete(oldest.value);
      }
    },
    take(serverName: string): Tls13ClientSession | null {
      const list = byServer.get(serverName);
      if (list === undefined) return null;
      const s = list.pop() ?? null;
      byServer.delete(serverName);
      if (list.length > 0) byServer.set(serverName, list);
      return s;
    },
  };
}
