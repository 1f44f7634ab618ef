import { describe, expect, test } from 'vitest';
import {
  claudeResize,
  familyFor,
  imageTokens,
  modelTargetSize,
  openaiPatchSize,
  openaiTileSize,
  qwenResize,
  UNKNOWN_FAMILY_MIN_TOKENS,
  UNKNOWN_FAMILY_NOTE,
  type FamilyInfo,
  type ModelFamily,
} from '../../../src/core/pricing/image-tokens.js';

const claude = familyFor('anthropic/claude-sonnet-4.5');
const claudeHi = familyFor('anthropic/claude-opus-4.7');
const gpt4o = familyFor('openai/gpt-4o');
const gpt4oMini = familyFor('openai/gpt-4o-mini');
const gemini20 = familyFor('google/gemini-2.0-flash-001');
const gemini25 = familyFor('google/gemini-2.5-flash');
const gemini3 = familyFor('google/gemini-3-pro-preview');
const qwen = familyFor('qwen/qwen2.5-vl-72b-instruct');
const llama = familyFor('meta-llama/llama-3.2-90b-vision-instruct');
const unknown = familyFor('mistralai/pixtral-large-2411');
/** The 2025 patch rule as the vendor examples use it: 1,536 patches, no multiplier. */
const patch1536: FamilyInfo = { family: 'openai-patch', budget: 1536, maxDim: 2048, multiplier: 1 };

describe('familyFor', () => {
  test.each<[string, ModelFamily, Partial<FamilyInfo>]>([
    ['anthropic/claude-sonnet-4.5', 'claude', { maxEdge: 1568, maxTokens: 1568 }],
    ['anthropic/claude-haiku-4.5', 'claude', {}],
    ['anthropic/claude-3.7-sonnet', 'claude', {}],
    ['anthropic/claude-3.7-sonnet:thinking', 'claude', {}],
    ['anthropic/claude-opus-4.1', 'claude', {}],
    ['anthropic/claude-opus-4.5', 'claude', {}],
    ['anthropic/claude-opus-4', 'claude', {}],
    ['anthropic/claude-opus-4-20250514', 'claude', {}],
    ['anthropic/claude-sonnet-4-5-20250929', 'claude', {}],
    ['anthropic/claude-opus-4.7', 'claude-hires', { maxEdge: 2576, maxTokens: 4784 }],
    ['anthropic/claude-opus-4-7', 'claude-hires', {}],
    ['anthropic/claude-opus-4.8', 'claude-hires', {}],
    ['anthropic/claude-sonnet-5', 'claude-hires', {}],
    ['anthropic/claude-haiku-5.1', 'claude-hires', {}],
    ['openai/gpt-4o', 'openai-tile', { base: 85, tile: 170 }],
    ['openai/gpt-4o-2024-08-06', 'openai-tile', { base: 85, tile: 170 }],
    ['openai/chatgpt-4o-latest', 'openai-tile', { base: 85, tile: 170 }],
    ['openai/gpt-4o-mini', 'openai-tile', { base: 2833, tile: 5667 }],
    ['openai/gpt-4.1', 'openai-tile', { base: 85, tile: 170 }],
    ['openai/gpt-4.5-preview', 'openai-tile', { base: 85, tile: 170 }],
    ['openai/o1', 'openai-tile', { base: 75, tile: 150 }],
    ['openai/o1-pro', 'openai-tile', { base: 75, tile: 150 }],
    ['openai/o3', 'openai-tile', { base: 75, tile: 150 }],
    ['openai/gpt-5', 'openai-tile', { base: 70, tile: 140 }],
    ['openai/gpt-5-chat', 'openai-tile', { base: 70, tile: 140 }],
    ['openai/gpt-5.1', 'openai-tile', { base: 70, tile: 140 }],
    ['openai/gpt-4.1-mini', 'openai-patch', { budget: 6144, maxDim: 2048, multiplier: 1.62 }],
    ['openai/gpt-4.1-nano', 'openai-patch', { budget: 1536, multiplier: 2.46 }],
    ['openai/o4-mini', 'openai-patch', { budget: 1536, multiplier: 1.72 }],
    ['openai/o4-mini-high', 'openai-patch', { budget: 1536, multiplier: 1.72 }],
    ['openai/gpt-5-mini', 'openai-patch', { budget: 1536, multiplier: 1.2 }],
    ['openai/gpt-5-nano', 'openai-patch', { budget: 1536, multiplier: 1.5 }],
    ['openai/gpt-5.2', 'openai-patch', { budget: 6144, multiplier: 1.2 }],
    ['openai/gpt-5.4', 'openai-patch', { budget: 2500, maxDim: 2048, multiplier: 1.2 }],
    ['openai/gpt-6', 'openai-patch', { budget: 2500 }],
    ['google/gemini-2.0-flash-001', 'gemini-2.0', {}],
    ['google/gemini-2.0-flash-lite-001', 'gemini-2.0', {}],
    ['google/gemini-2.5-flash', 'gemini-2.5', {}],
    ['google/gemini-2.5-flash-lite', 'gemini-2.5', {}],
    ['google/gemini-2.5-pro', 'gemini-2.5', {}],
    ['google/gemini-2.5-flash:free', 'gemini-2.5', {}],
    ['google/gemini-3-pro-preview', 'gemini-3', {}],
    ['google/gemini-3.5-flash-lite', 'gemini-3', {}],
    ['qwen/qwen2.5-vl-72b-instruct', 'qwen-vl', {}],
    ['qwen/qwen-2.5-vl-7b-instruct', 'qwen-vl', {}],
    ['qwen/qwen-vl-max', 'qwen-vl', {}],
    ['qwen/qwen3-vl-235b-a22b-instruct', 'qwen3-vl', {}],
    ['qwen/qwen3.5-397b-a17b', 'qwen3-vl', {}],
    ['qwen3-vl:8b', 'qwen3-vl', {}],
    ['qwen2.5vl:7b', 'qwen-vl', {}],
    ['meta-llama/llama-3.2-11b-vision-instruct', 'llama-3.2-vision', {}],
    ['meta-llama/llama-3.2-90b-vision-instruct', 'llama-3.2-vision', {}],
    ['META-LLAMA/Llama-3.2-11B-Vision-Instruct', 'llama-3.2-vision', {}],
    ['meta-llama/llama-4-maverick', 'unknown', {}],
    ['mistralai/pixtral-large-2411', 'unknown', {}],
    ['openrouter/auto', 'unknown', {}],
    ['openai/o3-mini', 'unknown', {}],
    ['qwen/qwen-2.5-72b-instruct', 'unknown', {}],
    ['', 'unknown', {}],
  ])('%s → %s', (id, family, params) => {
    const info = familyFor(id);
    expect(info.family).toBe(family);
    expect(info).toMatchObject(params);
  });

  test('unknown carries the documented note', () => {
    expect(unknown.note).toBe(UNKNOWN_FAMILY_NOTE);
    expect(UNKNOWN_FAMILY_NOTE).not.toMatch(/\n/);
  });
});

