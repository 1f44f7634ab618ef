/**
 * How each vision-model family turns an image into billed input tokens, and the largest image
 * each family actually looks at. Rules, vendor worked examples and sources:
 * docs/image-tokens-and-sharp.md §A (the formulas below follow its §A.9 reference code).
 *
 * Everything here is pure and works on pixel sizes only, so the dry run (image headers) and the
 * real run (prepared JPEGs) compute the same numbers.
 */

const { ceil, floor, round, max, min, sqrt } = Math;

export type ModelFamily =
  | 'claude'
  | 'claude-hires'
  | 'openai-tile'
  | 'openai-patch'
  | 'gemini-2.0'
  | 'gemini-2.5'
  | 'gemini-3'
  | 'qwen-vl'
  | 'qwen3-vl'
  | 'llama-3.2-vision'
  | 'unknown';

/** A family plus the parameters of its rule. Only the fields of that family's rule are set. */
export interface FamilyInfo {
  family: ModelFamily;
  /** Claude: long-edge limit (px) and token limit of the server-side resize. */
  maxEdge?: number;
  maxTokens?: number;
  /** OpenAI tile models: tokens = base + tile × (number of 512-px tiles). */
  base?: number;
  tile?: number;
  /** OpenAI patch models: 32-px patch budget, largest dimension (px), token multiplier. */
  budget?: number;
  maxDim?: number;
  multiplier?: number;
  /** Flat families (Gemini 2.5/3), Gemini 2.0 per 768-px tile, Llama per 560-px tile. */
  tokens?: number;
  /** Why this rule is uncertain, when it is (shown next to estimates). */
  note?: string;
}

/** Unknown families: one token per 28×28 px of the sent image, never under this many. */
export const UNKNOWN_FAMILY_MIN_TOKENS = 1600;

export const UNKNOWN_FAMILY_NOTE =
  'No image-token rule is known for this model, so each image is estimated at one token per 28×28 px sent ' +
  'and at least 1,600 tokens (more than Claude’s 1,568 cap or GPT-4o’s 765–1,105; Mistral Pixtral can bill ' +
  'up to ~4,100), and sized as for Claude. Compare with usage.prompt_tokens after a few photos.';

const PATCH_NOTE =
  'OpenAI patch budgets changed between the 2025 and 2026 docs; compare with usage.prompt_tokens after a few photos.';
const QWEN3_NOTE =
  'Qwen3-VL/Qwen3.5 token counts depend on the host’s max_pixels; estimated with the model defaults (one token per 32×32 px, up to 16,384).';
const QWEN_NOTE =
  'Qwen-VL token counts depend on the host’s max_pixels; estimated with the model defaults (one token per 28×28 px, up to 16,384).';

// ---------------------------------------------------------------- family from the model id

const CLAUDE_STD: FamilyInfo = Object.freeze({ family: 'claude', maxEdge: 1568, maxTokens: 1568 });
const CLAUDE_HIRES: FamilyInfo = Object.freeze({ family: 'claude-hires', maxEdge: 2576, maxTokens: 4784 });
const tile = (base: number, tilePrice: number): FamilyInfo => ({ family: 'openai-tile', base, tile: tilePrice });
const patch = (budget: number, multiplier: number): FamilyInfo => ({
  family: 'openai-patch', budget, maxDim: 2048, multiplier, note: PATCH_NOTE,
});
const UNKNOWN: FamilyInfo = Object.freeze({ family: 'unknown', tokens: UNKNOWN_FAMILY_MIN_TOKENS, note: UNKNOWN_FAMILY_NOTE });

/**
 * The image rule of an OpenRouter model id ('anthropic/claude-sonnet-4.5', 'openai/gpt-4o-mini',
 * 'google/gemini-2.5-flash:free'). Matches on the model name, so the vendor prefix, a ':free' /
 * ':beta' variant suffix and letter case don't matter.
 */
