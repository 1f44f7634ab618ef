/** Anthropic Claude: 28-px patches after a server-side resize (docs/image-tokens-and-sharp.md §A.1). */
import type { FamilyInfo } from './family-info.js';

const { ceil, round, max } = Math;

export const CLAUDE_STD: FamilyInfo = Object.freeze({ family: 'claude', maxEdge: 1568, maxTokens: 1568 });
export const CLAUDE_HIRES: FamilyInfo = Object.freeze({ family: 'claude-hires', maxEdge: 2576, maxTokens: 4784 });

/**
 * Opus 4.7 and later, and every model of a later major version, use the high-resolution tier. Responses name
 * dated snapshots with the version first ('claude-4.6-sonnet-20260217'); ids with a new tier word
 * ('claude-fable-5.1') are read by their version too, never silently as the standard tier (docs §A.1).
 */
export function claudeFamily(name: string): FamilyInfo {
  // 'claude-opus-4.7', 'claude-3.7-sonnet', 'claude-sonnet-4-5-20250929', 'claude-opus-4-20250514', 'claude-fable-5.1'
  const m = /^claude-(?:([a-z]+)-)?(\d+)(?:[.-](\d{1,2})(?!\d))?/.exec(name);
  if (!m) return CLAUDE_STD;
  const tier = m[1] ?? /opus|sonnet|haiku/.exec(name)?.[0];
  const major = Number(m[2]);
  const minor = Number(m[3] ?? 0);
  if (major >= 5 || (tier === 'opus' && major === 4 && minor >= 7)) return CLAUDE_HIRES;
  return CLAUDE_STD;
}

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

/** Tokens for an image sent at w×h, and the size the model actually looks at (the same resize). */
export function claudeTokens(info: FamilyInfo, w: number, h: number): number {
  return claudePatches(...claudeSize(info, w, h));
}

export function claudeSize(info: FamilyInfo, w: number, h: number): [number, number] {
  return claudeResize(w, h, info.maxEdge ?? 1568, info.maxTokens ?? 1568);
}
