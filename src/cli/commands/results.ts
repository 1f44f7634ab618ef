import { currentResults, outputText } from '../../core/record/current-results.js';
import { outDirsWithResults } from '../../core/record/results-merge.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { jsonLine, terminalSafeLine } from '../terminal-text.js';
import type { FlagValues } from '../flags/flag.js';
import type { RESULTS_FLAGS } from '../flags/folder-flags.js';

/** The flags as program.ts resolves them from cli/flags/folder-flags.ts; any may be left out by a caller. */
export type ResultsFlags = Partial<FlagValues<typeof RESULTS_FLAGS>>;

/**
 * `photobatch results <out>`: the current result per photo (a later run's line replaces an earlier
 * one; an ok answer is not undone by a later failure, as in report and export), on stdout. Plain: `file<TAB>status<TAB>answer` (the answer as one line; a failure's
 * `kind: message`). --json: the records themselves, one per line, as in results.jsonl.
 */
export async function resultsCommand(dirs: string[], flags: ResultsFlags, io: CliIO): Promise<number> {
  const resolved = outDirsWithResults(dirs, io.cwd);
  // One photo at a time, in path order: a folder of a million photos never sits in memory.
  for await (const r of currentResults(resolved)) {
    if (flags.failed && r.status !== 'failed') continue;
    // Names and answers are untrusted: escape sequences never reach a terminal (see terminal-text.ts).
    io.stdout.write((flags.json ? jsonLine(r) : [tsvField(r.file), r.status, terminalSafeLine(outputText(r))].join('\t')) + '\n');
  }
  return ExitCode.ok;
}

/** A file name may hold tabs or line breaks; escaped, each photo stays one TSV row. */
function tsvField(text: string): string {
  return terminalSafeLine(text.replace(/[\t\r\n\\]/g, (c) => ({ '\t': '\\t', '\r': '\\r', '\n': '\\n', '\\': '\\\\' })[c]!));
}