export function familyFor(modelId: string): FamilyInfo {
  const id = modelId.trim().toLowerCase().replace(/^~/, '').replace(/:[^/]*$/, '');
  const name = id.slice(id.lastIndexOf('/') + 1);

  if (name.startsWith('claude-')) return claudeFamily(name);
  const openai = openaiFamily(name);
  if (openai) return openai;

  const gemini = /^gemini-(\d+)(?:\.(\d+))?/.exec(name);
  if (gemini) {
    const major = Number(gemini[1]);
    const minor = Number(gemini[2] ?? 0);
    if (major >= 3) return { family: 'gemini-3', tokens: 1120 };
    if (major === 2 && minor >= 5) return { family: 'gemini-2.5', tokens: 258 };
    // Gemini 2.0, and 1.5 (tiled too; the 2.0 rule is an approximation of it).
    return { family: 'gemini-2.0', tokens: 258 };
  }
  const qwen = qwenFamily(name);
  if (qwen) return qwen;
  if (/^llama-3\.2-\d+b-vision/.test(name)) return { family: 'llama-3.2-vision', tokens: 1601 };
  return UNKNOWN;
}

/**
 * Qwen3-VL, Qwen3.5 and Qwen3.6 use 32-px tokens (16-px patches merged 2×2); Qwen2.5-VL and older 28-px ones
 * (docs §A.4). Qwen3.5/3.6 ids carry no '-vl', and local servers write 'qwen3-vl:8b' or 'qwen2.5vl:7b', so the
 * family is read from the version, not from a '-vl' suffix.
 */
function qwenFamily(name: string): FamilyInfo | undefined {
  if (name.startsWith('qvq')) return { family: 'qwen-vl', note: QWEN_NOTE }; // Qwen2-VL based
  const m = /^qwen-?(\d+)?(?:\.(\d+))?/.exec(name);
  if (!m) return undefined;
  const version = Number(m[1] ?? 0) + Number(m[2] ?? 0) / 10;
  const vision = /vl|omni/.test(name);
  if (version >= 3.5) return { family: 'qwen3-vl', note: QWEN3_NOTE };
  if (version >= 3 && vision) return { family: 'qwen3-vl', note: QWEN3_NOTE };
  if (vision) return { family: 'qwen-vl', note: QWEN_NOTE };
  return undefined;
}

/**
 * Opus 4.7 and later, and every model of a later major version, use the high-resolution tier. Responses name
 * dated snapshots with the version first ('claude-4.6-sonnet-20260217'); ids with a new tier word
 * ('claude-fable-5.1') are read by their version too, never silently as the standard tier (docs §A.1).
 */
function claudeFamily(name: string): FamilyInfo {
  // 'claude-opus-4.7', 'claude-3.7-sonnet', 'claude-sonnet-4-5-20250929', 'claude-opus-4-20250514', 'claude-fable-5.1'
  const m = /^claude-(?:([a-z]+)-)?(\d+)(?:[.-](\d{1,2})(?!\d))?/.exec(name);
  if (!m) return CLAUDE_STD;
  const tier = m[1] ?? /opus|sonnet|haiku/.exec(name)?.[0];
  const major = Number(m[2]);
  const minor = Number(m[3] ?? 0);
  if (major >= 5 || (tier === 'opus' && major === 4 && minor >= 7)) return CLAUDE_HIRES;
  return CLAUDE_STD;
}

/**
 * Tile vs patch and their parameters (docs §A.0/§A.2). Where the 2025 and 2026 OpenAI docs disagree
 * we follow the 2026 text: gpt-4.1-mini and gpt-5.2/5.3 have a 6,144-patch budget, gpt-5.4+ `high`
 * 2,500; gpt-5-mini ×1.2 and gpt-5-nano ×1.5. The others keep the 1,536 budget.
 */
