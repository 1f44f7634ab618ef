/**
 * Input tokens billed for one image, by family (each family's rule is in families/). Pure and on pixel
 * sizes only, so the dry run (image headers) and the real run (prepared JPEGs) compute the same numbers.
 */
import { claudePatches, claudeTokens } from './families/claude.js';
import { assertSize, UNKNOWN_FAMILY_MIN_TOKENS, type FamilyInfo, type ModelFamily } from './families/family-info.js';
import { gemini20Tokens } from './families/gemini.js';
import { llamaTokens } from './families/llama.js';
import { openaiPatchTokens, openaiTileTokens } from './families/openai.js';
import { qwenTokens } from './families/qwen.js';

/**
 * Input tokens billed for one image SENT at width×height, after the resize the vendor applies on
 * its side. Excludes the text of the prompt. Qwen's 2 vision start/end tokens are left out
 * (the vendor examples count the image grid only).
 */
export function imageTokens(info: FamilyInfo, width: number, height: number): number {
  assertSize(width, height);
  return RULES[info.family](info, width, height);
}

/** Each family's rule; typed by ModelFamily, so a new family without a rule does not compile. */
const RULES: Record<ModelFamily, (info: FamilyInfo, width: number, height: number) => number> = {
  'claude': claudeTokens,
  'claude-hires': claudeTokens,
  'openai-tile': openaiTileTokens,
  'openai-patch': openaiPatchTokens,
  'gemini-2.0': gemini20Tokens,
  'gemini-2.5': (info) => info.tokens ?? 258,
  'gemini-3': (info) => info.tokens ?? 1120,
  'qwen-vl': qwenTokens,
  'qwen3-vl': qwenTokens,
  'llama-3.2-vision': llamaTokens,
  'unknown': (info, width, height) => Math.max(info.tokens ?? UNKNOWN_FAMILY_MIN_TOKENS, claudePatches(width, height)),
};
