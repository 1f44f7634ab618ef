/** OpenAI: 512-px tiles (GPT-4o, o1/o3) or 32-px patches with a budget (GPT-4.1 mini, GPT-5) (docs §A.0/§A.2). */
import type { FamilyInfo } from './family-info.js';

const { ceil, floor, max, min, sqrt } = Math;

const PATCH_NOTE =
  'OpenAI patch budgets changed between the 2025 and 2026 docs; compare with usage.prompt_tokens after a few photos.';

const tile = (base: number, tilePrice: number): FamilyInfo => ({ family: 'openai-tile', base, tile: tilePrice });
const patch = (budget: number, multiplier: number): FamilyInfo => ({
  family: 'openai-patch', budget, maxDim: 2048, multiplier, note: PATCH_NOTE,
});

/**
 * Tile vs patch and their parameters (docs §A.0/§A.2). Where the 2025 and 2026 OpenAI docs disagree
 * we follow the 2026 text: gpt-4.1-mini and gpt-5.2/5.3 have a 6,144-patch budget, gpt-5.4+ `high`
 * 2,500; gpt-5-mini ×1.2 and gpt-5-nano ×1.5. The others keep the 1,536 budget.
 */
export function openaiFamily(name: string): FamilyInfo | undefined {
  if (name.startsWith('gpt-4o-mini')) return tile(2833, 5667);
  if (name.startsWith('gpt-4.1-mini')) return patch(6144, 1.62);
  if (name.startsWith('gpt-4.1-nano')) return patch(1536, 2.46);
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-4-turbo|gpt-4-vision)/.test(name)) return tile(85, 170);
  if (name.startsWith('o4-mini')) return patch(1536, 1.72);
  if (/^o[13](?!-mini)(-|$)/.test(name)) return tile(75, 150);
  if (name.startsWith('computer-use')) return tile(65, 129);

  const gpt = /^gpt-(\d+)(?:\.(\d+))?(.*)$/.exec(name);
  if (!gpt || Number(gpt[1]) < 5) return undefined;
  const version = Number(gpt[1]) + Number(gpt[2] ?? 0) / 10;
  const rest = gpt[3] ?? '';
  const later = version >= 5.4 ? 2500 : version >= 5.2 ? 6144 : 1536;
  if (rest.includes('-nano')) return patch(later, 1.5);
  if (rest.includes('-mini')) return patch(later, 1.2);
  if (version < 5.2) return tile(70, 140);
  return patch(later, 1.2);
}

/** OpenAI tile models, `detail: high/auto`: fit 2048², then short side 768 (never enlarging) [OAI]. */
export function openaiTileSize(w: number, h: number): [number, number] {
  if (max(w, h) > 2048) {
    const s = 2048 / max(w, h);
    [w, h] = [max(1, floor(w * s)), max(1, floor(h * s))];
  }
  if (min(w, h) > 768) {
    const s = 768 / min(w, h);
    [w, h] = [max(1, floor(w * s)), max(1, floor(h * s))];
  }
  return [w, h];
}

/** OpenAI patch models: cap the largest dimension, then shrink to the patch budget, snapped to whole patches [OAI]. */
export function openaiPatchSize(w: number, h: number, budget: number, maxDim: number): [number, number] {
  if (max(w, h) > maxDim) {
    const s = maxDim / max(w, h);
    [w, h] = [max(1, floor(w * s)), max(1, floor(h * s))];
  }
  if (ceil(w / 32) * ceil(h / 32) > budget) {
    let r = sqrt((32 * 32 * budget) / (w * h));
    r *= min(floor((w * r) / 32) / ((w * r) / 32), floor((h * r) / 32) / ((h * r) / 32));
    [w, h] = [max(1, floor(w * r)), max(1, floor(h * r))];
  }
  return [w, h];
}

export function openaiPatchSizeFor(info: FamilyInfo, w: number, h: number): [number, number] {
  return openaiPatchSize(w, h, info.budget ?? 1536, info.maxDim ?? 2048);
}

export function openaiTileTokens(info: FamilyInfo, width: number, height: number): number {
  const [w, h] = openaiTileSize(width, height);
  return (info.base ?? 85) + (info.tile ?? 170) * ceil(w / 512) * ceil(h / 512);
}

export function openaiPatchTokens(info: FamilyInfo, width: number, height: number): number {
  const [w, h] = openaiPatchSizeFor(info, width, height);
  return ceil(min(ceil(w / 32) * ceil(h / 32), info.budget ?? 1536) * (info.multiplier ?? 1));
}