function openaiFamily(name: string): FamilyInfo | undefined {
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

// ---------------------------------------------------------------- vendor rules

/** Claude: one token per 28×28-px patch [ANT-V]. */
export const claudePatches = (w: number, h: number): number => ceil(w / 28) * ceil(h / 28);

/**
 * Claude's server-side resize [ANT-C]: the largest aspect-preserving size within both the long-edge
 * and the token limit (a binary search over the width, as in the vendor's reference code).
 */
export function claudeResize(w: number, h: number, maxEdge = 1568, maxTokens = 1568): [number, number] {
  const fits = (a: number, b: number) =>
    ceil(a / 28) * 28 <= maxEdge && ceil(b / 28) * 28 <= maxEdge && claudePatches(a, b) <= maxTokens;
  if (fits(w, h)) return [w, h];
  if (h > w) {
    const [rh, rw] = claudeResize(h, w, maxEdge, maxTokens);
    return [rw, rh];
  }
  const ar = w / h;
  let lo = 1;
  let hi = w;
  while (lo + 1 < hi) {
    const mid = (lo + hi) >> 1;
    if (fits(mid, max(round(mid / ar), 1))) lo = mid;
    else hi = mid;
  }
  return [lo, max(round(lo / ar), 1)];
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

/** Qwen `smart_resize` [QWEN-UTILS]: sides rounded to multiples of f (28 for Qwen2.5-VL, 32 for Qwen3), area within [min, max]. */
export function qwenResize(w: number, h: number, minPixels = 4 * 784, maxPixels = 16384 * 784, f = 28): [number, number] {
  let hb = max(f, roundHalfEven(h / f) * f);
  let wb = max(f, roundHalfEven(w / f) * f);
  if (hb * wb > maxPixels) {
    const b = sqrt((h * w) / maxPixels);
    hb = max(f, floor(h / b / f) * f);
    wb = max(f, floor(w / b / f) * f);
  } else if (hb * wb < minPixels) {
    const b = sqrt(minPixels / (h * w));
    hb = ceil((h * b) / f) * f;
    wb = ceil((w * b) / f) * f;
  }
  return [wb, hb];
}

/** Python's round(): halves go to the even neighbour (3024/32 = 94.5 → 94), as smart_resize does (docs §A.4). */
function roundHalfEven(x: number): number {
  const r = round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Fit inside an edge×edge box, never enlarging (floors, like the vendors' resizers). */
export function fitInside(w: number, h: number, edge: number): [number, number] {
  if (max(w, h) <= edge) return [w, h];
  const s = edge / max(w, h);
  return [max(1, floor(w * s)), max(1, floor(h * s))];
}

/**
 * Input tokens billed for one image SENT at width×height, after the resize the vendor applies on
 * its side. Excludes the text of the prompt. Qwen's 2 vision start/end tokens are left out
 * (the vendor examples count the image grid only).
 */
export function imageTokens(info: FamilyInfo, width: number, height: number): number {
  assertSize(width, height);
  switch (info.family) {
    case 'claude':
    case 'claude-hires': {
      const [w, h] = claudeResize(width, height, info.maxEdge ?? 1568, info.maxTokens ?? 1568);
      return claudePatches(w, h);
    }
    case 'openai-tile': {
      const [w, h] = openaiTileSize(width, height);
      return (info.base ?? 85) + (info.tile ?? 170) * ceil(w / 512) * ceil(h / 512);
    }
    case 'openai-patch': {
      const budget = info.budget ?? 1536;
      const [w, h] = openaiPatchSize(width, height, budget, info.maxDim ?? 2048);
      return ceil(min(ceil(w / 32) * ceil(h / 32), budget) * (info.multiplier ?? 1));
    }
    case 'gemini-2.0': {
      const perTile = info.tokens ?? 258;
      return width <= 384 && height <= 384 ? perTile : perTile * ceil(width / 768) * ceil(height / 768);
    }
    case 'gemini-2.5':
      return info.tokens ?? 258;
    case 'gemini-3':
      return info.tokens ?? 1120;
    case 'qwen-vl': {
      const [w, h] = qwenResize(width, height);
      return (w / 28) * (h / 28);
    }
    case 'qwen3-vl': {
      const [w, h] = qwenResize(width, height, 64 * 1024, 16384 * 1024, 32);
      return (w / 32) * (h / 32);
    }
    case 'llama-3.2-vision':
      // Together-style billing: 560-px tiles, at most 2×2 [TOGETHER].
      return (info.tokens ?? 1601) * (width > 559 ? 2 : 1) * (height > 559 ? 2 : 1);
    case 'unknown':
      return max(info.tokens ?? UNKNOWN_FAMILY_MIN_TOKENS, claudePatches(width, height));
  }
}

// ---------------------------------------------------------------- what to send

/** Gemini 2.5 scales images into a 768×768 frame [GEM-GDC]. */
export const GEMINI_25_EDGE = 768;
/**
 * Gemini 3 documents no pixel cap: the cost is a flat 1,120 tokens (media resolution HIGH). At
 * Gemini 2.x's density (258 tokens per 768² frame) 1,120 tokens ≈ 2.5 MP, so a 1536-px long edge
 * (1.77 MP at 4:3) keeps fine detail while bounding upload size; only bytes are at stake.
 */
export const GEMINI_3_EDGE = 1536;
/**
 * Qwen-VL is billed per 28×28 px up to ~12.8 MP by default, and hosts set their own cap: we send at
 * most ~1.2 MP (1,536 tokens' worth), the "≤1.2 MP" target docs §A.7 recommends, which also keeps a
 * 12 MP JPEG on sharp's 1/2 shrink-on-load path.
 */
export const QWEN_MAX_PIXELS = 1536 * 28 * 28;
/** Llama 3.2 Vision sees at most 2×2 tiles of 560 px [LLAMA-CFG]. */
export const LLAMA_EDGE = 1120;

/**
 * Largest linear size we give up so that a JPEG still decodes with shrink-on-load: a target whose
 * shrink factor sits just under 3, 5 or 9 (where sharp's load shrink steps 1→2→4→8, docs §B.2) is
 * nudged down to the boundary, but only when the billed tokens stay the same.
 */
export const SHRINK_SNAP_TOLERANCE = 0.05;
const SHRINK_BOUNDARIES = [3, 5, 9] as const;

/**
 * The size to send: the largest the model actually uses (so no token or byte is wasted), never
 * above maxEdge on either side, never enlarging. width/height are the ORIENTED source size.
 *
 * Per family: Claude standard → 1568 px / 1,568 tokens (4:3 → 1269×952); Claude high-res →
 * 2576 px / 4,784 tokens; OpenAI tile → fit 2048², short side 768; OpenAI patch → the model's patch
 * budget and 2048-px cap; Gemini 2.0 → the original (it tiles every pixel; maxEdge bounds the
 * tiles); Gemini 2.5 → long edge 768; Gemini 3 → long edge 1536; Qwen-VL → ≤ ~1.2 MP;
 * Llama 3.2 → 1120² box; unknown → as Claude standard (≤1568 px, ≤ ~1.2 MP).
 *
 * The result depends on pixel sizes only, so the dry run and the real run agree.
 */
export function modelTargetSize(
  info: FamilyInfo,
  width: number,
  height: number,
  maxEdge: number,
): { width: number; height: number } {
  assertSize(width, height);
  const edge = max(1, floor(maxEdge));
  let [w, h] = modelSize(info, width, height);
  [w, h] = fitInside(min(w, width), min(h, height), edge);

  // Keep a JPEG's shrink-on-load fast path when it costs no tokens (e.g. 16:9 12 MP → GPT-4o 1365×768 → 1344×756).
  const shrink = max(width / w, height / h);
  for (const b of SHRINK_BOUNDARIES) {
    if (shrink < b && shrink >= b * (1 - SHRINK_SNAP_TOLERANCE)) {
      const sw = max(1, floor(width / b));
      const sh = max(1, floor(height / b));
      if (imageTokens(info, sw, sh) === imageTokens(info, w, h)) [w, h] = [sw, sh];
      break;
    }
  }
  return { width: w, height: h };
}

function modelSize(info: FamilyInfo, w: number, h: number): [number, number] {
  switch (info.family) {
    case 'claude':
    case 'claude-hires':
      return claudeResize(w, h, info.maxEdge ?? 1568, info.maxTokens ?? 1568);
    case 'openai-tile':
      return openaiTileSize(w, h);
    case 'openai-patch':
      return openaiPatchSize(w, h, info.budget ?? 1536, info.maxDim ?? 2048);
    case 'gemini-2.0':
      return [w, h];
    case 'gemini-2.5':
      return fitInside(w, h, GEMINI_25_EDGE);
    case 'gemini-3':
      return fitInside(w, h, GEMINI_3_EDGE);
    case 'qwen-vl':
    case 'qwen3-vl': {
      if (w * h <= QWEN_MAX_PIXELS) return [w, h];
      const s = sqrt(QWEN_MAX_PIXELS / (w * h));
      return [max(1, floor(w * s)), max(1, floor(h * s))];
    }
    case 'llama-3.2-vision':
      return fitInside(w, h, LLAMA_EDGE);
    case 'unknown':
      return claudeResize(w, h, 1568, 1568);
  }
}

function assertSize(width: number, height: number): void {
  if (!(Number.isFinite(width) && Number.isFinite(height) && width >= 1 && height >= 1)) {
    throw new RangeError(`Expected a positive image size, got ${width}×${height}`);
  }
}
