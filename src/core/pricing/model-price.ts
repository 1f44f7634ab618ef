/**
 * One model's price as `/models` lists it (openrouter-api.md §6): price strings become numbers; "-1" (router models
 * such as openrouter/auto) and missing prompt/completion prices mean unknown and become null.
 */
import { parseModelReasoning, type ModelReasoning } from '../prompt/reasoning.js';

export interface ModelPrice {
  id: string;
  name?: string;
  /** USD per input token; null = unknown. */
  prompt: number | null;
  /** USD per output token; null = unknown. */
  completion: number | null;
  /** USD per input image (0 when not listed); null = unknown. */
  image: number | null;
  /** USD per request (0 when not listed); null = unknown. */
  request: number | null;
  /** Fraction off every price, 0–1; applied by the estimate math, not here. */
  discount: number;
  inputModalities?: string[];
  outputModalities?: string[];
  contextLength?: number;
  /** The dated slug responses report (`canonical_slug`), e.g. anthropic/claude-4.6-sonnet-20260217. */
  canonicalSlug?: string;
  /** `/models` reasoning facts (default on, mandatory, efforts). */
  reasoning?: ModelReasoning;
}

/** Price string → number; "-1", negative or garbage → null; absent → null if required, else 0. */
function priceField(value: unknown, required: boolean): number | null {
  if (value === undefined || value === null || value === '') return required ? null : 0;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : null;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/**
 * One `/models` entry (or a snapshot/cache entry of the same shape) → ModelPrice. Price strings
 * become numbers; "-1" and missing prompt/completion prices become null. Throws TypeError when the
 * entry has no string `id`.
 */
export function parseModelPrice(apiModel: unknown): ModelPrice {
  if (!isRecord(apiModel) || typeof apiModel.id !== 'string' || apiModel.id === '') {
    throw new TypeError('Expected a /models entry with a string `id`.');
  }
  const pricing = isRecord(apiModel.pricing) ? apiModel.pricing : {};
  const arch = isRecord(apiModel.architecture) ? apiModel.architecture : {};
  const discountRaw = priceField(pricing.discount, false);
  const price: ModelPrice = {
    id: apiModel.id,
    prompt: priceField(pricing.prompt, true),
    completion: priceField(pricing.completion, true),
    image: priceField(pricing.image, false),
    request: priceField(pricing.request, false),
    discount: discountRaw === null ? 0 : Math.min(1, discountRaw),
  };
  if (typeof apiModel.name === 'string') price.name = apiModel.name;
  const input = strings(arch.input_modalities ?? apiModel.input_modalities);
  const output = strings(arch.output_modalities ?? apiModel.output_modalities);
  if (input) price.inputModalities = input;
  if (output) price.outputModalities = output;
  const ctx = apiModel.context_length;
  if (typeof ctx === 'number' && Number.isFinite(ctx) && ctx > 0) price.contextLength = ctx;
  if (typeof apiModel.canonical_slug === 'string' && apiModel.canonical_slug !== '') price.canonicalSlug = apiModel.canonical_slug;
  const reasoning = parseModelReasoning(apiModel.reasoning);
  if (reasoning) price.reasoning = reasoning;
  return price;
}

/** Every entry that parses; the rest are skipped. */
export function parseAll(entries: readonly unknown[]): ModelPrice[] {
  const out: ModelPrice[] = [];
  for (const entry of entries) {
    try {
      out.push(parseModelPrice(entry));
    } catch {
      // An entry without an id is skipped; the rest of the list is still useful.
    }
  }
  return out;
}
