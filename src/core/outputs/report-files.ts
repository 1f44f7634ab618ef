import path from 'node:path';
import { writeChunksAtomic, writeFileAtomic } from '../record/atomic-write.js';
import { COST_CSV_FILE, COST_REPORT_FILE, type CostReport } from './report.js';
import type { MergedResults } from '../record/results-merge.js';

export async function writeCostReport(outDir: string, report: CostReport): Promise<string> {
  const file = path.join(outDir, COST_REPORT_FILE);
  await writeFileAtomic(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}

const CSV_COLUMNS = [
  'file', 'status', 'model', 'width', 'height', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'estimated_cost_usd', 'error_kind',
] as const;

/** One row per photo (the current record of each path), so a photographer can invoice a client. Streamed. */
export async function writeCostCsv(outDir: string, results: MergedResults, file = path.join(outDir, COST_CSV_FILE)): Promise<string> {
  await writeChunksAtomic(file, csvRows(results));
  return file;
}

async function* csvRows(results: MergedResults): AsyncGenerator<string> {
  // The byte-order mark is how Excel knows the file is UTF-8: without it "Nguyễn" opens as "Nguyá»…n".
  yield '\uFEFF' + CSV_COLUMNS.join(',') + '\n';
  for await (const { record: r } of results.current()) {
    yield [
      r.file, r.status, r.model ?? '', r.sent?.width ?? '', r.sent?.height ?? '',
      r.usage?.prompt_tokens ?? '', r.usage?.completion_tokens ?? '', csvUsd(r.usage?.cost_usd),
      csvUsd(r.estimated_cost_usd), r.error?.kind ?? '',
    ].map(csvCell).join(',') + '\n';
  }
}
/**
 * One CSV cell (RFC 4180 quoting). Text a spreadsheet would evaluate as a formula (starting with
 * = + - @, a tab or a carriage return: a file named "=HYPERLINK(…).jpg", a model called "@SUM(…)")
 * gets a leading apostrophe, which Excel and LibreOffice show as text (OWASP "CSV injection").
 * Numbers are written as numbers.
 */
export function csvCell(value: string | number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r\t]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Dollars as a plain decimal, rounded to 1e-10 (no float noise such as 0.30000000000000004, no "1e-7"). */
function csvUsd(x: number | null | undefined): string | number {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '';
  return x.toFixed(10).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}