describe('vendor worked examples (docs §A.1–§A.5)', () => {
  test('Claude standard', () => {
    expect(imageTokens(claude, 1000, 1000)).toBe(1296);
    expect(imageTokens(claude, 1092, 1092)).toBe(1521);
    expect(claudeResize(2000, 1500)).toEqual([1269, 952]);
    expect(imageTokens(claude, 2000, 1500)).toBe(1564);
    expect(claudeResize(1920, 1080)).toEqual([1456, 819]);
    expect(imageTokens(claude, 1920, 1080)).toBe(1560);
    // A4 scan: under 1568 px both ways but 2,145 tokens, so it shrinks.
    expect(claudeResize(1075, 1520)).toEqual([924, 1307]);
    expect(imageTokens(claude, 1075, 1520)).toBe(33 * 47);
  });

  test('Claude high-res (Opus 4.7+)', () => {
    expect(imageTokens(claudeHi, 1920, 1080)).toBe(2691);
    expect(claudeResize(3840, 2160, 2576, 4784)).toEqual([2576, 1449]);
    expect(imageTokens(claudeHi, 3840, 2160)).toBe(4784);
  });

  test('OpenAI tile models', () => {
    expect(imageTokens(gpt4o, 1024, 1024)).toBe(765);
    expect(openaiTileSize(2048, 4096)).toEqual([768, 1536]);
    expect(imageTokens(gpt4o, 2048, 4096)).toBe(1105);
    // Small images are not enlarged: 85 + 170 × 1 tile (the measured 267 minus ~12 text tokens).
    expect(imageTokens(gpt4o, 128, 64)).toBe(255);
    expect(imageTokens(gpt4oMini, 1024, 768)).toBe(25_501);
  });

  test('OpenAI patch models', () => {
    expect(imageTokens(patch1536, 1024, 1024)).toBe(1024);
    expect(openaiPatchSize(1800, 2400, 1536, 2048)).toEqual([1056, 1408]);
    expect(imageTokens(patch1536, 1800, 2400)).toBe(1452);
    expect(imageTokens({ ...patch1536, multiplier: 1.62 }, 1800, 2400)).toBe(Math.ceil(1452 * 1.62));
    // Measured on gpt-4.1-mini mid-2025 (1,536 budget): 1536 × 1.62 = 2488.3, rounded up.
    expect(imageTokens({ ...patch1536, multiplier: 1.62 }, 4000, 1474)).toBe(2489);
    // gpt-5.4 high: 2048² → 1600² → 2,500 patches → × 1.2.
    expect(imageTokens(familyFor('openai/gpt-5.4'), 2048, 2048)).toBe(3000);
  });

  test('Gemini, Qwen, Llama', () => {
    expect(imageTokens(gemini20, 384, 384)).toBe(258);
    expect(imageTokens(gemini20, 385, 300)).toBe(258);
    expect(imageTokens(gemini20, 1536, 1536)).toBe(258 * 4);
    expect(imageTokens(gemini25, 3840, 2160)).toBe(258);
    expect(imageTokens(gemini25, 64, 64)).toBe(258);
    expect(imageTokens(gemini3, 64, 64)).toBe(1120);
    expect(imageTokens(qwen, 1568, 1176)).toBe(2352);
    expect(qwenResize(1265, 949)).toEqual([1260, 952]);
    expect(imageTokens(qwen, 1265, 949)).toBe(1530);
    expect(imageTokens(qwen, 10, 10)).toBe(4); // min_pixels = 4 × 28²
    expect(imageTokens(llama, 559, 559)).toBe(1601);
    expect(imageTokens(llama, 560, 400)).toBe(3202);
    expect(imageTokens(llama, 1120, 1120)).toBe(6404);
  });

  // §A.7: a 12 MP 4:3 phone photo (4032×3024, orientation applied).
  test.each<[string, FamilyInfo, number]>([
    ['Claude standard', claude, 1564],
    ['Claude high-res', claudeHi, 4740],
    ['GPT-4o', gpt4o, 765],
    ['GPT-4.1', familyFor('openai/gpt-4.1'), 765],
    ['gpt-4o-mini', gpt4oMini, 25_501],
    ['gpt-4.1-mini, 6,144 budget (2026)', familyFor('openai/gpt-4.1-mini'), 4977],
    ['gpt-4.1-mini, 1,536 budget (2025)', { ...patch1536, multiplier: 1.62 }, 2353],
    ['o4-mini', familyFor('openai/o4-mini'), 2498],
    ['Gemini 2.0', gemini20, 6192],
    ['Gemini 2.5', gemini25, 258],
    ['Gemini 3', gemini3, 1120],
    ['Qwen2.5-VL default', qwen, 15_552],
    ['Llama 3.2', llama, 6404],
  ])('4032×3024 under %s → %i tokens', (_name, info, tokens) => {
    expect(imageTokens(info, 4032, 3024)).toBe(tokens);
  });

  test('§A.7 server-side sizes and the Qwen 1280-token cap', () => {
    expect(claudeResize(4032, 3024)).toEqual([1269, 952]);
    expect(claudeResize(4032, 3024, 2576, 4784)).toEqual([2212, 1659]);
    expect(openaiTileSize(4032, 3024)).toEqual([1024, 768]);
    expect(openaiPatchSize(4032, 3024, 1536, 2048)).toEqual([1408, 1056]);
    expect(openaiPatchSize(4032, 3024, 6144, 2048)).toEqual([2048, 1536]);
    expect(qwenResize(4032, 3024, 3136, 1280 * 784)).toEqual([1148, 840]);
  });

  test('unknown family: one token per 28 px, never under 1,600', () => {
    expect(imageTokens(unknown, 100, 100)).toBe(UNKNOWN_FAMILY_MIN_TOKENS);
    expect(imageTokens(unknown, 1269, 952)).toBe(1600);
    expect(imageTokens(unknown, 2048, 1536)).toBe(Math.ceil(2048 / 28) * Math.ceil(1536 / 28));
    // At least as much as the Claude standard rule, for any size.
    for (const [w, h] of [[640, 480], [1568, 1568], [4032, 3024], [8000, 500]] as const) {
      expect(imageTokens(unknown, w, h)).toBeGreaterThanOrEqual(imageTokens(claude, w, h));
    }
  });

  test('rejects sizes that are not positive', () => {
    expect(() => imageTokens(claude, 0, 10)).toThrow(RangeError);
    expect(() => imageTokens(claude, Number.NaN, 10)).toThrow(RangeError);
    expect(() => modelTargetSize(claude, 10, -1, 2048)).toThrow(RangeError);
  });
});

