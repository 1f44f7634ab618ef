import type { Command } from 'commander';
import { addFlags } from './flags/build-command.js';
import { RUN_FLAGS } from './flags/run-flags.js';
import { resolveFlags } from './flags/resolve.js';
import { WATCH_FLAGS } from './flags/watch-flags.js';
import { helpFooter } from './help.js';
import type { CliIO } from './io.js';

/**
 * `watch` takes the run options its rows are marked for (every one but --dry-run and --null), with the same
 * defaults and help, plus its own.
 */
export function addWatchCommand(program: Command, io: CliIO, state: { exitCode: number }): void {
  const watch = program
    .command('watch')
    .description('Process a hot folder live: photos already there, then each new one once its file is complete (Ctrl-C to finish)')
    .argument('<folder>', 'the folder your camera, tethering tool or photobooth writes to (watched recursively)');
  addFlags(addFlags(watch, RUN_FLAGS, 'watch'), WATCH_FLAGS, 'watch')
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
  const { settle, poll, refresh } = resolveFlags(WATCH_FLAGS, flags, 'watch').values;
  const out: WatchFlags = { settleMs: settle, poll: poll === undefined ? 'auto' : true, refreshSeconds: refresh };
  if (typeof poll === 'number') out.pollIntervalMs = poll;
  return out;
}
