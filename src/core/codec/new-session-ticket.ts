/** TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1). The RFC 5077 one is in tls12.ts. */
import { ExtensionType, HandshakeType } from './codepoints.ts';
import {
  type ExtensionBookkeeping,
  ExtensionContext,
  noteExtension,
  readExtensionBody,
  writeExtensionsInOrder,
} from './extensions.ts';
import { endHandshake, startHandshake } from './handshake.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

const E = ExtensionType;

/** NewSessionTicket extensions. Clients "MUST ignore unrecognized extensions" (§4.6.1): `unknown` is informational. */
export interface NewSessionTicketExtensions extends ExtensionBookkeeping {
  /** §4.2.10 EarlyDataIndication.max_early_data_size. */
  earlyData: number | null;
  /** Types in `others`. Decode only. */
  unknown: number[];
}

/** RFC 8446 §4.6.1 NewSessionTicket. Views alias the message: `slice()` what you store. */
export interface NewSessionTicket {
  /** Seconds, at most 604800 (7 days): the engine enforces the bound. */
  ticketLifetime: number;
  ticketAgeAdd: number;
  /** ticket_nonce<0..255>. */
  ticketNonce: Uint8Array;
  /** ticket<1..2^16-1>. */
  ticket: Uint8Array;
  extensions: NewSessionTicketExtensions;
}

/** A NewSessionTicketExtensions with nothing set. */
export function emptyNewSessionTicketExtensions(): NewSessionTicketExtensions {
  return { earlyData: null, order: [], others: [], unknown: [] };
}

/**
 * Decodes a NewSessionTicket body. The result aliases `body`.
 * @throws ERR_TLS_DECODE_* (decode_error); ERR_TLS_DECODE_DUPLICATE_EXTENSION,
 *   ERR_TLS_PEER_MISPLACED_EXTENSION (illegal_parameter).
 */
export function decodeNewSessionTicket(body: Uint8Array): NewSessionTicket {
  const r = new Reader(body);
  const ticketLifetime = r.u32('NewSessionTicket.ticket_lifetime');
  const ticketAgeAdd = r.u32('NewSessionTicket.ticket_age_add');
  const ticketNonce = r.opaque8('NewSessionTicket.ticket_nonce', 0, 0xff);
  const ticket = r.opaque16('NewSessionTicket.ticket', 1, 0xffff);
  const ext = emptyNewSessionTicketExtensions();
  // §4.6.1: Extension extensions<0..2^16-2>.
  const block = r.vec16('NewSessionTicket.extensions', 0, 0xfffe);
  while (block.remaining() > 0) {
    const type = block.u16('Extension.extension_type');
    const b = readExtensionBody(block, type);
    noteExtension(ext.order, type, ExtensionContext.NewSessionTicket);
    if (type === E.EarlyData) {
      ext.earlyData = b.u32('max_early_data_size');
      b.finish('early_data');
    } else {
      ext.others.push({ type, body: b.rest() });
      ext.unknown.push(type);
    }
  }
  block.finish('NewSessionTicket.extensions');
  r.finish('NewSessionTicket');
  return { ticketLifetime, ticketAgeAdd, ticketNonce, ticket, extensions: ext };
}

function writeField(w: Writer, ext: NewSessionTicketExtensions, type: number): boolean {
  if (type !== E.EarlyData || ext.earlyData === null) return false;
  w.u16(type).u16(4).u32(ext.earlyData);
  return true;
}

const canonicalOrder: readonly number[] = [E.EarlyData];

/** Encodes a complete NewSessionTicket (header included). */
export function encodeNewSessionTicket(w: Writer, t: NewSessionTicket): void {
  const m = startHandshake(w, HandshakeType.NewSessionTicket);
  w.u32(t.ticketLifetime).u32(t.ticketAgeAdd).opaque8(t.ticketNonce).opaque16(t.ticket);
  const block = w.start16();
  writeExtensionsInOrder(w, t.extensions, canonicalOrder, writeField, 'NewSessionTicket');
  w.end16(block);
  endHandshake(w, m);
}
