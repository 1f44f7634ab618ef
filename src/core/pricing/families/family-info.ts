/**
 * What a model family is and the shared geometry of its rules. Each family's own rule lives in a
 * file beside this one; `../image-tokens.ts` dispatches a model id to one of them.
 */

const { floor, max } = Math;

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

export const UNKNOWN: FamilyInfo = Object.freeze({ family: 'unknown', tokens: UNKNOWN_FAMILY_MIN_TOKENS, note: UNKNOWN_FAMILY_NOTE });

/** Fit inside an edge×edge box, never enlarging (floors, like the vendors' resizers). */
export function fitInside(w: number, h: number, edge: number): [number, number] {
  if (max(w, h) <= edge) return [w, h];
  const s = edge / max(w, h);
  return [max(1, floor(w * s)), max(1, floor(h * s))];
}

export function assertSize(width: number, height: number): void {
  if (!(Number.isFinite(width) && Number.isFinite(height) && width >= 1 && height >= 1)) {
    throw new RangeError(`Expected a positive image size, got ${width}×${height}`);
  }
}

/**
 * Python's round() and C's rint(): halves go to the even neighbour (3024/32 = 94.5 → 94), as Qwen's
 * smart_resize (docs §A.4) and sharp's resize arithmetic do.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
