/**
 * The upload CSVs, checked against each agency's limits (agency-rules.ts, with sources) before
 * anything is written. `fix` trims what can be trimmed; what cannot (a file name too long, too few
 * keywords, no category) leaves the photo out, with the reason.
 */
import { ADOBE_STOCK, adobeCategoryNumber, SHUTTERSTOCK, shutterstockCategory } from './agency-rules.js';
import type { ExportRow } from './rows.js';

export type ExportFormat = 'adobe-stock' | 'shutterstock' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['adobe-stock', 'shutterstock', 'csv'];

export interface Problem {
  filename: string;
  path: string;
  /** What breaks the rule, in words a contributor understands. */
  message: string;
  /** Whether --fix repairs it. */
  fixable: boolean;
}

export interface ExportResult {
  /** The whole CSV, or undefined when nothing may be written (problems without --fix, or file-level limits). */
  csv?: string;
  rows: number;
  problems: Problem[];
  /** Photos left out (with --fix: the ones whose problems cannot be fixed). */
  skipped: number;
}

export function buildExport(rows: readonly ExportRow[], format: ExportFormat, opts: { fix: boolean }): ExportResult {
  const problems: Problem[] = [];
  const kept: string[][] = [];
  const header = format === 'adobe-stock' ? [...ADOBE_STOCK.headers] : format === 'shutterstock' ? [...SHUTTERSTOCK.headers] : GENERIC_HEADERS;
  // Agencies match rows to uploads by file name: two photos named alike cannot both be described.
  const names = new Map<string, number>();
  for (const r of rows) names.set(r.filename.toLowerCase(), (names.get(r.filename.toLowerCase()) ?? 0) + 1);

  for (const row of rows) {
    const found: Problem[] = [];
    const problem = (message: string, fixable: boolean) => found.push({ filename: row.filename, path: row.path, message, fixable });
    if (format !== 'csv' && (names.get(row.filename.toLowerCase()) ?? 0) > 1) {
      problem('another photo in this export has the same file name; the agency matches rows by file name (rename one)', false);
    }
    const cells =
      format === 'adobe-stock' ? adobeRow(row, problem, opts.fix) : format === 'shutterstock' ? shutterstockRow(row, problem, opts.fix) : genericRow(row);
    problems.push(...found);
    const blocking = found.some((p) => !p.fixable || !opts.fix);
    if (!blocking) kept.push(cells);
  }

  const anyBlocking = problems.some((p) => !p.fixable || !opts.fix);
  const csv = renderCsv([header, ...kept]);
  if (format === 'adobe-stock') {
    // File-level limits: no row can be trimmed to meet these; split the export instead.
    if (kept.length > ADOBE_STOCK.maxRows) {
      problems.push({ filename: '*', path: '', message: `${kept.length} rows; Adobe Stock takes at most ${ADOBE_STOCK.maxRows} per CSV (export the folders separately)`, fixable: false });
      return { rows: 0, problems, skipped: rows.length };
    }
    if (Buffer.byteLength(csv) > ADOBE_STOCK.maxBytes) {
      problems.push({ filename: '*', path: '', message: `the CSV would be ${Buffer.byteLength(csv)} bytes; Adobe Stock takes at most 1 MB (export the folders separately)`, fixable: false });
      return { rows: 0, problems, skipped: rows.length };
    }
  }
  // Without --fix, any problem means nothing is written: a half-valid upload is worse than none.
  if (anyBlocking && !opts.fix) return { rows: 0, problems, skipped: rows.length };
  return { csv, rows: kept.length, problems, skipped: rows.length - kept.length };
}

type Report = (message: string, fixable: boolean) => void;

function adobeRow(row: ExportRow, problem: Report, fix: boolean): string[] {
  if ([...row.filename].length > ADOBE_STOCK.filenameMax) {
    problem(`file name is ${[...row.filename].length} characters; Adobe Stock takes at most ${ADOBE_STOCK.filenameMax} including the extension (rename the file)`, false);
  }
  let title = oneLine(row.title ?? row.description ?? '');
  if (!title) problem('no title (run with --preset stock, or a caption)', false);
  if (title.includes(',')) {
    problem('title contains commas, which Adobe Stock does not allow', true);
    if (fix) title = title.replace(/\s*,\s*/g, ' ').trim();
  }
  if ([...title].length > ADOBE_STOCK.titleMax) {
    problem(`title is ${[...title].length} characters; Adobe Stock takes at most ${ADOBE_STOCK.titleMax}`, true);
    if (fix) title = cutAtWord(title, ADOBE_STOCK.titleMax);
  }
  const keywords = checkKeywords(row.keywords, problem, fix, { min: 1, max: ADOBE_STOCK.keywordsMax, agency: 'Adobe Stock' });
  let category = '';
  if (row.category !== undefined) {
    const n = adobeCategoryNumber(row.category);
    if (n === undefined) {
      problem(`category "${row.category}" is not one of Adobe Stock's; the column is optional`, true);
    } else category = String(n);
  }
  return [row.filename, title, keywords.join(', '), category, ''];
}

