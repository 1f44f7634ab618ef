import { openRun, type RunSetup } from '../core/run/prepare-run.js';
import type { CliIO } from './io.js';
import type { RunOptions } from './run-options.js';
import { terminalSafe } from './terminal-text.js';

export { batchSettings, checkDeliverDir, openPhotoOutputs, reasoningFor, type RunSetup } from '../core/run/prepare-run.js';

/**
 * The core run setup, its findings rendered on stderr: notes dimmed (unless --quiet), warnings in yellow.
 * `write` defaults to stderr; `startRunEndpoint` holds the lines back while something else owns the terminal.
 */
export function openRunEndpoint(
  opts: RunOptions, io: CliIO, s: { dim: (t: string) => string; yellow: (t: string) => string },
  write: (text: string) => void = (text) => io.stderr.write(text),
): Promise<RunSetup> {
  return openRun(opts, {
    env: io.env,
    info: (line) => {
      if (!opts.quiet) write(s.dim(line) + '\n');
    },
    warn: (line) => write(s.yellow(`Warning: ${terminalSafe(line)}`) + '\n'),
  });
}

export interface PendingEndpoint {
  /** The setup (or its error), its stderr lines written now, in order. */
  open(): Promise<RunSetup>;
  /** Not needed after all (the scan failed): closed when it arrives, its error dropped. Does nothing after open(). */
  discard(): void;
}

/**
 * The key check and the price list started at once, while the folders are scanned: on a real connection they are
 * round trips that the scan would otherwise wait for (bench 9: start-up before the first request). What they say
 * is held back until `open()`, so it never lands in the middle of the scan's spinner or before a scan error.
 */
export function startRunEndpoint(opts: RunOptions, io: CliIO, s: { dim: (t: string) => string; yellow: (t: string) => string }): PendingEndpoint {
  const held: string[] = [];
  let holding = true;
  const setup = openRunEndpoint(opts, io, s, (text) => (holding ? held.push(text) : io.stderr.write(text)));
  setup.catch(() => undefined); // awaited (and reported) by open(), or dropped by discard()
  return {
    open() {
      holding = false;
      for (const text of held.splice(0)) io.stderr.write(text);
      return setup;
    },
    discard() {
      if (!holding) return; // opened: its owner closes it
      void setup.then((opened) => opened.endpoint.close(), () => undefined).catch(() => undefined);
    },
  };
}
