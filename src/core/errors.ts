import type { ErrorKind } from './types.js';

/** Base of every error the core throws on purpose. Anything else is a bug. */
export class PhotobatchError extends Error {
  readonly code: string;
  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
  }
}

/** Bad flag, bad value, missing input: the user must change the command. */
export class UsageError extends PhotobatchError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'PHOTOBATCH_USAGE', cause });
  }
}

/** Missing or invalid configuration (no key for a real run, unreadable prompt file). */
export class ConfigError extends PhotobatchError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'PHOTOBATCH_CONFIG', cause });
  }
}

/** A single photo could not be read or prepared. Never stops the batch. */
export class ImageError extends PhotobatchError {
  readonly kind: ErrorKind;
  constructor(message: string, kind: ErrorKind, cause?: unknown) {
    super(message, { code: 'PHOTOBATCH_IMAGE', cause });
    this.kind = kind;
  }
}

/**
 * Why a run stopped early in a way a re-run of the same command resumes from:
 * key rejected, out of credits, budget reached, model unavailable, daily quota.
 */
export type StopReason =
  | 'auth' | 'out_of_credits' | 'budget' | 'daily_budget' | 'model_unavailable' | 'daily_quota' | 'key_limit'
  | 'workspace_budget' | 'guardrail' | 'region_blocked' | 'provider_settings' | 'rate_limited';

export class RunStoppedError extends PhotobatchError {
  readonly reason: StopReason;
  constructor(message: string, reason: StopReason, cause?: unknown) {
    super(message, { code: `PHOTOBATCH_STOPPED_${reason.toUpperCase()}`, cause });
    this.reason = reason;
  }
}

/** The user interrupted the run (Ctrl-C / SIGTERM). */
export class InterruptedError extends PhotobatchError {
  constructor(message = 'Interrupted; finished results are saved. Re-run the same command to continue.') {
    super(message, { code: 'PHOTOBATCH_INTERRUPTED' });
  }
}
