import { Command, Option } from 'commander';
import { DEFAULT_BASE_URL } from '../core/config.js';
import { helpFooter, showDefaultsAsTyped } from './help.js';
import type { CliIO } from './io.js';
import { VERSION } from './version.js';
import { addFlags } from './flags/build-command.js';
import { COMPARE_FLAGS } from './flags/compare-flags.js';
import { SERVER_CHOICES } from './flags/endpoint-flags.js';
import { RUN_FLAGS } from './flags/run-flags.js';
import { addWatchCommand } from './watch-program.js';

export interface ProgramState {
  exitCode: number;
  /** Scrubs keys and control characters from messages that echo arguments (commander's usage errors). */
  redact?: (text: string) => string;
}

/** Builds the command tree. Heavy modules (sharp, undici) load inside the actions, so --help stays fast. */
export function createProgram(io: CliIO, state: ProgramState): Command {
  const program = new Command('photobatch')
    .description('AI captions, keywords and alt text for a folder of photos, through OpenRouter, with an honest bill.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(state.redact ? state.redact(text) : text),
    })
    .addHelpText('after', helpFooter('photobatch'));

  const run = program
    .command('run')
    .description('Send every photo to a vision model and write results.jsonl and a cost report')
    .argument('<inputs...>', 'folders (recursive), image files, or - to read paths from stdin');
  addFlags(run, RUN_FLAGS, 'run')
    .addHelpText('after', helpFooter('run'))
    .action(async (inputs: string[], flags: Record<string, unknown>) => {
      const { runCommand } = await import('./commands/run.js');
      state.exitCode = await runCommand(inputs, flags, io);
    });

  addWatchCommand(program, io, state);

  const compare = program
    .command('compare')
    .description('Send the same sample of photos to several models; compare.html side by side, compare.json with cost, latency and agreement')
    .argument('<inputs...>', 'folders (recursive), image files, or - to read paths from stdin');
  addFlags(addFlags(compare, COMPARE_FLAGS, 'compare'), RUN_FLAGS, 'compare')
    .addHelpText('after', helpFooter('compare'))
    .action(async (inputs: string[], flags: Record<string, unknown>) => {
      const { compareCommand } = await import('./commands/compare.js');
      state.exitCode = await compareCommand(inputs, flags, io);
    });

  program
    .command('report')
    .description('Print the cost report again from one or more output folders (several are merged)')
    .argument('<out-dirs...>', 'output folders holding results.jsonl')
    .option('--json', 'print the report as one JSON document on stdout')
    .option('--html <file>', 'also write one contact sheet of every folder (e.g. the shards of a job)')
    .option('--csv <file>', 'also write one cost CSV of every folder')
    .addHelpText('after', helpFooter('report'))
    .action(async (dirs: string[], flags: { json?: boolean; html?: string; csv?: string }) => {
      const { reportCommand } = await import('./commands/report.js');
      state.exitCode = await reportCommand(dirs, flags, io);
    });

  program
    .command('results')
    .description('Print the current result of each photo (a later run replaces an earlier one): file, status, answer')
    .argument('<out-dirs...>', 'output folders holding results.jsonl (several are merged)')
    .option('--failed', 'only photos whose current result is a failure')
    .option('--json', 'print the current records as JSON lines, like results.jsonl')
    .addHelpText('after', helpFooter('results'))
    .action(async (dirs: string[], flags: { failed?: boolean; json?: boolean }) => {
      const { resultsCommand } = await import('./commands/results.js');
      state.exitCode = await resultsCommand(dirs, flags, io);
    });

  program
    .command('export')
    .description('Write an upload CSV (Adobe Stock, Shutterstock or generic) from answers already paid for; checks every agency limit first')
    .argument('<out-dirs...>', 'output folders holding results.jsonl (shards are merged)')
    .addOption(new Option('--format <format>', 'adobe-stock, shutterstock or csv').choices(['adobe-stock', 'shutterstock', 'csv']).default('csv'))
    .option('-o, --output <file>', 'write the CSV to this file instead of stdout')
    .option('--fix', 'trim titles, descriptions and keyword lists to the limits; leave out photos that cannot be fixed')
    .option('--force', 'replace the -o file if it exists')
    .option('-q, --quiet', 'no summary on stderr')
    .addHelpText('after', helpFooter('export'))
    .action(async (dirs: string[], flags: Record<string, unknown>) => {
      const { exportCommand } = await import('./commands/export.js');
      state.exitCode = await exportCommand(dirs, flags, io);
    });

  program
    .command('models')
    .description('List vision models by the estimated cost of one photo, with prices per million tokens and per 1,000 photos')
    .option('--search <text>', 'only models whose id or name contains this text')
    .option('--json', 'print the list as one JSON array on stdout')
    .option('--refresh', 'fetch current prices even when the cached ones are fresh')
    .option('--base-url <url>', `API base URL (default: $OPENROUTER_BASE_URL or ${DEFAULT_BASE_URL})`)
    .addHelpText('after', helpFooter('models'))
    .action(async (flags: { search?: string; json?: boolean; refresh?: boolean; baseUrl?: string }) => {
      const { modelsCommand } = await import('./commands/models.js');
      state.exitCode = await modelsCommand(flags, io);
    });

  program
    .command('doctor')
    .description('Check the key, its limit and usage, the price cache, image support and the Node version')
    .option('--json', 'print the checks as one JSON document on stdout')
    .option('--api-key <key>', 'OpenRouter key (prefer OPENROUTER_API_KEY: flags show up in shell history)')
    .option('--base-url <url>', `API base URL (default: $OPENROUTER_BASE_URL or ${DEFAULT_BASE_URL})`)
    .addOption(new Option('--server <kind>', 'what --base-url is (default: detected)').choices(SERVER_CHOICES))
    .addHelpText('after', helpFooter('doctor'))
    .action(async (flags: { json?: boolean; apiKey?: string; baseUrl?: string; server?: import('../core/endpoints/kind.js').ServerKind }) => {
      const { doctorCommand } = await import('./commands/doctor.js');
      state.exitCode = await doctorCommand(flags, io);
    });

  showDefaultsAsTyped(program);
  return program;
}
