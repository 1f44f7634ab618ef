/** Cleaning of model answers for presets, and their mapping onto metadata fields. */
import type { LangFields, SidecarFields } from '../outputs/sidecars/index.js';
import { deeperThan, MAX_JSON_DEPTH } from '../safety/json-depth.js';
import { firstFence, stripFences } from './markdown-fence.js';
import { looksLikeCamera, looksLikeFileName } from './keywords/not-keywords.js';

/** Models wrap JSON in ```json fences or a sentence of preamble despite being told not to. */
export function extractJson(raw: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const text = (firstFence(raw) ?? raw).trim();
  const candidates = [text];
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start > 0 || (start >= 0 && end < text.length - 1)) candidates.push(text.slice(start, end + 1));
  for (const candidate of candidates) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue; // try the next candidate
    }
    // Data of any depth must never crash the run; deeper than any real answer is simply not a usable one.
    if (deeperThan(value)) return { ok: false, message: `answer is JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
    return { ok: true, value };
  }
  return { ok: false, message: `answer is not JSON: ${raw.slice(0, 120)}` };
}

/** NFC so that "characters" in the alt-text limit means what a reader sees, and trimmed strings. */
export function normaliseStrings<T>(v: T): T {
  if (typeof v === 'string') return v.normalize('NFC').trim() as T;
  if (Array.isArray(v)) return v.map(normaliseStrings) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normaliseStrings(x)])) as T;
  return v;
}

/** A plain-text answer without the fence or the quotes models like to put around one sentence. */
export function cleanPlainText(raw: string): string {
  const text = stripFences(raw).normalize('NFC').trim();
  const m = /^(["“«])([\s\S]*)(["”»])$/.exec(text);
  // Only when the quotes wrap the whole answer, not when it merely starts and ends with a quotation.
  return m?.[2] && !/["“”«»]/.test(m[2]) ? m[2].trim() : text;
}

/** "a, b; c" or a bulleted / numbered list, one per line. */
export function splitKeywordList(text: string): string[] {
  return text
    .split(/[,;\n]+/)
    .map((k) => k.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, '').trim())
    .filter(Boolean);
}

const MONTHS =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const DATES_AND_COORDINATES: RegExp[] = [
  /\b(?:1[89]|20)\d{2}\b/, // a year
  /\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b/, // 2024-02-10, 10/02/2024
  /\b\d{1,2}:\d{2}\b/, // a time
  new RegExp(`\\b(?:${MONTHS})\\.?\\s+\\d{1,2}\\b|\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:${MONTHS})\\b`, 'i'),
  /\b(?:ngày|tháng)\s+\d{1,2}\b/i, // Vietnamese "ngày 10", "tháng 2"
  /°|\b\d{1,3}\.\d{2,}\s*[NSEW]?\s*[,;]\s*-?\d{1,3}\.\d{2,}\b|\b\d{1,3}\.\d{3,}\s*[NSEW]\b/i, // coordinates
  /\b(?:gps|lat(?:itude)?|lon(?:gitude)?)\b/i,
  /^[-+]?\d{1,3}\.\d{3,}$/, // one half of a coordinate pair split at its comma
];

export function looksLikeDateOrCoordinates(keyword: string): boolean {
  return DATES_AND_COORDINATES.some((re) => re.test(keyword));
}

/**
 * Trimmed, de-duplicated ignoring letter case (first spelling wins), without dates, coordinates,
 * camera names or file names (the photo's own metadata carries those, exactly), at most `max`.
 * The order is kept: models are asked for the most important first.
 */
export function cleanKeywords(list: readonly string[], max: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of list) {
    const k = raw
      .normalize('NFC')
      .replace(/^#+/, '')
      .replace(/\s+/g, ' ')
      .replace(/^["'“”]+|["'“”.]+$/g, '')
      .trim();
    const key = k.toLocaleLowerCase();
    if (!k || seen.has(key) || looksLikeDateOrCoordinates(k) || looksLikeCamera(k) || looksLikeFileName(k)) continue;
    seen.add(key);
    out.push(k);
    if (out.length >= max) break;
  }
  return out;
}

/** IPTC semantics: with a detailed paragraph the one-sentence caption is the headline. */
export function langFields(o: Record<string, unknown>): LangFields {
  const s = (k: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined);
  const f: LangFields = {};
  const caption = s('caption') ?? s('description') ?? s('tet_greeting');
  if (s('caption') !== undefined && s('description') !== undefined) {
    f.caption = s('description');
    f.headline = s('caption');
  } else if (caption !== undefined) f.caption = caption;
  if (s('title') !== undefined) f.title = s('title');
  const alt = s('alt_text') ?? s('altText');
  if (alt !== undefined) f.altText = alt;
  // A detailed paragraph next to alt text is the IPTC "extended description" for screen readers.
  if (alt !== undefined && s('description') !== undefined) f.extendedDescription = s('description');
  if (s('headline') !== undefined) f.headline = s('headline');
  const kw = o.keywords ?? o.subject ?? o.tags;
  if (Array.isArray(kw)) f.keywords = kw.filter((k): k is string => typeof k === 'string');
  return f;
}

export function withLangs(primary: LangFields, perLang: Record<string, LangFields> | undefined): SidecarFields {
  return perLang ? { ...primary, byLang: perLang } : { ...primary };
}
