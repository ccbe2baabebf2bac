/**
 * Public surface of the record layer (STYLE §1): types users meet in configuration and in the
 * caller-owned-buffer API. The classes themselves are internal to the engine.
 */
export type { InboundOpaqueRecord, InboundPlainRecord, RecordOpener, RecordSealer } from './record.ts';
export type { RecordPadding, Tls13OpenerOptions, Tls13SealerOptions } from './tls13-protection.ts';
export type { Tls12NonceKind, Tls12ProtectionOptions } from './tls12-protection.ts';
export type { HandshakeJoinerOptions, JoinedHandshakeMessage } from './handshake-joiner.ts';
