import path from 'node:path';
import { existsSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import { readRecords, RESULTS_FILE } from '../../core/journal.js';
import { buildReport, latestByPath } from '../../core/report.js';
import type { ResultRecord } from '../../core/types.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type CliIO } from '../io.js';
import { renderRunSummary } from '../render-summary.js';
import { escapeJsonControls } from '../terminal-text.js';

/** Rebuilds the cost report from results.jsonl: the latest record per photo, merged across folders. */
export async function reportCommand(dirs: string[], flags: { json?: boolean }, io: CliIO): Promise<number> {
  const all: ResultRecord[] = [];
  for (const dir of dirs) {
    const file = path.join(path.resolve(io.cwd, dir), RESULTS_FILE);
    if (!existsSync(file)) throw new UsageError(`No ${RESULTS_FILE} in ${dir}; pass the --out folder of a run.`);
    all.push(...readRecords(file));
  }
  const records = latestByPath(all);
  const report = buildReport({ records, total: records.length, skipped: 0, elapsedMs: records.reduce((a, r) => a + (r.ms ?? 0), 0) });
  if (flags.json) io.stdout.write(escapeJsonControls(JSON.stringify(report, null, 2)) + '\n');
  else io.stderr.write(renderRunSummary({ report, reportFile: '' }, dirs.join(' + '), useColor(io)));
  return ExitCode.ok;
}
