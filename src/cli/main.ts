import { CommanderError } from 'commander';
import { PhotobatchError } from '../core/errors.js';
import { defaultIO, style, useColor, type CliIO } from './io.js';
import { createProgram } from './program.js';
import { exitCodeFor } from './exit-codes.js';

/** Runs the CLI and returns the exit code. The one error boundary: nothing below prints errors itself. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const state = { exitCode: 0 };
  const program = createProgram(io, state);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (err) {
    const code = exitCodeFor(err);
    if (!(err instanceof CommanderError)) io.stderr.write(describeError(err, io) + '\n');
    return code;
  }
}

function describeError(err: unknown, io: CliIO): string {
  const s = style(useColor(io));
  const key = io.env.OPENROUTER_API_KEY;
  const scrub = (text: string) => (key && key.length >= 8 ? text.split(key).join('[redacted]') : text);
  if (err instanceof PhotobatchError) return `${s.red('photobatch:')} ${scrub(err.message)}`;
  const detail = err instanceof Error ? (io.env.PHOTOBATCH_DEBUG ? err.stack ?? err.message : err.message) : String(err);
  return `${s.red('photobatch: unexpected error (a bug):')} ${scrub(detail)}\nPlease report it; set PHOTOBATCH_DEBUG=1 for the stack trace.`;
}
