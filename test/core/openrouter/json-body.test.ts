import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { encodeJsonBody, InlineImage } from '../../../src/core/send/openrouter/json-body.js';
import { buildChatBody } from '../../../src/core/prompt/request-body.js';

/** What the request used to be: the data URL as a string, stringified, UTF-8 encoded. */
const reference = (body: unknown) => Buffer.from(JSON.stringify(body), 'utf8');

describe('encodeJsonBody: images written as bytes, the JSON unchanged', () => {
  it('gives byte for byte what JSON.stringify gave, for a photo of every length mod 3', () => {
    for (const n of [0, 1, 2, 3, 1000, 80_001, 80_002]) {
      const jpeg = randomBytes(n);
      const body = buildChatBody({ model: 'google/gemini-2.5-flash', fallbackModels: ['openai/gpt-4o'], maxTokens: 300, extra: { provider: { sort: 'price' } } }, 'Caption "this" — Nguyễn 😀 \u0000 \\', jpeg);
      const asString = JSON.parse(JSON.stringify(body));
      expect(asString.messages[0].content[1].image_url.url).toBe(`data:image/jpeg;base64,${jpeg.toString('base64')}`);
      expect(encodeJsonBody(body).equals(reference(asString))).toBe(true);
    }
  });

  it('places several images by where JSON puts them, whatever the key order, and shares nothing with the caller', () => {
    const a = new InlineImage('image/png', Buffer.from('first'));
    const b = new InlineImage('image/jpeg', Buffer.from('second'));
    const body = { 10: b, z: [a, { deep: [b] }], a: 'text with "pb-image-" in it', when: new Date(0), none: undefined };
    expect(encodeJsonBody(body).toString('utf8')).toBe(JSON.stringify(body));
    expect(body.z[0]).toBe(a);
  });

  it('bodies without an image are plain JSON', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'héllo' }], max_tokens: 5 };
    expect(encodeJsonBody(body).equals(reference(body))).toBe(true);
  });

  it('refuses a MIME type that would need escaping inside the JSON string', () => {
    expect(() => new InlineImage('image/jpeg"', Buffer.alloc(1))).toThrow(TypeError);
  });
});

describe('writeBase64', () => {
  it('is Buffer#toString("base64") at every alignment and length, fast path or not', async () => {
    const { writeBase64, base64Length } = await import('../../../src/core/send/openrouter/base64-into.js');
    for (let n = 0; n < 40; n++) {
      for (const extra of [0, 1, 2, 3, 4097]) {
        const src = randomBytes(n + extra);
        for (let shift = 0; shift < 4; shift++) {
          const out = Buffer.from(new ArrayBuffer(base64Length(src.length) + 8), shift, base64Length(src.length) + 4);
          for (let at = 0; at < 4; at++) {
            out.fill(0);
            const end = writeBase64(out, at, src);
            expect(end - at).toBe(base64Length(src.length));
            expect(out.toString('latin1', at, end)).toBe(src.toString('base64'));
          }
        }
      }
    }
  });
});
