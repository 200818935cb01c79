/**
 * Standard base64 (RFC 4648, with padding) to bytes, strictly: a signature or key that is not exactly that is
 * refused rather than read loosely. Pure and deterministic: workflow code uses it, and the workflow sandbox has
 * neither `atob` nor `Buffer`.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));

/** The bytes, or undefined when `text` is not padded standard base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let bits = 0;
  let buffer = 0;
  let out = 0;
  for (const c of text.slice(0, text.length - padding)) {
    buffer = ((buffer << 6) | (VALUES.get(c) as number)) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (out < bytes.length) bytes[out++] = (buffer >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero: otherwise two texts would name the same bytes.
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return bytes;
}
