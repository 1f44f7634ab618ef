import type { ValidateFunction } from 'ajv';
import { DEFAULT_PROMPT } from '../run/config.js';
import { UsageError } from '../errors.js';
import type { LangFields, SidecarFields } from '../outputs/sidecars/index.js';
import { renderTemplate, usesVar, type TemplateVars } from './template.js';
import { cleanKeywords, cleanPlainText, extractJson, langFields, normaliseStrings, splitKeywordList, withLangs } from './presets-parse.js';
import {
  ALT_TEXT_MAX, DEFAULT_MAX_KEYWORDS, KEY, PRESET_NAMES, STOCK_KEYWORDS, byLangSchema, compile, fieldInstruction, fieldsOf, instruction, langName, presetSchema,
  type PresetName,
} from './preset-fields.js';
import type { Vocabulary, VocabularyMode } from './keywords/vocabulary.js';

/** Default token budget of the vocabulary hint (see README "Controlled vocabulary" for the measured cost). */
export const DEFAULT_VOCABULARY_HINT_TOKENS = 300;

export type ParseResult =
  | { ok: true; output: string | Record<string, unknown>; fields: SidecarFields }
  | { ok: false; message: string };

export interface PromptPlan {
  /** The prompt for one photo. */
  prompt: (vars: TemplateVars) => string;
  /** The prompt before variables are filled: what the job fingerprint and provenance hash cover. */
  template: string;
  /** `response_format` (json_schema) when the answer is structured. */
  responseFormat?: unknown;
  /** Top-level request fields to merge into the chat body (response_format and provider routing). */
  extra?: Record<string, unknown>;
  /** Validates one answer. `ok: false` means retry once, then fail the photo as `invalid_output`. */
  parse: (raw: string) => ParseResult;
  /** One line for dry runs and logs. */
  describe: string;
}

export interface PlanOptions {
  presets?: PresetName[];
  customPrompt?: string;
  schema?: object;
  /** `name` of the json_schema sent with --schema (letters, digits, _ and -). */
  schemaName?: string;
  langs?: string[];
  context?: string;
  maxKeywords?: number;
  minKeywords?: number;
  /** Snaps keywords to the photographer's terms and offers them to the model. */
  vocabulary?: Vocabulary;
  vocabularyMode?: VocabularyMode;
  /** Token budget of the vocabulary hint in the prompt; 0 sends no hint (snapping still applies). */
  vocabularyHintTokens?: number;
  /** Appends what the photo's own metadata says (the `metadata` template variable) to each prompt. */
  contextFromMetadata?: boolean;
}

export function parsePresets(list: string): PresetName[] {
  const names = list.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`--preset needs a name. Valid presets: ${PRESET_NAMES.join(', ')}.`);
  const bad = names.find((n) => !(PRESET_NAMES as readonly string[]).includes(n));
  if (bad !== undefined) throw new UsageError(`Unknown preset "${bad}". Valid presets: ${PRESET_NAMES.join(', ')}.`);
  return [...new Set(names)] as PresetName[];
}

/**
 * One preset, or a custom prompt, is answered in plain text that any model can give. Several
 * presets, two languages or --schema need one JSON answer. A custom prompt given with presets
 * is their lead-in; --context is appended unless the prompt places `{context}` itself.
 */
