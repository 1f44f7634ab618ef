/** Google Gemini: 768-px tiles (2.0, 1.5) or a flat count per image (2.5, 3) (docs §A.3). */
import type { FamilyInfo } from './family-info.js';

/** Gemini 2.5 scales images into a 768×768 frame [GEM-GDC]. */
export const GEMINI_25_EDGE = 768;
/**
 * Gemini 3 documents no pixel cap: the cost is a flat 1,120 tokens (media resolution HIGH). At
 * Gemini 2.x's density (258 tokens per 768² frame) 1,120 tokens ≈ 2.5 MP, so a 1536-px long edge
 * (1.77 MP at 4:3) keeps fine detail while bounding upload size; only bytes are at stake.
 */
export const GEMINI_3_EDGE = 1536;

export function geminiFamily(name: string): FamilyInfo | undefined {
  const gemini = /^gemini-(\d+)(?:\.(\d+))?/.exec(name);
  if (!gemini) return undefined;
  const major = Number(gemini[1]);
  const minor = Number(gemini[2] ?? 0);
  if (major >= 3) return { family: 'gemini-3', tokens: 1120 };
  if (major === 2 && minor >= 5) return { family: 'gemini-2.5', tokens: 258 };
  // Gemini 2.0, and 1.5 (tiled too; the 2.0 rule is an approximation of it).
  return { family: 'gemini-2.0', tokens: 258 };
}

/** Gemini 2.0: one tile for a small image, else one per 768×768 px. */
export function gemini20Tokens(info: FamilyInfo, width: number, height: number): number {
  const perTile = info.tokens ?? 258;
  return width <= 384 && height <= 384 ? perTile : perTile * Math.ceil(width / 768) * Math.ceil(height / 768);
}
