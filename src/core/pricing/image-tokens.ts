/**
 * How each vision-model family turns an image into billed input tokens, and the largest image
 * each family actually looks at. Rules, vendor worked examples and sources:
 * docs/image-tokens-and-sharp.md §A (the formulas follow its §A.9 reference code).
 *
 * This file maps a model id to its family (the dispatcher); each family's rule is in families/,
 * the token count in token-count.ts and the size to send in model-size.ts.
 */
import { claudeFamily } from './families/claude.js';
import { UNKNOWN, type FamilyInfo } from './families/family-info.js';
import { geminiFamily } from './families/gemini.js';
import { llamaFamily } from './families/llama.js';
import { openaiFamily } from './families/openai.js';
import { qwenFamily } from './families/qwen.js';

// The pricing module's public face, imported from many places.
export { UNKNOWN_FAMILY_MIN_TOKENS, UNKNOWN_FAMILY_NOTE, type FamilyInfo, type ModelFamily } from './families/family-info.js';
export { claudeResize } from './families/claude.js';
export { openaiPatchSize, openaiTileSize } from './families/openai.js';
export { qwenResize } from './families/qwen.js';
export { imageTokens } from './token-count.js';
export { modelTargetSize } from './model-size.js';

/**
 * The image rule of an OpenRouter model id ('anthropic/claude-sonnet-4.5', 'openai/gpt-4o-mini',
 * 'google/gemini-2.5-flash:free'). Matches on the model name, so the vendor prefix, a ':free' /
 * ':beta' variant suffix and letter case don't matter.
 */
export function familyFor(modelId: string): FamilyInfo {
  const id = modelId.trim().toLowerCase().replace(/^~/, '').replace(/:[^/]*$/, '');
  const name = id.slice(id.lastIndexOf('/') + 1);
  if (name.startsWith('claude-')) return claudeFamily(name);
  return openaiFamily(name) ?? geminiFamily(name) ?? qwenFamily(name) ?? llamaFamily(name) ?? UNKNOWN;
}
