import { Command } from 'commander';
import { helpFooter, showDefaultsAsTyped } from './help.js';
import type { CliIO } from './io.js';
import { VERSION } from './version.js';
import { addFlags } from './flags/build-command.js';
import { DOCTOR_FLAGS, MODELS_FLAGS } from './flags/account-flags.js';
import { COMPARE_FLAGS } from './flags/compare-flags.js';
import { EXPORT_FLAGS, REPORT_FLAGS, RESULTS_FLAGS } from './flags/folder-flags.js';
import { resolveFlags } from './flags/resolve.js';
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

  const report = program
    .command('report')
    .description('Print the cost report again from one or more output folders (several are merged)')
    .argument('<out-dirs...>', 'output folders holding results.jsonl');
  addFlags(report, REPORT_FLAGS, 'report')
    .addHelpText('after', helpFooter('report'))
    .action(async (dirs: string[], raw: Record<string, unknown>) => {
      const flags = resolveFlags(REPORT_FLAGS, raw, 'report').values;
      const { reportCommand } = await import('./commands/report.js');
      state.exitCode = await reportCommand(dirs, flags, io);
    });

  const results = program
    .command('results')
    .description('Print the current result of each photo (a later run replaces an earlier one): file, status, answer')
    .argument('<out-dirs...>', 'output folders holding results.jsonl (several are merged)');
  addFlags(results, RESULTS_FLAGS, 'results')
    .addHelpText('after', helpFooter('results'))
    .action(async (dirs: string[], raw: Record<string, unknown>) => {
      const flags = resolveFlags(RESULTS_FLAGS, raw, 'results').values;
      const { resultsCommand } = await import('./commands/results.js');
      state.exitCode = await resultsCommand(dirs, flags, io);
    });

  const exportCmd = program
    .command('export')
    .description('Write an upload CSV (Adobe Stock, Shutterstock or generic) from answers already paid for; checks every agency limit first')
    .argument('<out-dirs...>', 'output folders holding results.jsonl (shards are merged)');
  addFlags(exportCmd, EXPORT_FLAGS, 'export')
    .addHelpText('after', helpFooter('export'))
    .action(async (dirs: string[], raw: Record<string, unknown>) => {
      const flags = resolveFlags(EXPORT_FLAGS, raw, 'export').values;
      const { exportCommand } = await import('./commands/export.js');
      state.exitCode = await exportCommand(dirs, flags, io);
    });

  const models = program
    .command('models')
    .description('List vision models by the estimated cost of one photo, with prices per million tokens and per 1,000 photos');
  addFlags(models, MODELS_FLAGS, 'models')
    .addHelpText('after', helpFooter('models'))
    .action(async (raw: Record<string, unknown>) => {
      const flags = resolveFlags(MODELS_FLAGS, raw, 'models').values;
      const { modelsCommand } = await import('./commands/models.js');
      state.exitCode = await modelsCommand(flags, io);
    });

  const doctor = program
    .command('doctor')
    .description('Check the key, its limit and usage, the price cache, image support and the Node version');
  addFlags(doctor, DOCTOR_FLAGS, 'doctor')
    .addHelpText('after', helpFooter('doctor'))
    .action(async (raw: Record<string, unknown>) => {
      const flags = resolveFlags(DOCTOR_FLAGS, raw, 'doctor').values;
      const { doctorCommand } = await import('./commands/doctor.js');
      state.exitCode = await doctorCommand(flags, io);
    });

  showDefaultsAsTyped(program);
  return program;
}