describe('modelTargetSize', () => {
  const sizes: Array<[number, number]> = [
    [4032, 3024], [3024, 4032], [4608, 1976], [4032, 2268], [3840, 2160], [2725, 2225], [2048, 1536],
    [1920, 1080], [1075, 1520], [1000, 1000], [640, 480], [300, 200], [8000, 1000], [100, 3000], [1, 1],
  ];
  /** What the model itself would look at (its server-side resize), for "no more pixels than it uses". */
  const modelPixels = (info: FamilyInfo, w: number, h: number): number => {
    switch (info.family) {
      case 'claude':
      case 'claude-hires':
      case 'unknown': {
        const [a, b] = claudeResize(w, h, info.maxEdge ?? 1568, info.maxTokens ?? 1568);
        return a * b;
      }
      case 'openai-tile': {
        const [a, b] = openaiTileSize(w, h);
        return a * b;
      }
      case 'openai-patch': {
        const [a, b] = openaiPatchSize(w, h, info.budget!, info.maxDim!);
        return a * b;
      }
      case 'gemini-2.5':
        return w * h * Math.min(1, 768 / Math.max(w, h)) ** 2;
      case 'llama-3.2-vision':
        return w * h * Math.min(1, 1120 / Math.max(w, h)) ** 2;
      default:
        return w * h;
    }
  };

  // Families whose vendor resizes server-side: sending the target costs exactly what the original would.
  const resizing: Array<[string, FamilyInfo]> = [
    ['claude', claude], ['claude-hires', claudeHi], ['gpt-4o', gpt4o], ['gpt-4o-mini', gpt4oMini],
    ['gpt-5', familyFor('openai/gpt-5')], ['gpt-4.1-mini', familyFor('openai/gpt-4.1-mini')],
    ['gpt-4.1-nano', familyFor('openai/gpt-4.1-nano')], ['o4-mini', familyFor('openai/o4-mini')],
    ['gpt-5.4', familyFor('openai/gpt-5.4')], ['gemini-2.5', gemini25], ['gemini-3', gemini3],
  ];
  describe.each(resizing)('%s', (_name, info) => {
    test.each(sizes)('%i×%i: same tokens, no wasted pixels, within maxEdge, never enlarged', (w, h) => {
      const t = modelTargetSize(info, w, h, 4096);
      expect(imageTokens(info, t.width, t.height)).toBe(imageTokens(info, w, h));
      expect(t.width * t.height).toBeLessThanOrEqual(modelPixels(info, w, h) + 1e-6);
      expect(t.width).toBeLessThanOrEqual(w);
      expect(t.height).toBeLessThanOrEqual(h);
      // Sending the target again changes nothing (it is already what the model uses).
      const again = modelTargetSize(info, t.width, t.height, 4096);
      expect(imageTokens(info, again.width, again.height)).toBe(imageTokens(info, t.width, t.height));
    });
  });

  const all: Array<[string, FamilyInfo]> = [...resizing, ['gemini-2.0', gemini20], ['qwen', qwen], ['llama', llama], ['unknown', unknown]];
  describe.each(all)('%s', (_name, info) => {
    test.each([512, 1024, 2048])('never above maxEdge %i, never enlarging, never more tokens', (edge) => {
      for (const [w, h] of sizes) {
        const t = modelTargetSize(info, w, h, edge);
        expect(Math.max(t.width, t.height)).toBeLessThanOrEqual(edge);
        expect(t.width).toBeGreaterThanOrEqual(1);
        expect(t.height).toBeGreaterThanOrEqual(1);
        expect(t.width).toBeLessThanOrEqual(w);
        expect(t.height).toBeLessThanOrEqual(h);
        expect(Number.isInteger(t.width) && Number.isInteger(t.height)).toBe(true);
        expect(imageTokens(info, t.width, t.height)).toBeLessThanOrEqual(imageTokens(info, w, h));
      }
    });
  });

  test.each<[string, FamilyInfo, number, number]>([
    ['Claude standard', claude, 1269, 952],
    ['Claude high-res', claudeHi, 2212, 1659],
    ['GPT-4o', gpt4o, 1024, 768],
    ['gpt-4.1-mini', familyFor('openai/gpt-4.1-mini'), 2048, 1536],
    ['o4-mini', familyFor('openai/o4-mini'), 1408, 1056],
    ['Gemini 2.5', gemini25, 768, 576],
    ['Gemini 3', gemini3, 1536, 1152],
    ['Qwen (≤ ~1.2 MP)', qwen, 1267, 950],
    ['Llama 3.2', llama, 1120, 840],
    ['unknown (as Claude)', unknown, 1269, 952],
  ])('12 MP photo under %s → %i×%i', (_name, info, width, height) => {
    expect(modelTargetSize(info, 4032, 3024, 4096)).toEqual({ width, height });
  });

  test('portrait photos get the transposed size', () => {
    expect(modelTargetSize(claude, 3024, 4032, 2048)).toEqual({ width: 952, height: 1269 });
    expect(modelTargetSize(gpt4o, 3024, 4032, 2048)).toEqual({ width: 768, height: 1024 });
  });

  test('Gemini 2.0 tiles every pixel: the original, bounded by maxEdge', () => {
    expect(modelTargetSize(gemini20, 1000, 700, 2048)).toEqual({ width: 1000, height: 700 });
    expect(modelTargetSize(gemini20, 4032, 3024, 2048)).toEqual({ width: 2048, height: 1536 });
  });

  test('Qwen: capped near 1.2 MP, untouched below', () => {
    const t = modelTargetSize(qwen, 4032, 3024, 4096);
    expect(t.width * t.height).toBeLessThanOrEqual(1536 * 784);
    expect(imageTokens(qwen, t.width, t.height)).toBe(1530);
    expect(modelTargetSize(qwen, 1000, 1000, 4096)).toEqual({ width: 1000, height: 1000 });
  });

  test('Llama: a 4:3 photo keeps its 2×2 tiles', () => {
    const t = modelTargetSize(llama, 4032, 3024, 4096);
    expect(imageTokens(llama, t.width, t.height)).toBe(imageTokens(llama, 4032, 3024));
  });

  test('maxEdge below the model size wins', () => {
    expect(modelTargetSize(claude, 4032, 3024, 1024)).toEqual({ width: 1024, height: 768 });
    expect(modelTargetSize(claudeHi, 4032, 3024, 2048)).toEqual({ width: 2048, height: 1536 });
  });

  test('12 MP JPEG targets keep sharp on the shrink-on-load path (shrink factor ≥ 3)', () => {
    for (const info of [claude, gpt4o, gemini25, qwen, llama, unknown]) {
      const t = modelTargetSize(info, 4032, 3024, 2048);
      expect(Math.max(4032 / t.width, 3024 / t.height)).toBeGreaterThanOrEqual(3);
    }
  });

  test('a target just under a shrink boundary is nudged when that costs no tokens', () => {
    // 16:9 12 MP under GPT-4o: 1365×768 is a 2.95 shrink (full decode); 1344×756 is 3.0 and still 6 tiles.
    expect(openaiTileSize(4032, 2268)).toEqual([1365, 768]);
    const t = modelTargetSize(gpt4o, 4032, 2268, 2048);
    expect(t).toEqual({ width: 1344, height: 756 });
    expect(imageTokens(gpt4o, t.width, t.height)).toBe(imageTokens(gpt4o, 4032, 2268));
    // Claude would lose tokens (detail) by the same nudge, so it keeps the full 1456×819.
    expect(modelTargetSize(claude, 4032, 2268, 2048)).toEqual({ width: 1456, height: 819 });
  });
});

describe('2026 model names and Qwen3 32-px tokens (docs §A.1, §A.4)', () => {
  test.each([
    ['anthropic/claude-4.6-sonnet-20260217', 'claude'],
    ['anthropic/claude-4.7-opus-20260416', 'claude-hires'],
    ['anthropic/claude-sonnet-5', 'claude-hires'],
    ['anthropic/claude-opus-5.5', 'claude-hires'],
    ['anthropic/claude-fable-5.1', 'claude-hires'],
    ['openai/gpt-5.5', 'openai-patch'],
    ['openai/gpt-5.4-mini', 'openai-patch'],
  ])('%s → %s', (id, family) => {
    expect(familyFor(id).family).toBe(family);
  });

  test('Qwen3-VL: one token per 32×32 px after a half-even smart_resize', () => {
    const qwen3 = familyFor('qwen/qwen3-vl-235b-a22b-instruct');
    expect(imageTokens(qwen3, 1024, 768)).toBe(768);
    expect(imageTokens(qwen3, 4032, 3024)).toBe(11844);
    // The same photo under the Qwen2.5 28-px rule costs about 30 % more.
    expect(imageTokens(familyFor('qwen/qwen2.5-vl-72b-instruct'), 1024, 768)).toBe(999);
  });
});
