import type { ErrorKind } from '../types.js';
import { ApiError, interruptedError, type ApiErrorInit, type ApiStopReason, type FailureAction } from './api-error.js';
import { headerValue, rateLimitResetAt, serverDelayHintMs, type HeaderBag } from './retry-delay.js';

/** Everything classify needs from one HTTP answer (status 2xx included: errors also come inside 200 bodies). */
export interface ResponseFacts {
  status: number;
  headers: HeaderBag;
  /** Parsed JSON, or undefined when the body was not JSON. */
  body: unknown;
  /** Raw body text, used only to describe a non-JSON answer. */
  text?: string;
  /** The requested model, named in model-unavailable messages. */
  model?: string;
  /** 'other' for /key, /models, /generation: a 404 there is not about the model. */
  endpoint?: 'chat' | 'other';
  now?: number;
}

const CREDITS_URL = 'https://openrouter.ai/settings/credits';
const IMAGE_TYPES = new Set(['invalid_image', 'unsupported_image_format', 'image_too_small', 'image_download_failed']);
const MODEL_GONE = new Set([
  'model_not_found', 'wrong_endpoint', 'no_endpoints', 'model_deprecated', 'model_unavailable_upstream',
  'privacy_restricted', 'constraint_filtered', 'free_variant_ended', 'region_restricted',
]);
// 403s that are spending caps, not a verdict on the photo (openrouter-api.md §4.1, LIVE).
const BUDGET_SOURCES = new Set(['openrouter_guardrail_budget', 'openrouter_workspace_budget', 'openrouter_key_limit']);
// In-body errors often carry only a type; map it to the status the same error would have had.
const TYPE_STATUS: Record<string, number> = {
  rate_limit_exceeded: 429, provider_unavailable: 502, provider_overloaded: 529, temporarily_unavailable: 503,
  timeout: 504, server: 500, server_error: 500, unmapped: 500, invalid_image: 400, image_too_large: 413,
  image_too_small: 400, unsupported_image_format: 400, invalid_request: 400, content_policy_violation: 400,
};

type Json = Record<string, unknown>;
const rec = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The error object of a 2xx body, if it carries one: top-level `error`, `choices[].error`, or finish_reason "error". */
export function findBodyError(body: unknown): Json | null {
  const b = rec(body);
  if (!b) return null;
  const top = rec(b.error);
  if (top) return top;
  const choices = Array.isArray(b.choices) ? b.choices : [];
  for (const c of choices) {
    const choice = rec(c);
    const err = rec(choice?.error);
    if (err) return err;
    if (choice?.finish_reason === 'error') return { code: 502, message: 'The provider ended the answer with an error' };
  }
  return null;
}

