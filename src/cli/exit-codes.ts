import { CommanderError } from 'commander';
import { ConfigError, InterruptedError, PhotobatchError, RunStoppedError, UsageError } from '../core/errors.js';

export const ExitCode = {
  ok: 0,
  bug: 1,
  usage: 2,
  someFailed: 3,
  stoppedResumable: 4,
  interrupted: 130,
} as const;

/** The one place that maps what happened to an exit code. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof UsageError || err instanceof ConfigError) return ExitCode.usage;
  if (err instanceof RunStoppedError) return ExitCode.stoppedResumable;
  if (err instanceof InterruptedError) return ExitCode.interrupted;
  if (err instanceof PhotobatchError) return ExitCode.usage;
  return ExitCode.bug;
}

/** Exit code of a run that finished (or stopped) without throwing. */
export function exitCodeForRun(result: { stopped?: { reason: string }; report: { photos: { failed: number } } }): number {
  if (result.stopped?.reason === 'interrupted') return ExitCode.interrupted;
  if (result.stopped) return ExitCode.stoppedResumable;
  if (result.report.photos.failed > 0) return ExitCode.someFailed;
  return ExitCode.ok;
}
