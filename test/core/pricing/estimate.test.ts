import { describe, expect, test } from 'vitest';
import {
  DEFAULT_EXPECTED_OUTPUT_TOKENS,
  estimatePhoto,
  estimateTextTokens,
  MESSAGE_OVERHEAD_TOKENS,
  requestUsd,
  sumEstimates,
  worstCaseUsd,
} from '../../../src/core/pricing/estimate.js';
import { familyFor } from '../../../src/core/pricing/image-tokens.js';
import type { ModelPrice } from '../../../src/core/pricing/prices.js';

const price = (p: Partial<ModelPrice> = {}): ModelPrice => ({
  id: 'x/y', prompt: 0.0000025, completion: 0.00001, image: 0, request: 0, discount: 0, ...p,
});
const gpt4o = familyFor('openai/gpt-4o');

describe('estimateTextTokens', () => {
  test.each([
    ['', MESSAGE_OVERHEAD_TOKENS],
    ['abcd', 1 + MESSAGE_OVERHEAD_TOKENS],
    ['hello world', 3 + MESSAGE_OVERHEAD_TOKENS],
    ['Ảnh cưới ở Hà Nội', Math.ceil(13 / 4) + 4 + MESSAGE_OVERHEAD_TOKENS], // 13 Latin-range chars + 4 from U+1Exx
    ['写一个简短的标题', 8 + MESSAGE_OVERHEAD_TOKENS], // CJK: one token per character
    ['📷', 1 + MESSAGE_OVERHEAD_TOKENS], // one code point, not two UTF-16 units
  ])('%j → %i', (text, tokens) => {
    expect(estimateTextTokens(text)).toBe(tokens);
  });

  test('the default is a short caption', () => {
    expect(DEFAULT_EXPECTED_OUTPUT_TOKENS).toBe(60);
  });
});

describe('estimatePhoto', () => {
  const prompt = 'Write one short caption for this photo.'; // 39 chars → 10 + 10 tokens
  const base = { family: gpt4o, width: 1024, height: 768, promptText: prompt, expectedOutputTokens: 60, maxTokens: 512 };

  test('tokens: promptTokens counts text + image, like usage.prompt_tokens', () => {
    const e = estimatePhoto({ ...base, price: price() });
    expect(e.imageTokens).toBe(765);
    expect(e.promptTokens).toBe(765 + estimateTextTokens(prompt));
    expect(e.expectedOutputTokens).toBe(60);
    expect(e.maxOutputTokens).toBe(512);
  });

  test('USD: per-token prices', () => {
    const e = estimatePhoto({ ...base, price: price() });
    expect(e.expectedUsd).toBeCloseTo(e.promptTokens * 0.0000025 + 60 * 0.00001, 15);
    expect(e.worstUsd).toBeCloseTo(e.promptTokens * 0.0000025 + 512 * 0.00001, 15);
  });

  test('USD: per-request, per-image and discount', () => {
    const p = price({ prompt: 0.000001, completion: 0.000002, image: 0.002, request: 0.01, discount: 0.5 });
    const e = estimatePhoto({ ...base, price: p });
    const tokensIn = e.promptTokens * 0.000001;
    // Worst case: tokens and the per-image price both charged.
    expect(e.worstUsd).toBeCloseTo((tokensIn + 512 * 0.000002 + 0.01 + 0.002) * 0.5, 15);
    // Expected: the image costs the larger of its tokens (765 × 1e-6) and the per-image price, not both.
    expect(e.expectedUsd).toBeCloseTo((tokensIn - 765 * 0.000001 + 0.002 + 60 * 0.000002 + 0.01) * 0.5, 15);
    const cheapFee = estimatePhoto({ ...base, price: { ...p, image: 0.0001 } });
    expect(cheapFee.expectedUsd).toBeCloseTo((tokensIn + 60 * 0.000002 + 0.01) * 0.5, 15);
  });

  test('expected output is capped by max_tokens', () => {
    const e = estimatePhoto({ ...base, price: price(), expectedOutputTokens: 900, maxTokens: 100 });
    expect(e.expectedOutputTokens).toBe(100);
    expect(e.expectedUsd).toBeCloseTo(e.worstUsd!, 15);
  });

  test.each<[string, ModelPrice | undefined]>([
    ['no price', undefined],
    ['prompt unknown', price({ prompt: null })],
    ['completion unknown', price({ completion: null })],
    ['image unknown', price({ image: null })],
    ['request unknown', price({ request: null })],
  ])('%s → null, never NaN', (_name, p) => {
    const e = estimatePhoto({ ...base, price: p });
    expect(e.expectedUsd).toBeNull();
    expect(e.worstUsd).toBeNull();
    expect(e.imageTokens).toBe(765);
  });

  test('free models cost zero', () => {
    const e = estimatePhoto({ ...base, price: price({ prompt: 0, completion: 0 }) });
    expect(e).toMatchObject({ expectedUsd: 0, worstUsd: 0 });
  });

  test('expected never exceeds the worst case', () => {
    for (const p of [price(), price({ image: 0.01 }), price({ image: 0.00001, request: 0.001, discount: 0.1 })]) {
      for (const family of [gpt4o, familyFor('anthropic/claude-haiku-4.5'), familyFor('x/unknown')]) {
        const e = estimatePhoto({ ...base, family, price: p });
        expect(e.expectedUsd!).toBeLessThanOrEqual(e.worstUsd!);
      }
    }
  });
});

describe('worstCaseUsd / requestUsd', () => {
  test('the worst case of one request', () => {
    const p = price({ prompt: 0.000003, completion: 0.000015, image: 0.0048, request: 0.001, discount: 0.2 });
    expect(worstCaseUsd({ price: p, inputTokens: 1600, maxTokens: 512 })).toBeCloseTo(
      (1600 * 0.000003 + 512 * 0.000015 + 0.001 + 0.0048) * 0.8, 15,
    );
    expect(worstCaseUsd({ price: p, inputTokens: 1600, maxTokens: 512, images: 0 })).toBeCloseTo(
      (1600 * 0.000003 + 512 * 0.000015 + 0.001) * 0.8, 15,
    );
    expect(worstCaseUsd({ price: undefined, inputTokens: 1, maxTokens: 1 })).toBeNull();
  });

  test('text-only requests do not need the image price', () => {
    expect(requestUsd({ price: price({ image: null }), inputTokens: 100, outputTokens: 10, images: 0 })).toBeCloseTo(
      100 * 0.0000025 + 10 * 0.00001, 15,
    );
  });
});

describe('sumEstimates', () => {
  const one = estimatePhoto({ price: price(), family: gpt4o, width: 1024, height: 768, promptText: 'x', expectedOutputTokens: 60, maxTokens: 512 });

  test('adds tokens and dollars', () => {
    const t = sumEstimates([one, one, one]);
    expect(t).toMatchObject({ photos: 3, imageTokens: 3 * 765, promptTokens: 3 * one.promptTokens, expectedOutputTokens: 180 });
    expect(t.expectedUsd).toBeCloseTo(3 * one.expectedUsd!, 15);
    expect(t.worstUsd).toBeCloseTo(3 * one.worstUsd!, 15);
    expect(t.perPhotoUsd).toBeCloseTo(one.expectedUsd!, 15);
  });

  test('one unknown makes the total unknown; none gives zero', () => {
    expect(sumEstimates([one, { ...one, expectedUsd: null, worstUsd: null }])).toMatchObject({ expectedUsd: null, worstUsd: null, perPhotoUsd: null });
    expect(sumEstimates([])).toMatchObject({ photos: 0, expectedUsd: 0, worstUsd: 0, perPhotoUsd: null });
  });
});
