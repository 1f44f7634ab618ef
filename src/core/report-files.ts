import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ResultRecord } from './types.js';
import { COST_CSV_FILE, COST_REPORT_FILE, latestByPath, type CostReport } from './report.js';

/** Written to a temp file and renamed, so a crash never leaves a half-written report. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function writeCostReport(outDir: string, report: CostReport): string {
  const file = path.join(outDir, COST_REPORT_FILE);
  writeAtomic(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}

const CSV_COLUMNS = [
  'file', 'status', 'model', 'width', 'height', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'estimated_cost_usd', 'error_kind',
] as const;

/** One row per photo (latest record per path), so a photographer can invoice a client. */
export function writeCostCsv(outDir: string, history: readonly ResultRecord[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const r of latestByPath(history)) {
    rows.push(
      [
        r.file, r.status, r.model ?? '', r.sent?.width ?? '', r.sent?.height ?? '',
        r.usage?.prompt_tokens ?? '', r.usage?.completion_tokens ?? '', r.usage?.cost_usd ?? '',
        r.estimated_cost_usd ?? '', r.error?.kind ?? '',
      ].map(csvCell).join(','),
    );
  }
  const file = path.join(outDir, COST_CSV_FILE);
  writeAtomic(file, rows.join('\n') + '\n');
  return file;
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
