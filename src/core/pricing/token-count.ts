/**
 * Input tokens billed for one image, by family (each family's rule is in families/). Pure and on pixel
 * sizes only, so the dry run (image headers) and the real run (prepared JPEGs) compute the same numbers.
 */
import { claudePatches, claudeTokens } from './families/claude.js';
import { assertSize, UNKNOWN_FAMILY_MIN_TOKENS, type FamilyInfo } from './families/family-info.js';
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
  switch (info.family) {
    case 'claude':
    case 'claude-hires':
      return claudeTokens(info, width, height);
    case 'openai-tile':
      return openaiTileTokens(info, width, height);
    case 'openai-patch':
      return openaiPatchTokens(info, width, height);
    case 'gemini-2.0':
      return gemini20Tokens(info, width, height);
    case 'gemini-2.5':
      return info.tokens ?? 258;
    case 'gemini-3':
      return info.tokens ?? 1120;
    case 'qwen-vl':
    case 'qwen3-vl':
      return qwenTokens(info, width, height);
    case 'llama-3.2-vision':
      return llamaTokens(info, width, height);
    case 'unknown':
      return Math.max(info.tokens ?? UNKNOWN_FAMILY_MIN_TOKENS, claudePatches(width, height));
  }
}
