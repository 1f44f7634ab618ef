import path from 'node:path';
import { writeChunksAtomic, writeFileAtomic } from './atomic-write.js';
import { COST_CSV_FILE, COST_REPORT_FILE, type CostReport } from './report.js';
import type { MergedResults } from './results-merge.js';

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
  yield CSV_COLUMNS.join(',') + '\n';
  for await (const { record: r } of results.current()) {
    yield [
      r.file, r.status, r.model ?? '', r.sent?.width ?? '', r.sent?.height ?? '',
      r.usage?.prompt_tokens ?? '', r.usage?.completion_tokens ?? '', r.usage?.cost_usd ?? '',
      r.estimated_cost_usd ?? '', r.error?.kind ?? '',
    ].map(csvCell).join(',') + '\n';
  }
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