/** Single line, bounded, so API text can go into a one-line message. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function statusOf(httpStatus: number, err: Json | null): number {
  if (httpStatus >= 300 || !err) return httpStatus;
  const code = typeof err.code === 'string' && /^\d{3}$/.test(err.code) ? Number(err.code) : err.code;
  if (typeof code === 'number' && code >= 400 && code < 600) return code;
  const type = str(rec(err.metadata)?.error_type) ?? str(err.error_type) ?? str(err.code);
  // Anything else inside a 200 is a provider failure mid-answer: worth another try.
  return (type === undefined ? undefined : TYPE_STATUS[type]) ?? 502;
}

function nextUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/** Classifies an HTTP answer that is not a usable success (non-2xx, error inside 2xx, or non-JSON). */
export function classifyResponse(facts: ResponseFacts): ApiError {
  const now = facts.now ?? Date.now();
  const body = rec(facts.body);
  const err = body ? (rec(body.error) ?? findBodyError(body)) : null;
  if (facts.body === undefined && facts.status >= 200 && facts.status < 300) {
    return new ApiError(
      `OpenRouter sent a reply that is not JSON (HTTP ${facts.status}: ${oneLine(facts.text ?? '', 120) || 'empty body'}); try again later or check --base-url.`,
      { status: facts.status, kind: 'server', action: 'retry', body: facts.text },
    );
  }
  if (!err && facts.status >= 200 && facts.status < 300) {
    return new ApiError(`OpenRouter sent an answer without a usable choice (HTTP ${facts.status}); try again later or choose another model.`, {
      status: facts.status, kind: 'server', action: 'retry', body: facts.body,
    });
  }
  const status = statusOf(facts.status, err);
  const meta = rec(err?.metadata) ?? {};
  const availability = rec(err?.availability) ?? rec(meta.availability);
  const errorType = str(meta.error_type) ?? str(err?.error_type);
  const limitSource = str(meta.limit_source) ?? str(err?.limit_source);
  const apiText =
    str(err?.message) ?? (facts.body === undefined && facts.text ? `non-JSON answer: ${facts.text}` : undefined);
  const apiMsg = apiText ? oneLine(apiText) : '';
  const said = apiMsg ? `(${status}: ${apiMsg})` : `(HTTP ${status})`;
  const retryAfterMs = serverDelayHintMs({ headers: facts.headers, error: err, now });
  const model = facts.model ? `Model ${facts.model}` : 'The model';
  const init = (kind: ErrorKind, action: FailureAction, extra: Partial<ApiErrorInit> = {}): ApiErrorInit => ({
    status, kind, action, retryAfterMs, body: facts.body ?? facts.text, ...(errorType ? { errorType } : {}), ...extra,
  });
  const stop = (kind: ErrorKind, stopReason: ApiStopReason, extra: Partial<ApiErrorInit> = {}) =>
    init(kind, 'stop_run', { stopReason, ...extra });
  const keyLimit = limitSource === 'openrouter_key_limit' || /key limit/i.test(apiMsg);
  const outOfCredits = `OpenRouter says there are not enough credits ${said}; ${keyLimit ? 'raise the key limit at https://openrouter.ai/settings/keys or ' : ''}add credits at ${CREDITS_URL} and re-run the same command (finished photos will not be sent again).`;

  let message: string;
  let result: ApiErrorInit;
  if (status === 401) {
    message = `OpenRouter rejected the API key ${said}; check OPENROUTER_API_KEY in .env or the --api-key flag.`;
    result = stop('auth', 'auth');
  } else if (status === 402) {
    const reason = str(meta.reason) ?? str(err?.reason);
    if (
      headerValue(facts.headers, 'retry-after') !== undefined ||
      reason === 'in_flight_budget_exhausted' || limitSource === 'openrouter_in_flight_budget'
    ) {
      message = `OpenRouter paused new requests until in-flight ones settle ${said}; waiting and lowering concurrency (add credits at ${CREDITS_URL} to avoid it).`;
      result = init('out_of_credits', 'wait');
    } else {
      const afford = /can only afford (\d+)/i.exec(apiMsg);
      message = outOfCredits;
      result = stop('out_of_credits', 'out_of_credits', afford ? { affordableTokens: Number(afford[1]) } : {});
    }
  } else if (status === 403 && limitSource && BUDGET_SOURCES.has(limitSource)) {
    message = outOfCredits;
    result = stop('out_of_credits', 'out_of_credits');
  } else if (status === 403 && availability?.code !== 'region_restricted') {
    const reasons = Array.isArray(meta.reasons) ? meta.reasons.filter((r): r is string => typeof r === 'string') : [];
    const why = reasons.length > 0 ? ` for ${reasons.join(', ')}` : '';
    message = `The provider's moderation blocked this photo${why} ${said}; it was skipped, try another model if it should pass.`;
    result = init('moderation', 'fail_photo', reasons.length > 0 ? { reasons } : {});
  } else if (status === 429) {
    const daily = /free-models-per-day/i.test(apiMsg) || limitSource === 'openrouter_free_tier_daily';
    if (daily) {
      const resetAt = rateLimitResetAt(facts.headers, err) ?? nextUtcMidnight(now);
      message = `Daily free-model quota reached ${said}; it resets at ${new Date(resetAt).toISOString()}, re-run the same command then or use a paid model.`;
      result = stop('rate_limited', 'daily_quota', { resetAt });
    } else {
      message = `OpenRouter rate limit hit ${said}; lower --concurrency or try again later.`;
      result = init('rate_limited', 'retry');
    }
  } else if (status === 413 || errorType === 'image_too_large') {
    message = `The image is too large for the API ${said}; lower --max-image-size.`;
    result = init('too_large', 'fail_photo');
  } else if (errorType && IMAGE_TYPES.has(errorType)) {
    message = `The API could not use this image ${said}; check the file or lower --max-image-size.`;
    result = init('invalid_image', 'fail_photo');
  } else if (facts.endpoint !== 'other' && (status === 404 || (availability && MODEL_GONE.has(String(availability.code))))) {
    message = err
      ? `${model} is not available on OpenRouter ${said}; pass --fallback-model or choose another model (see \`photobatch models\`).`
      : `OpenRouter answered 404 without error details; check --base-url (it should end in /api/v1) and the model name.`;
    result = stop('model_unavailable', 'model_unavailable');
  } else if (status === 408 || status === 504 || status === 524 || errorType === 'timeout') {
    message = `OpenRouter or the provider timed out ${said}; try again later or raise --timeout.`;
    result = init('timeout', 'retry');
  } else if (status >= 500) {
    message = `OpenRouter or the provider failed ${said}; try again later or choose another model.`;
    result = init('server', 'retry');
  } else {
    message = `OpenRouter rejected the request ${said}; check the model, prompt and --max-tokens.`;
    result = init('bad_request', 'fail_photo');
  }

  // The docs say to switch on availability.retryable when present (openrouter-api.md §4.5).
  const retryable = availability?.retryable;
  if (retryable === false && (result.action === 'retry' || result.action === 'wait')) {
    result = { ...result, action: 'fail_photo' };
  } else if (retryable === true && (result.action === 'fail_photo' || result.kind === 'model_unavailable')) {
    const { stopReason: _dropped, ...rest } = result;
    result = { ...rest, action: 'retry' };
  }
  return new ApiError(message, result);
}

