import path from 'node:path';
import { RESULTS_FILE } from '../../core/record/journal.js';
import { openResults, outDirsWithResults } from '../../core/record/results-merge.js';
import { ExitCode } from '../exit-codes.js';
import { style, useColor, type CliIO } from '../io.js';
import { renderRunSummary } from '../render-summary.js';
import { escapeJsonControls } from '../terminal-text.js';
import type { FlagValues } from '../flags/flag.js';
import type { REPORT_FLAGS } from '../flags/folder-flags.js';

/** The flags as program.ts resolves them from cli/flags/folder-flags.ts; any may be left out by a caller. */
export type ReportFlags = Partial<FlagValues<typeof REPORT_FLAGS>>;

/**
 * Rebuilds the cost report from results.jsonl, streamed: the current record per photo, merged across
 * folders (the shards of one job add up exactly), and every answer that was billed, --force redos included.
 */
export async function reportCommand(dirs: string[], flags: ReportFlags, io: CliIO): Promise<number> {
  const resolved = outDirsWithResults(dirs, io.cwd);
  const results = await openResults(resolved);
  const s = style(useColor(io));
  if (results.skippedLines > 0) {
    io.stderr.write(s.yellow(`Warning: ${results.skippedLines} line(s) of ${RESULTS_FILE} are not photobatch records (torn or foreign); skipped`) + '\n');
  }
  const report = await results.report();
  if (flags.csv !== undefined) {
    const { writeCostCsv } = await import('../../core/outputs/report-files.js');
    await writeCostCsv('', results, path.resolve(io.cwd, flags.csv));
  }
  if (flags.html !== undefined) {
    const { writeContactSheet } = await import('../../core/outputs/contact-sheet/index.js');
    await writeContactSheet('', { results, report, file: path.resolve(io.cwd, flags.html) });
  }
  if (flags.json) io.stdout.write(escapeJsonControls(JSON.stringify(report, null, 2)) + '\n');
  else io.stderr.write(renderRunSummary({ report, reportFile: '' }, dirs.join(' + '), useColor(io)));
  return ExitCode.ok;
}
