import { randomBytes } from 'node:crypto';
import { base64Length, writeBase64 } from './base64-into.js';

/**
 * An image sent inline as a base64 data URL. It stays bytes until the request is written: a 640×480 photo is a
 * ~110 KB data URL, and going through `JSON.stringify` (which scans every character for escapes and copies it)
 * and then `Buffer.from(text)` (UTF-8 encoding, a second scan and copy) cost more of the main thread at -c 64
 * than anything else photobatch does per photo (bench 9's profile: ~0.9 ms a photo). Base64 needs no JSON
 * escaping, so `encodeJsonBody` writes it straight between the quotes.
 *
 * `toJSON` and `toString` give the data URL, so a body holding one still serializes correctly anywhere else (a
 * library user's own sender, a log).
 */
export class InlineImage {
  constructor(readonly mime: string, readonly bytes: Buffer) {
    // The MIME type is written between JSON quotes unescaped: only a plain type/subtype is allowed.
    if (!/^[a-z]+\/[a-z0-9.+-]+$/i.test(mime)) throw new TypeError(`Not a MIME type: ${mime}`);
  }

  /** `data:<mime>;base64,`: what comes before the base64 in the URL. */
  get urlPrefix(): string {
    return `data:${this.mime};base64,`;
  }

  get dataUrl(): string {
    return this.urlPrefix + this.bytes.toString('base64');
  }

  toJSON(): string {
    return this.dataUrl;
  }

  toString(): string {
    return this.dataUrl;
  }
}

/**
 * Placeholders stand where the images go while the rest of the body is stringified. The nonce is random per
 * process, so no string a user writes (a prompt, a schema) can be mistaken for one.
 */
const NONCE = `\u2063pb-image-${randomBytes(12).toString('hex')}-`;

/** The request body as UTF-8 JSON bytes, byte for byte what `Buffer.from(JSON.stringify(body))` would give. */
export function encodeJsonBody(body: unknown): Buffer {
  const images: InlineImage[] = [];
  const text = JSON.stringify(swapImages(body, images));
  if (images.length === 0) return Buffer.from(text, 'utf8');
  // Each placeholder is found by its own index: the order JSON.stringify writes keys in is not ours to assume.
  const spots = images.map((image, i) => {
    const token = JSON.stringify(NONCE + i);
    const at = text.indexOf(token);
    if (at < 0 || text.indexOf(token, at + 1) >= 0) throw new Error('encodeJsonBody: an image placeholder was lost');
    return { at, end: at + token.length, image };
  }).sort((a, b) => a.at - b.at);

  const pieces: (string | InlineImage)[] = [];
  let from = 0;
  for (const s of spots) {
    pieces.push(text.slice(from, s.at), s.image);
    from = s.end;
  }
  pieces.push(text.slice(from));
  const sizes = pieces.map((p) => (typeof p === 'string' ? Buffer.byteLength(p, 'utf8') : quotedLength(p)));
  const total = sizes.reduce((a, b) => a + b, 0);
  // The first image's base64 starts on a 4-byte boundary of the memory, for writeBase64's fast path.
  const firstBase64 = sizes[0]! + prefixOf(spots[0]!.image).length;
  const out = Buffer.from(new ArrayBuffer(total + 3), (4 - (firstBase64 % 4)) % 4, total);
  let at = 0;
  for (const p of pieces) {
    if (typeof p === 'string') at += out.write(p, at, 'utf8');
    else at = writeQuoted(out, at, p);
  }
  return out;
}

/** A copy of the body's objects and arrays with each InlineImage replaced by its placeholder. Other values are shared. */
function swapImages(value: unknown, images: InlineImage[]): unknown {
  if (value instanceof InlineImage) {
    images.push(value);
    return NONCE + (images.length - 1);
  }
  if (Array.isArray(value)) return value.map((v) => swapImages(v, images));
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  // An object with its own toJSON (a Date) serializes as it says; only plain data is walked.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) copy[k] = swapImages(v, images);
  return copy;
}

const prefixOf = (image: InlineImage) => `"${image.urlPrefix}`;

function quotedLength(image: InlineImage): number {
  return prefixOf(image).length + base64Length(image.bytes.length) + 1;
}

function writeQuoted(out: Buffer, at: number, image: InlineImage): number {
  at += out.write(prefixOf(image), at, 'latin1');
  at = writeBase64(out, at, image.bytes);
  out[at] = 0x22; // closing quote
  return at + 1;
}
