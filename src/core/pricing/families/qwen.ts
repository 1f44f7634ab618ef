/** Alibaba Qwen-VL: 28-px (Qwen2.5-VL) or 32-px (Qwen3-VL, 3.5) tokens after smart_resize (docs §A.4). */
import { roundHalfEven, type FamilyInfo } from './family-info.js';

const { ceil, floor, max, sqrt } = Math;

const QWEN3_NOTE =
  'Qwen3-VL/Qwen3.5 token counts depend on the host’s max_pixels; estimated with the model defaults (one token per 32×32 px, up to 16,384).';
const QWEN_NOTE =
  'Qwen-VL token counts depend on the host’s max_pixels; estimated with the model defaults (one token per 28×28 px, up to 16,384).';

/**
 * Qwen-VL is billed per 28×28 px up to ~12.8 MP by default, and hosts set their own cap: we send at
 * most ~1.2 MP (1,536 tokens' worth), the "≤1.2 MP" target docs §A.7 recommends, which also keeps a
 * 12 MP JPEG on sharp's 1/2 shrink-on-load path.
 */
export const QWEN_MAX_PIXELS = 1536 * 28 * 28;

/**
 * Qwen3-VL, Qwen3.5 and Qwen3.6 use 32-px tokens (16-px patches merged 2×2); Qwen2.5-VL and older 28-px ones
 * (docs §A.4). Qwen3.5/3.6 ids carry no '-vl', and local servers write 'qwen3-vl:8b' or 'qwen2.5vl:7b', so the
 * family is read from the version, not from a '-vl' suffix.
 */
export function qwenFamily(name: string): FamilyInfo | undefined {
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

export function qwenTokens(info: FamilyInfo, width: number, height: number): number {
  if (info.family === 'qwen3-vl') {
    const [w, h] = qwenResize(width, height, 64 * 1024, 16384 * 1024, 32);
    return (w / 32) * (h / 32);
  }
  const [w, h] = qwenResize(width, height);
  return (w / 28) * (h / 28);
}

/** What we send: at most QWEN_MAX_PIXELS, aspect kept. */
export function qwenSize(w: number, h: number): [number, number] {
  if (w * h <= QWEN_MAX_PIXELS) return [w, h];
  const s = sqrt(QWEN_MAX_PIXELS / (w * h));
  return [max(1, floor(w * s)), max(1, floor(h * s))];
}