/** A 2xx answer with no text and no images. */
export function emptyResponseError(finishReason: string | null, body: unknown): ApiError {
  if (finishReason === 'length') {
    return new ApiError(
      'The model used all of --max-tokens before writing an answer (often spent on reasoning); raise --max-tokens or choose another model.',
      { status: 200, kind: 'empty_response', action: 'fail_photo', body },
    );
  }
  if (finishReason === 'content_filter') {
    return new ApiError("The provider's content filter returned an empty answer for this photo; try another model if it should pass.", {
      status: 200, kind: 'moderation', action: 'fail_photo', body,
    });
  }
  return new ApiError(
    `The model returned an empty answer (finish reason ${finishReason ?? 'none'}); try again later or choose another model.`,
    { status: 200, kind: 'empty_response', action: 'retry', body },
  );
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/** A request that got no usable HTTP answer: caller abort, our deadline, or a network failure. */
export function classifyTransportError(
  error: unknown,
  ctx: { callerSignal?: AbortSignal | undefined; deadlineSignal?: AbortSignal; timeoutMs: number; host: string },
): ApiError {
  if (ctx.callerSignal?.aborted) return interruptedError(undefined, error);
  const e = rec(error) ?? {};
  const cause = rec(e.cause) ?? {};
  const code = str(e.code) ?? str(cause.code) ?? str(e.name) ?? 'error';
  const detail = oneLine(str(e.message) ?? str(cause.message) ?? String(error), 200);
  if (ctx.deadlineSignal?.aborted || TIMEOUT_CODES.has(code) || e.name === 'TimeoutError') {
    return new ApiError(
      `No answer from OpenRouter within ${Math.round(ctx.timeoutMs / 100) / 10} s; try again later or raise --timeout.`,
      { status: null, kind: 'timeout', action: 'retry', cause: error },
    );
  }
  return new ApiError(
    `Could not reach OpenRouter at ${ctx.host} (${code}: ${detail}); check the network connection or --base-url.`,
    { status: null, kind: 'network', action: 'retry', cause: error },
  );
}