function shutterstockRow(row: ExportRow, problem: Report, fix: boolean): string[] {
  let description = oneLine(row.description ?? row.title ?? '');
  if (!description) problem('no description (Shutterstock requires one)', false);
  if ([...description].length > SHUTTERSTOCK.descriptionMax) {
    problem(`description is ${[...description].length} characters; Shutterstock takes at most ${SHUTTERSTOCK.descriptionMax}`, true);
    if (fix) description = cutAtWord(description, SHUTTERSTOCK.descriptionMax);
  }
  const keywords = checkKeywords(row.keywords, problem, fix, { min: SHUTTERSTOCK.keywordsMin, max: SHUTTERSTOCK.keywordsMax, agency: 'Shutterstock' });
  const valid = row.shutterstockCategories.map(shutterstockCategory);
  let categories = valid.filter((c): c is string => c !== undefined);
  const unknown = row.shutterstockCategories.filter((_, i) => valid[i] === undefined);
  if (unknown.length > 0) problem(`categor${unknown.length === 1 ? 'y' : 'ies'} ${unknown.map((c) => `"${c}"`).join(', ')} not in Shutterstock's list`, categories.length > 0);
  if (categories.length === 0) problem('no category; Shutterstock requires 1 or 2 (run with --preset stock)', false);
  if (categories.length > SHUTTERSTOCK.categoriesMax) {
    problem(`${categories.length} categories; Shutterstock takes 1 or 2`, true);
    categories = categories.slice(0, SHUTTERSTOCK.categoriesMax);
  }
  return [row.filename, description, keywords.join(', '), categories.join(',')];
}

const GENERIC_HEADERS = ['file', 'path', 'title', 'description', 'keywords', 'alt_text', 'category'];

function genericRow(row: ExportRow): string[] {
  return [row.filename, row.path, oneLine(row.title ?? ''), oneLine(row.description ?? ''), row.keywords.map(oneLine).join(', '), oneLine(row.altText ?? ''), row.category ?? ''];
}

function checkKeywords(list: readonly string[], problem: Report, fix: boolean, rule: { min: number; max: number; agency: string }): string[] {
  let keywords = list.map(oneLine).filter(Boolean);
  const withComma = keywords.filter((k) => k.includes(','));
  if (withComma.length > 0) {
    problem(`keyword${withComma.length === 1 ? '' : 's'} ${withComma.map((k) => `"${k}"`).join(', ')} contain${withComma.length === 1 ? 's' : ''} a comma, the separator`, true);
    if (fix) keywords = keywords.flatMap((k) => k.split(',').map((x) => x.trim()).filter(Boolean));
  }
  keywords = dedupe(keywords);
  if (keywords.length < rule.min) problem(`${keywords.length} keyword${keywords.length === 1 ? '' : 's'}; ${rule.agency} needs at least ${rule.min}`, false);
  if (keywords.length > rule.max) {
    problem(`${keywords.length} keywords; ${rule.agency} takes at most ${rule.max} (the first ones, most important, are kept by --fix)`, true);
    if (fix) keywords = keywords.slice(0, rule.max);
  }
  return keywords;
}

function dedupe(list: string[]): string[] {
  const seen = new Set<string>();
  return list.filter((k) => !seen.has(k.toLowerCase()) && (seen.add(k.toLowerCase()), true));
}

/** Line breaks and control characters would split a CSV row in some importers. */
function oneLine(s: string): string {
  return s.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').replace(/\s+/g, ' ').trim();
}

function cutAtWord(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  const cut = chars.slice(0, max).join('');
  const space = cut.lastIndexOf(' ');
  return (space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:–-]+$/, '');
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; CRLF line ends. */
export function renderCsv(rows: readonly (readonly string[])[]): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
