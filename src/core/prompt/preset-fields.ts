/**
 * What each preset asks the model for: its JSON keys, the instruction of each field, and the answer's JSON
 * schema (sent to the model, and checked locally with its limits). planPrompt (presets.ts) assembles these.
 */
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
import { UsageError } from '../errors.js';
import { ADOBE_CATEGORIES, SHUTTERSTOCK, SHUTTERSTOCK_CATEGORIES } from '../outputs/export/agency-rules.js';

export type PresetName = 'caption' | 'keywords' | 'alt-text' | 'describe' | 'tet-greeting' | 'stock';
export const PRESET_NAMES: readonly PresetName[] = ['caption', 'keywords', 'alt-text', 'describe', 'tet-greeting', 'stock'];
export const ALT_TEXT_MAX = 125;
export const DEFAULT_MAX_KEYWORDS = 15;
/** --preset stock: what both agencies accept (Adobe at most 50, Shutterstock 7–50), with room under the cap. */
export const STOCK_KEYWORDS = { min: 25, max: 49 } as const;

// JSON keys of each preset in structured answers.
export const KEY: Record<PresetName, string> = {
  caption: 'caption',
  keywords: 'keywords',
  'alt-text': 'alt_text',
  describe: 'description',
  'tet-greeting': 'tet_greeting',
  stock: 'stock',
};

/** The JSON fields each preset asks for: `stock` is several fields in the same one request. */
export function fieldsOf(p: PresetName): string[] {
  return p === 'stock' ? ['title', 'description', 'keywords', 'category', 'shutterstock_categories'] : [KEY[p]];
}

/** Instructions of the stock-only fields. */
const STOCK_FIELDS: Record<string, string> = {
  title: 'a stock title of at most 70 characters without commas: the main subject, the action and the setting, as a buyer would search for it',
  description: `one descriptive sentence of at most ${SHUTTERSTOCK.descriptionMax} characters: who or what, doing what, where`,
  category: `the Adobe Stock category that fits best, exactly one of: ${ADOBE_CATEGORIES.join(', ')}`,
  shutterstock_categories: `one or two Shutterstock categories, from: ${SHUTTERSTOCK_CATEGORIES.join(', ')}`,
};

export function fieldInstruction(field: string, presets: PresetName[], min: number, max: number): string {
  if (field === 'description' && presets.includes('describe')) return instruction('describe', min, max);
  if (field === 'keywords') return instruction('keywords', min, max);
  return STOCK_FIELDS[field] ?? instruction(presets.find((p) => KEY[p] === field)!, min, max);
}

export function instruction(p: PresetName, min: number, max: number): string {
  const text: Record<PresetName, string> = {
    caption: 'one vivid sentence: what is happening, who or what is in it, and the mood',
    keywords:
      `${min} to ${max} keywords ordered by importance, the most important first, each a single concept of one to three words, ` +
      'no duplicates, no dates, times, coordinates, camera brands or file names',
    'alt-text': `alt text for screen readers, ${ALT_TEXT_MAX} characters or fewer, saying what matters in the picture without "image of" or "photo of"`,
    describe: 'a detailed paragraph: the people, what they are doing, the setting, clothing, light, composition and mood',
    'tet-greeting': 'a warm, personal Vietnamese Lunar New Year (Tết) greeting for the people in the photo, two or three sentences that mention what you see (outfits, smiles, decorations)',
    stock: 'a stock title, description, keywords and categories',
  };
  return text[p];
}

export function langName(code: string): string {
  try {
    const name = new Intl.DisplayNames(['en'], { type: 'language' }).of(code);
    if (name && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(code)) return name;
  } catch {
    // fall through to the usage error
  }
  throw new UsageError(`Invalid --lang code "${code}". Use language codes such as vi, en, fr, pt-BR.`);
}

/**
 * The answer's JSON schema. With `limits` it is the local check: a keyword list longer than asked
 * is trimmed afterwards (most important first), never rejected, so it carries no maxItems.
 */
export function presetSchema(presets: PresetName[], min: number, max: number, limits: boolean): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  const fields = [...new Set(presets.flatMap(fieldsOf))];
  for (const field of fields) {
    const description = fieldInstruction(field, presets, min, max);
    // Providers differ on which limit keywords strict mode accepts: the limits are only
    // enforced locally, and the model learns them from the descriptions.
    const text = { type: 'string', ...(limits && { minLength: 1 }) };
    if (field === 'keywords') props[field] = { type: 'array', description, items: text, ...(limits && { minItems: min }) };
    else if (field === 'category') props[field] = { type: 'string', description, enum: [...ADOBE_CATEGORIES] };
    else if (field === 'shutterstock_categories') {
      props[field] = { type: 'array', description, items: { type: 'string', enum: [...SHUTTERSTOCK_CATEGORIES] } };
    } else props[field] = { ...text, description, ...(limits && field === 'alt_text' && { maxLength: ALT_TEXT_MAX }) };
  }
  return { type: 'object', properties: props, required: fields, additionalProperties: false };
}

export function byLangSchema(langs: string[], inner: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', properties: Object.fromEntries(langs.map((l) => [l, inner])), required: langs, additionalProperties: false };
}

export function compile(schema: object, what: string): ValidateFunction {
  const $schema = (schema as { $schema?: unknown }).$schema;
  const opts = { allErrors: true, strict: false, logger: false } as const;
  // ajv (~80 modules) is loaded the first time a schema is compiled, not by every run: a plain caption needs none
  // (bench 9: start-up before the first request). Required, not imported, so planPrompt stays synchronous.
  const Ajv: typeof AjvClass = typeof $schema === 'string' && $schema.includes('2020-12') ? require('ajv/dist/2020.js').Ajv2020 : require('ajv').Ajv;
  const ajv = new Ajv(opts);
  try {
    return ajv.compile(schema);
  } catch (err) {
    throw new UsageError(`${what} is not a usable JSON Schema: ${(err as Error).message}`, err);
  }
}
