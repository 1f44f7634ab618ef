import { CommanderError } from 'commander';
import { ConfigError, InterruptedError, PhotobatchError, RunStoppedError, UsageError } from '../core/errors.js';
import { OutDirLockedError } from '../core/safety/out-lock.js';
import { isOutputFailure, OutputWriteError, StdoutClosedError } from '../core/safety/env-errors.js';

export const ExitCode = {
  ok: 0,
  bug: 1,
  usage: 2,
  someFailed: 3,
  stoppedResumable: 4,
  /** The output could not be written (disk full, read-only, permissions): the environment, not a bug. */
  outputFailed: 5,
  interrupted: 130,
  /** stdout closed by its reader (`| head -1`), as a Unix filter killed by SIGPIPE reports it. */
  stdoutClosed: 141,
} as const;

/** The one place that maps what happened to an exit code. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof UsageError || err instanceof ConfigError) return ExitCode.usage;
  // Another run holds --out: the user must wait or pick another folder, like a usage error.
  if (err instanceof OutDirLockedError) return ExitCode.usage;
  if (err instanceof OutputWriteError || isOutputFailure(err)) return ExitCode.outputFailed;
  if (err instanceof StdoutClosedError) return ExitCode.stdoutClosed;
  if (err instanceof RunStoppedError) return ExitCode.stoppedResumable;
  if (err instanceof InterruptedError) return ExitCode.interrupted;
  if (err instanceof PhotobatchError) return ExitCode.usage;
  return ExitCode.bug;
}

/** Exit code of a run that finished (or stopped) without throwing. */
export function exitCodeForRun(result: { stopped?: { reason: string }; report: { photos: { failed: number } } }): number {
  if (result.stopped?.reason === 'stdout_closed') return ExitCode.stdoutClosed;
  if (result.stopped?.reason === 'output_failed') return ExitCode.outputFailed;
  if (result.stopped?.reason === 'interrupted') return ExitCode.interrupted;
  if (result.stopped) return ExitCode.stoppedResumable;
  if (result.report.photos.failed > 0) return ExitCode.someFailed;
  return ExitCode.ok;
}
