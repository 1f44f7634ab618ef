import path from 'node:path';
import type { ResultRecord } from './types.js';
import { writeFileAtomic } from './atomic-write.js';
import { COST_CSV_FILE, COST_REPORT_FILE, latestByPath, type CostReport } from './report.js';

export async function writeCostReport(outDir: string, report: CostReport): Promise<string> {
  const file = path.join(outDir, COST_REPORT_FILE);
  await writeFileAtomic(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}

const CSV_COLUMNS = [
  'file', 'status', 'model', 'width', 'height', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'estimated_cost_usd', 'error_kind',
] as const;

/** One row per photo (latest record per path), so a photographer can invoice a client. */
export async function writeCostCsv(outDir: string, history: readonly ResultRecord[]): Promise<string> {
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
  await writeFileAtomic(file, rows.join('\n') + '\n');
  return file;
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
