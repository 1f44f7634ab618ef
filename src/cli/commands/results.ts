import { existsSync } from 'node:fs';
import path from 'node:path';
import { outputText, readCurrentResults } from '../../core/current-results.js';
import { UsageError } from '../../core/errors.js';
import { RESULTS_FILE } from '../../core/journal.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { jsonLine, terminalSafeLine } from '../terminal-text.js';

export interface ResultsFlags {
  failed?: boolean;
  json?: boolean;
}

/**
 * `photobatch results <out>`: the current result per photo (a later run's line replaces an earlier
 * one), on stdout. Plain: `file<TAB>status<TAB>answer` (the answer as one line; a failure's
 * `kind: message`). --json: the records themselves, one per line, as in results.jsonl.
 */
export async function resultsCommand(dirs: string[], flags: ResultsFlags, io: CliIO): Promise<number> {
  const files = dirs.map((dir) => {
    const file = path.join(path.resolve(io.cwd, dir), RESULTS_FILE);
    if (!existsSync(file)) throw new UsageError(`No ${RESULTS_FILE} in ${dir}; pass the --out folder of a run.`);
    return file;
  });
  const current = await readCurrentResults(files);
  const shown = flags.failed ? current.filter((r) => r.status === 'failed') : current;
  // Names and answers are untrusted: escape sequences never reach a terminal (see terminal-text.ts).
  const lines = shown.map((r) => (flags.json ? jsonLine(r) : [tsvField(r.file), r.status, terminalSafeLine(outputText(r))].join('\t')));
  if (lines.length > 0) io.stdout.write(lines.join('\n') + '\n');
  return ExitCode.ok;
}

/** A file name may hold tabs or line breaks; escaped, each photo stays one TSV row. */
function tsvField(text: string): string {
  return terminalSafeLine(text.replace(/[\t\r\n\\]/g, (c) => ({ '\t': '\\t', '\r': '\\r', '\n': '\\n', '\\': '\\\\' })[c]!));
}
