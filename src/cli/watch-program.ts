import type { Command } from 'commander';
import { parsePositiveNumber } from '../core/config.js';
import { parseDuration } from './run-options.js';
import { helpFooter } from './help.js';
import type { CliIO } from './io.js';

/** Long enough for a tethering tool's write to finish, short enough for a photobooth guest. */
export const DEFAULT_SETTLE_SECONDS = 1;
export const DEFAULT_REFRESH_SECONDS = 3;

// Flags of `run` that mean nothing for a folder that keeps filling.
const NOT_FOR_WATCH = new Set(['--dry-run', '--null']);

/**
 * `watch` takes every `run` option (copied from the run command, so a flag added to run is a flag of
 * watch too, with the same default and help), plus its own.
 */
export function addWatchCommand(program: Command, io: CliIO, state: { exitCode: number }): void {
  const run = program.commands.find((c) => c.name() === 'run');
  const watch = program
    .command('watch')
    .description('Process a hot folder live: photos already there, then each new one once its file is complete (Ctrl-C to finish)')
    .argument('<folder>', 'the folder your camera, tethering tool or photobooth writes to (watched recursively)');
  for (const option of run?.options ?? []) if (!NOT_FOR_WATCH.has(option.long ?? '')) watch.addOption(option);
  watch
    .option('--settle <seconds>', 'a new file is taken once its size has not changed for this long', String(DEFAULT_SETTLE_SECONDS))
    .option('--poll [interval]', 'poll instead of file system events (network shares; default on for NFS/SMB/FUSE); interval e.g. 500ms, 2s')
    .option('--refresh <seconds>', 'how often the live report.html reloads in the browser', String(DEFAULT_REFRESH_SECONDS))
    .addHelpText('after', `
Names still being written (*.tmp, *.part, *.download, *.crdownload, ~*, dot files) wait until renamed.
--max-cost caps everything billed into --out; report.html reloads itself (the live gallery).
${helpFooter('watch')}`)
    .action(async (folder: string, flags: Record<string, unknown>) => {
      const { watchCommand } = await import('./commands/watch.js');
      state.exitCode = await watchCommand(folder, flags, io);
    });
}

export interface WatchFlags {
  settleMs: number;
  poll: true | 'auto';
  pollIntervalMs?: number;
  refreshSeconds: number;
}

/** The flags only `watch` has, validated (the run options are parsed by parseRunOptions). */
export function parseWatchFlags(flags: Record<string, unknown>): WatchFlags {
  const out: WatchFlags = {
    settleMs: Math.round(parsePositiveNumber(String(flags.settle ?? DEFAULT_SETTLE_SECONDS), '--settle (seconds)') * 1000),
    poll: flags.poll === undefined || flags.poll === false ? 'auto' : true,
    refreshSeconds: parsePositiveNumber(String(flags.refresh ?? DEFAULT_REFRESH_SECONDS), '--refresh (seconds)'),
  };
  if (typeof flags.poll === 'string') out.pollIntervalMs = parseDuration(flags.poll, '--poll interval');
  return out;
}
