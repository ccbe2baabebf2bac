/**
 * Stateful TLS 1.3 sessions on the server: the ticket is a random id and the state stays here.
 * `take` removes the entry, so each ticket resumes at most once — the single-use tickets of
 * RFC 8446 §8.1, which are what make accepting 0-RTT safe from replay.
 */

/** Where a server keeps session state by ticket id; replaceable (e.g. a shared cache). Either method may return a Promise. */
export interface ServerSessionStore {
  /** Keeps `state` under `id` (both owned by the store from now on). */
  put(id: Uint8Array, state: Uint8Array): void | PromiseLike<void>;
  /** Removes and returns the state under `id`, or null. Must never return the same entry twice. */
  take(id: Uint8Array): Uint8Array | null | PromiseLike<Uint8Array | null>;
}

export interface ServerSessionStoreOptions {
  /** Entries kept; the least recently stored is dropped first. Default 10000. */
  maxEntries?: number;
}

function key(id: Uint8Array): string {
  let s = '';
  for (let i = 0; i < id.length; i++) s += String.fromCharCode(id[i]!);
  return s;
}

/** The in-memory store: synchronous, with an entry count. */
export interface MemoryServerSessionStore extends ServerSessionStore {
  readonly size: number;
  put(id: Uint8Array, state: Uint8Array): void;
  take(id: Uint8Array): Uint8Array | null;
}

/**
 * A bounded in-memory `ServerSessionStore` (synchronous, one process).
 * @example
 * createServerConfig({ provider, certificates, sessionStore: createServerSessionStore(), maxEarlyDataSize: 16384 });
 */
export function createServerSessionStore(o: ServerSessionStoreOptions = {}): MemoryServerSessionStore {
  const max = o.maxEntries ?? 10000;
  if (!Number.isInteger(max) || max < 1) throw new RangeError('createServerSessionStore: maxEntries must be a positive integer');
  const map = new Map<string, Uint8Array>();
  return {
    get size(): number {
      return map.size;
    },
    put(id: Uint8Array, state: Uint8Array): void {
      const k = key(id);
      map.delete(k);
      map.set(k, state);
      while (map.size > max) {
        const oldest = map.keys().next();
        if (oldest.done === true) break;
        map.delete(oldest.value);
      }
    },
    take(id: Uint8Array): Uint8Array | null {
      const k = key(id);
      const v = map.get(k);
      if (v === undefined) return null;
      map.delete(k);
      return v;
    },
  };
}
