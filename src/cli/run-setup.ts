import { openRun, type RunSetup } from '../core/run/prepare-run.js';
import type { CliIO } from './io.js';
import type { RunOptions } from './run-options.js';
import { terminalSafe } from './terminal-text.js';

export { batchSettings, checkDeliverDir, openPhotoOutputs, reasoningFor, type RunSetup } from '../core/run/prepare-run.js';

/** The core run setup, its findings rendered on stderr: notes dimmed (unless --quiet), warnings in yellow. */
export function openRunEndpoint(opts: RunOptions, io: CliIO, s: { dim: (t: string) => string; yellow: (t: string) => string }): Promise<RunSetup> {
  return openRun(opts, {
    env: io.env,
    info: (line) => {
      if (!opts.quiet) io.stderr.write(s.dim(line) + '\n');
    },
    warn: (line) => io.stderr.write(s.yellow(`Warning: ${terminalSafe(line)}`) + '\n'),
  });
}
