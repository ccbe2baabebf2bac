/**
 * What TLS 1.2 session resumption (RFC 5246 §7.3 abbreviated handshake, RFC 5077 tickets) shares
 * between client and server: the key block from a remembered master secret.
 */
import { keyBlock, type Tls12KeyBlock } from '../crypto/tls12-prf.ts';
import type { Tls12CipherSuite } from '../crypto/provider.ts';
import type { HandshakeContext } from './context.ts';

/**
 * RFC 5246 §6.3 / §7.3: a resumed session keeps its master secret; the key block comes from it
 * and this handshake's randoms. Writes the NSS key log line `CLIENT_RANDOM` for this connection.
 */
export function tls12KeysFromMaster(cx: HandshakeContext, suite: Tls12CipherSuite, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Tls12KeyBlock {
  cx.keyLog('CLIENT_RANDOM', clientRandom, master);
  // RFC 5288 §3: a 4-byte implicit salt for GCM; RFC 7905 §2: a 12-byte IV for ChaCha20.
  const fixedIvLength = suite.nonce === 'gcm-explicit' ? 4 : 12;
  return keyBlock(suite.hash, master, clientRandom, serverRandom, suite.aead.keyLength, fixedIvLength);
}

/**
 * RFC 5246 Appendix F.1.4: "an upper limit of 24 hours is suggested for session ID lifetimes".
 * Our bound on TLS 1.2 sessions on both sides, whatever a ticket's lifetime hint says.
 */
export const TLS12_MAX_SESSION_LIFETIME_SECONDS = 86400;