export function planPrompt(opts: PlanOptions): PromptPlan {
  const presets = [...new Set(opts.presets ?? [])];
  const langs = [...new Set(opts.langs ?? [])];
  const names = langs.map(langName);
  const stock = presets.includes('stock');
  const max = opts.maxKeywords ?? (stock ? STOCK_KEYWORDS.max : DEFAULT_MAX_KEYWORDS);
  if (!Number.isInteger(max) || max < 1) throw new UsageError(`--max-keywords must be a whole number of at least 1 (got ${max}).`);
  const min = opts.minKeywords ?? Math.min(stock ? STOCK_KEYWORDS.min : 5, max);
  if (!Number.isInteger(min) || min < 1 || min > max) {
    throw new UsageError(`--min-keywords must be a whole number from 1 to --max-keywords (${max}); got ${min}.`);
  }
  if (opts.schema && presets.length > 0) throw new UsageError('--schema and --preset both define the answer; use one of them.');

  const schemaType = (opts.schema as { type?: unknown } | undefined)?.type;
  if (schemaType !== undefined && schemaType !== 'object') throw new UsageError('--schema must describe a JSON object ("type": "object").');

  let template = opts.customPrompt?.trim() || (opts.schema || presets.length > 0 ? 'Look at this photo.' : DEFAULT_PROMPT);
  const structured = opts.schema !== undefined || presets.length > 1 || langs.length > 1 || stock;
  const needsKeywords = presets.includes('keywords') || stock;
  const mode = opts.vocabularyMode ?? 'prefer';
  /** Clean, snap to the vocabulary, then keep the `max` most important: never a reason to ask again. */
  const finish = (list: string[]): { keywords: string[]; hierarchical: string[] } => {
    const cleaned = cleanKeywords(list, Number.POSITIVE_INFINITY);
    const snapped = opts.vocabulary ? opts.vocabulary.snap(cleaned, mode) : { keywords: cleaned, hierarchical: cleaned };
    return { keywords: snapped.keywords.slice(0, max), hierarchical: snapped.hierarchical.slice(0, max) };
  };
  const cap = (list: string[]) => finish(list).keywords;
  // What every keyword list becomes in metadata: the flat term and its vocabulary path.
  const withHierarchy = <T extends { keywords?: string[]; hierarchical?: string[] }>(f: T): T => {
    if (f.keywords) {
      const done = finish(f.keywords);
      f.keywords = done.keywords;
      // Without a vocabulary each keyword is its own top-level path: writers derive that themselves.
      if (opts.vocabulary) f.hierarchical = done.hierarchical;
    }
    return f;
  };

  if (opts.schema) {
    template += '\n\nAnswer with a JSON object that follows the given JSON schema.';
    if (langs.length > 0) template += ` Write the text in ${names.join(' and ')} as the schema asks.`;
  } else if (structured) {
    const fieldList = [...new Set(presets.flatMap(fieldsOf))].map((f) => `- "${f}": ${fieldInstruction(f, presets, min, max)}`).join('\n');
    template +=
      langs.length > 1
        ? `\n\nAnswer with a JSON object with one key per language: ${langs.map((l) => `"${l}" (${langName(l)})`).join(', ')}.` +
          ` Each value is an object with these fields, written in that language:\n${fieldList}`
        : `\n\nAnswer with a JSON object with these fields:\n${fieldList}`;
    if (langs.length === 1) template += `\nWrite every text field in ${langName(langs[0]!)}.`;
    else if (langs.length === 0 && presets.includes('tet-greeting')) template += '\nWrite the greeting in Vietnamese.';
  } else if (presets.length === 1) {
    const p = presets[0]!;
    template += `\n\nWrite ${instruction(p, min, max)}.`;
    if (langs.length === 1) template += ` Write it in ${langName(langs[0]!)}.`;
    else if (p === 'tet-greeting') template += ' Write it in Vietnamese.';
    template += p === 'keywords' ? ' Answer with the keywords only, separated by commas.' : ' Answer with that text only, no quotes or preamble.';
  } else if (langs.length === 1) {
    template += `\n\nAnswer in ${langName(langs[0]!)}.`;
  }
  if (opts.context?.trim() && !usesVar(template, 'context')) template += '\n\nContext from the photographer: {context}';
  const hintBudget = opts.vocabularyHintTokens ?? DEFAULT_VOCABULARY_HINT_TOKENS;
  if (opts.vocabulary && needsKeywords && hintBudget > 0) {
    const hint = opts.vocabulary.hint(hintBudget);
    if (hint.text) template += `\n\n${hint.text}`;
  }
  // The metadata differs per photo, so it is rendered into each prompt (and so into each photo's job
  // fingerprint: a photo whose names or place change is asked again); never sent without the flag.
  const METADATA_LINE = "\n\nWhat the photo's own metadata says (use these names and places; do not guess others): ";
  if (opts.contextFromMetadata) template += `${METADATA_LINE}{metadata}`;
  const base = opts.contextFromMetadata ? template.slice(0, -(METADATA_LINE.length + '{metadata}'.length)) : template;

  const prompt = (vars: TemplateVars) => {
    const text = renderTemplate(base, { ...vars, context: vars.context ?? opts.context });
    const metadata = opts.contextFromMetadata ? vars.metadata?.trim() : undefined;
    return metadata ? `${text}${METADATA_LINE}${metadata}` : text;
  };
  const what = opts.schema ? 'custom JSON schema' : presets.length > 0 ? `presets ${presets.join(', ')}` : 'custom prompt';
  const describe =
    `${what}${langs.length ? ` in ${langs.join(', ')}` : ''}${needsKeywords ? ` (max ${max} keywords)` : ''}, ` +
    (structured ? 'structured JSON answer' : 'plain text answer');

  if (!structured) {
    const lang = langs[0];
    return {
      prompt,
      template,
      describe,
      parse(raw) {
        const text = cleanPlainText(raw);
        if (!text) return { ok: false, message: 'empty answer' };
        const p = presets[0];
        if (p === 'keywords') {
          const list = splitKeywordList(text);
          // Too many is trimmed to the most important (the first): never paid for twice.
          if (list.length < min) return { ok: false, message: `expected at least ${min} keywords, got ${list.length}` };
          if (cleanKeywords(list, 1).length === 0) return { ok: false, message: 'no usable keywords (only dates, coordinates, camera names or file names)' };
          const { keywords, hierarchical } = finish(list);
          const f = opts.vocabulary ? { keywords, hierarchical } : { keywords };
          return { ok: true, output: keywords.join(', '), fields: withLangs(f, lang ? { [lang]: f } : undefined) };
        }
        if (p === 'alt-text' && [...text].length > ALT_TEXT_MAX) {
          return { ok: false, message: `alt text is ${[...text].length} characters, more than ${ALT_TEXT_MAX}` };
        }
        const f: LangFields = p === 'alt-text' ? { altText: text } : { caption: text };
        return { ok: true, output: text, fields: withLangs(f, lang ? { [lang]: f } : undefined) };
      },
    };
  }

  const inner = opts.schema ? undefined : presetSchema(presets, min, max, false);
  const sent = opts.schema ?? (langs.length > 1 ? byLangSchema(langs, inner!) : inner!);
  const innerCheck = opts.schema ? undefined : presetSchema(presets, min, max, true);
  const checked = opts.schema ?? (langs.length > 1 ? byLangSchema(langs, innerCheck!) : innerCheck!);
  const validate = compile(checked, opts.schema ? '--schema' : 'preset schema');
  const defaultName = opts.schema ? 'photobatch_output' : `photobatch_${presets.map((p) => KEY[p]).join('_')}`;
  const name = (opts.schemaName ?? defaultName).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  const responseFormat = { type: 'json_schema', json_schema: { name, strict: true, schema: sent } };

  return {
    prompt,
    template,
    describe,
    responseFormat,
    extra: { response_format: responseFormat, provider: { require_parameters: true } },
    parse(raw) {
      const json = extractJson(raw);
      if (!json.ok) return json;
      const value = opts.schema ? json.value : normaliseStrings(json.value);
      if (!validate(value)) return { ok: false, message: `answer does not match the schema: ${errorsText(validate)}` };
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'answer is not a JSON object' };
      const obj = value as Record<string, unknown>;
      if (opts.schema) return { ok: true, output: obj, fields: withHierarchy(langFields(obj)) };
      const groups = langs.length > 1 ? langs.map((l) => [l, obj[l] as Record<string, unknown>] as const) : [[langs[0], obj] as const];
      for (const [, g] of groups) {
        if (!needsKeywords) continue;
        if (cleanKeywords(g.keywords as string[], 1).length === 0) return { ok: false, message: 'no usable keywords (only dates, coordinates, camera names or file names)' };
        g.keywords = cap(g.keywords as string[]);
      }
      const perLang = langs.length > 0 ? Object.fromEntries(groups.map(([l, g]) => [l!, withHierarchy(langFields(g))])) : undefined;
      return { ok: true, output: obj, fields: withLangs(withHierarchy(langFields(groups[0]![1])), perLang) };
    },
  };
}

function errorsText(v: ValidateFunction): string {
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
}
