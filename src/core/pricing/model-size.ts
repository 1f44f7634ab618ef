/**
 * The largest image each family actually looks at: what to send so that no token or byte is wasted.
 * images/sizing.ts turns this (or a fixed --max-edge) into the one pixel size the run sends and the
 * dry run prices.
 */
import { claudeResize, claudeSize } from './families/claude.js';
import { assertSize, fitInside, type FamilyInfo } from './families/family-info.js';
import { GEMINI_25_EDGE, GEMINI_3_EDGE } from './families/gemini.js';
import { LLAMA_EDGE } from './families/llama.js';
import { openaiPatchSizeFor, openaiTileSize } from './families/openai.js';
import { qwenSize } from './families/qwen.js';
import { imageTokens } from './token-count.js';

const { floor, max, min } = Math;

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
      return claudeSize(info, w, h);
    case 'openai-tile':
      return openaiTileSize(w, h);
    case 'openai-patch':
      return openaiPatchSizeFor(info, w, h);
    case 'gemini-2.0':
      return [w, h];
    case 'gemini-2.5':
      return fitInside(w, h, GEMINI_25_EDGE);
    case 'gemini-3':
      return fitInside(w, h, GEMINI_3_EDGE);
    case 'qwen-vl':
    case 'qwen3-vl':
      return qwenSize(w, h);
    case 'llama-3.2-vision':
      return fitInside(w, h, LLAMA_EDGE);
    case 'unknown':
      return claudeResize(w, h, 1568, 1568);
  }
}
