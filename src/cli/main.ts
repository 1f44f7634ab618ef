import { CommanderError } from 'commander';
import { PhotobatchError } from '../core/errors.js';
import { defaultIO, style, useColor, type CliIO } from './io.js';
import { exitCodeFor } from './exit-codes.js';
import { readDotenv } from './env-file.js';
import { terminalSafe } from './terminal-text.js';
import { scrubSecrets } from '../core/send/openrouter/redact.js';
import { VERSION } from './version.js';
import { describeOutputFailure, isOutputFailure } from '../core/safety/env-errors.js';

/** Runs the CLI and returns the exit code. The one error boundary: nothing below prints errors itself. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  // `--version` alone needs none of the command tree (the flag tables load ~30 modules): answered before it loads.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.stdout.write(VERSION + '\n');
    return 0;
  }
  const { createProgram } = await import('./program.js');
  const secrets = knownSecrets(argv, io);
  // Every message that may echo an argument or a server's words: keys scrubbed (literal or JSON-escaped), controls neutralised.
  const redact = (text: string) => terminalSafe(scrubSecrets(text, ...secrets));
  const state = { exitCode: 0, redact };
  const program = createProgram(io, state);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (err) {
    const code = exitCodeFor(err);
    if (!(err instanceof CommanderError)) io.stderr.write(describeError(err, io, redact) + '\n');
    return code;
  }
}

function describeError(err: unknown, io: CliIO, redact: (text: string) => string): string {
  const s = style(useColor(io));
  if (err instanceof PhotobatchError) return `${s.red('photobatch:')} ${redact(err.message)}`;
  // The environment failing (disk full, read-only, permissions) is not a bug: name the cause.
  if (isOutputFailure(err)) return `${s.red('photobatch:')} ${redact(`${describeOutputFailure(err)}${err.path ? ` at ${err.path}` : ''}`)}`;
  const detail = err instanceof Error ? (io.env.PHOTOBATCH_DEBUG ? err.stack ?? err.message : err.message) : String(err);
  return `${s.red('photobatch: unexpected error (a bug):')} ${redact(detail)}\nPlease report it; set PHOTOBATCH_DEBUG=1 for the stack trace.`;
}

/** Keys this invocation knows of: the environment's, .env's and any given with --api-key. */
function knownSecrets(argv: string[], io: CliIO): string[] {
  const keys = [io.env.OPENROUTER_API_KEY];
  try {
    keys.push(readDotenv(io.cwd).OPENROUTER_API_KEY);
  } catch {
    // an unreadable .env is reported where it is used
  }
  argv.forEach((arg, i) => {
    if (arg === '--api-key') keys.push(argv[i + 1]);
    else if (arg.startsWith('--api-key=')) keys.push(arg.slice('--api-key='.length));
  });
  return keys.filter((k): k is string => typeof k === 'string' && k.length >= 8);
}
