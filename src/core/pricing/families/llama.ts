/** Meta Llama 3.2 Vision: up to 2×2 tiles of 560 px (docs §A.5). */
import type { FamilyInfo } from './family-info.js';

/** Llama 3.2 Vision sees at most 2×2 tiles of 560 px [LLAMA-CFG]. */
export const LLAMA_EDGE = 1120;

export function llamaFamily(name: string): FamilyInfo | undefined {
  return /^llama-3\.2-\d+b-vision/.test(name) ? { family: 'llama-3.2-vision', tokens: 1601 } : undefined;
}

/** Together-style billing: 560-px tiles, at most 2×2 [TOGETHER]. */
export function llamaTokens(info: FamilyInfo, width: number, height: number): number {
  return (info.tokens ?? 1601) * (width > 559 ? 2 : 1) * (height > 559 ? 2 : 1);
}
