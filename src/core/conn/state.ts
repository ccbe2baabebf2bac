/**
 * The handshake state machine's contracts (STYLE §2). Each state takes one handshake message and
 * returns the next state, or a `Blocked` that parks the connection until a user callback's
 * Promise settles. Nothing in core awaits: the connection resumes on the next
 * `processNewPackets()` after the Promise settled.
 */
import type { HandshakeMessage } from '../codec/handshake.ts';
import { isPromiseLike } from '../util.ts';
import type { HandshakeContext } from './context.ts';

export interface HandshakeState {
  /** For messages and debugging: `ExpectServerHello`, ... */
  readonly name: string;
  /** True once the handshake is complete (post-handshake states). */
  readonly established: boolean;
  handle(cx: HandshakeContext, m: HandshakeMessage): Step;
}

/** What a state returns: the next state, or a pending user callback. */
export type Step = HandshakeState | Blocked<unknown>;

/**
 * A user callback returned a Promise. `resume` builds the next step from its value; it runs
 * inside the engine with the same error handling as `handle`.
 */
export class Blocked<T> {
  readonly promise: PromiseLike<T>;
  readonly resume: (cx: HandshakeContext, value: T) => Step;
  constructor(promise: PromiseLike<T>, resume: (cx: HandshakeContext, value: T) => Step) {
    this.promise = promise;
    this.resume = resume;
  }
}

/**
 * Runs `then` on a callback's result now when it is a plain value, or parks on it when it is a
 * Promise. This is how every user callback is called from a state.
 */
export function withResult<T>(cx: HandshakeContext, result: T | PromiseLike<T>, then: (cx: HandshakeContext, value: T) => Step): Step {
  // The engine passes the settled value back to `then`; T is erased in the slot.
  if (isPromiseLike(result)) return new Blocked<unknown>(result, then as (cx: HandshakeContext, value: unknown) => Step);
  return then(cx, result);
}
