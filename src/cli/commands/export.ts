import { access } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/record/atomic-write.js';
import { buildExport, EXPORT_FORMATS, type ExportFormat } from '../../core/outputs/export/agency-csv.js';
import { readPaidResults, toExportRow } from '../../core/outputs/export/rows.js';
import { ExitCode } from '../exit-codes.js';
import { style, useColor, type CliIO } from '../io.js';
import type { FlagValues } from '../flags/flag.js';
import type { EXPORT_FLAGS } from '../flags/folder-flags.js';

/** The flags as program.ts resolves them from cli/flags/folder-flags.ts; any may be left out by a caller. */
export type ExportFlags = Partial<FlagValues<typeof EXPORT_FLAGS>>;

/**
 * The upload CSV from answers already paid for: no request is sent. Every agency limit is checked
 * first; each photo that breaks one is listed with why, and nothing is written unless --fix repairs it.
 */
export async function exportCommand(dirs: string[], flags: ExportFlags, io: CliIO): Promise<number> {
  const format = (flags.format ?? 'csv') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`Unknown --format "${flags.format}". Use ${EXPORT_FORMATS.join(', ')}.`);
  const s = style(useColor(io));
  const records = await readPaidResults(dirs.map((d) => path.resolve(io.cwd, d)));
  if (records.length === 0) throw new UsageError(`No answered photos in ${dirs.join(', ')}; run \`photobatch run\` first.`);
  const result = buildExport(records.map(toExportRow), format, { fix: flags.fix === true });

  for (const p of result.problems) {
    const fixed = p.fixable && flags.fix ? s.dim(' (fixed)') : '';
    io.stderr.write(`${p.filename === '*' ? 'export' : p.filename}: ${p.message}${fixed}\n`);
  }
  if (result.csv === undefined) {
    const fixable = result.problems.every((p) => p.fixable);
    io.stderr.write(
      s.yellow(`Nothing written: ${countPhotos(result.problems)} break ${format} rules.`) +
        (fixable ? ' Re-run with --fix to trim them to the limits.' : ' --fix trims what can be trimmed and leaves the others out.') + '\n',
    );
    return ExitCode.someFailed;
  }
  if (flags.output) {
    const file = path.resolve(io.cwd, flags.output);
    const exists = await access(file).then(() => true, () => false);
    // The user's file stays theirs unless they say otherwise.
    if (exists && !flags.force) throw new UsageError(`${flags.output} already exists; pick another -o or add --force to replace it.`);
    await writeFileAtomic(file, result.csv);
  } else {
    io.stdout.write(result.csv);
  }
  if (!flags.quiet) {
    io.stderr.write(`${result.rows} photo${result.rows === 1 ? '' : 's'} exported as ${format}${flags.output ? ` to ${flags.output}` : ''}` +
      (result.skipped > 0 ? s.yellow(`; ${result.skipped} left out (see above)`) : '') + '\n');
  }
  return result.skipped > 0 ? ExitCode.someFailed : ExitCode.ok;
}

function countPhotos(problems: readonly { path: string; filename: string }[]): string {
  const n = new Set(problems.map((p) => p.path || p.filename)).size;
  return `${n} photo${n === 1 ? '' : 's'}`;
}
