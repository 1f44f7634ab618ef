import { PhotobatchError } from '../../errors.js';
import type { ErrorKind, Usage } from '../../types.js';

/** What the caller should do about a failed request. */
export type FailureAction = 'retry' | 'wait' | 'fail_photo' | 'stop_run';

/** The subset of run-stop reasons an API answer can cause (the budget stop is decided by the batch). */
export type ApiStopReason =
  | 'auth' | 'out_of_credits' | 'model_unavailable' | 'daily_quota' | 'key_limit' | 'workspace_budget' | 'guardrail'
  | 'region_blocked' | 'provider_settings' | 'rate_limited';

export interface ApiErrorInit {
  status: number | null;
  kind: ErrorKind;
  action: FailureAction;
  retryAfterMs?: number | null;
  stopReason?: ApiStopReason;
  resetAt?: number;
  affordableTokens?: number;
  errorType?: string;
  reasons?: string[];
  /** Replacement models OpenRouter suggested (`availability.fallback_models`); shown, never used silently. */
  fallbackModels?: string[];
  /** What this failed answer was billed (refusals, empty answers after reasoning): it belongs in the bill. */
  usage?: Usage;
  /** The model that answered, for billed answers. */
  model?: string;
  body?: unknown;
  cause?: unknown;
}

/** One failed OpenRouter request, already classified (see classify.ts). */
export class ApiError extends PhotobatchError {
  readonly status: number | null;
  readonly kind: ErrorKind;
  readonly action: FailureAction;
  /** Delay the server asked for (Retry-After, availability.retry_after, X-RateLimit-Reset), in ms. */
  readonly retryAfterMs: number | null;
  readonly stopReason?: ApiStopReason;
  /** Epoch ms when a daily quota resets. */
  readonly resetAt?: number;
  /** N from "can only afford N" (tokens). */
  readonly affordableTokens?: number;
  readonly errorType?: string;
  readonly reasons?: string[];
  readonly fallbackModels?: string[];
  /** Billed usage of the failed answer(s); the sender sums it over its attempts. */
  usage?: Usage;
  model?: string;
  readonly body?: unknown;
  /** HTTP attempts made for the request; set by the sender on its final error. */
  attempts?: number;

  constructor(message: string, init: ApiErrorInit) {
    super(message, { code: `PHOTOBATCH_API_${init.kind.toUpperCase()}`, cause: init.cause });
    this.status = init.status;
    this.kind = init.kind;
    this.action = init.action;
    this.retryAfterMs = init.retryAfterMs ?? null;
    if (init.stopReason !== undefined) this.stopReason = init.stopReason;
    if (init.resetAt !== undefined) this.resetAt = init.resetAt;
    if (init.affordableTokens !== undefined) this.affordableTokens = init.affordableTokens;
    if (init.errorType !== undefined) this.errorType = init.errorType;
    if (init.reasons !== undefined) this.reasons = init.reasons;
    if (init.fallbackModels !== undefined) this.fallbackModels = init.fallbackModels;
    if (init.usage !== undefined) this.usage = init.usage;
    if (init.model !== undefined) this.model = init.model;
    if (init.body !== undefined) this.body = init.body;
  }
}

/** The request was not (or no longer) wanted: the caller aborted or the sender was stopped. */
export function interruptedError(
  message = 'Interrupted before OpenRouter answered; finished results are saved, re-run the same command to continue.',
  cause?: unknown,
): ApiError {
  return new ApiError(message, { status: null, kind: 'interrupted', action: 'stop_run', cause });
}
