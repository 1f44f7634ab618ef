import type { ErrorKind } from '../../types.js';
import { clock, waitText } from '../../time-text.js';

export { clock, waitText };
import { ApiError, type ApiErrorInit, type ApiStopReason, type FailureAction } from './api-error.js';
import { findBodyError, oneLine, rawText, rec, statusOf, str, stringList, type Json } from './error-body.js';
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
const KEYS_URL = 'https://openrouter.ai/settings/keys';
const PRIVACY_URL = 'https://openrouter.ai/settings/privacy';
/**
 * The longest server-requested wait photobatch sits through (with the wait and the resume time on the progress
 * line). A longer hint stops the run with the time to re-run, instead of a silent hang (README, Troubleshooting).
 */
export const MAX_HINTED_WAIT_MS = 15 * 60_000;
const NO_VISION = /image input is not supported|does not support images|vision add-on is not loaded/i;
// Provider geo-blocks arrive as 403 "Provider returned error" with the reason in metadata.raw (openrouter-api.md §4.1).
const GEO_BLOCK = /unsupported_country|country, region, or territory|location is not supported|region_restricted/i;
const IMAGE_TYPES = new Set(['invalid_image', 'unsupported_image_format', 'image_too_small', 'image_download_failed']);
const MODEL_GONE = new Set([
  'model_not_found', 'wrong_endpoint', 'no_endpoints', 'model_deprecated', 'model_unavailable_upstream',
  'privacy_restricted', 'constraint_filtered', 'free_variant_ended',
]);
function isNoAllowedProviders(message: string, availability: Json | undefined): boolean {
  const excluded = stringList(availability?.excluded_by);
  return /no allowed providers/i.test(message) || excluded.includes('allowed_providers');
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
  // "Provider returned error" is a wrapper: the provider's own reason is in metadata.raw (openrouter-api.md §4.1).
  const providerName = str(meta.provider_name) ?? str(err?.provider_name);
  const raw = rawText(meta.raw);
  const upstream = providerName || raw ? ` [${providerName ?? 'provider'}${raw ? `: ${oneLine(raw, 200)}` : ''}]` : '';
  const said = apiMsg ? `(${status}: ${apiMsg}${upstream})` : `(HTTP ${status}${upstream})`;
  const retryAfterMs = serverDelayHintMs({ headers: facts.headers, error: err, now });
  const model = facts.model ? `Model ${facts.model}` : 'The model';
  const fallbackModels = stringList(availability?.fallback_models);
  const suggest = fallbackModels.length > 0 ? ` OpenRouter suggests: ${fallbackModels.join(', ')} (pass one with --model or --fallback-model).` : '';
  const init = (kind: ErrorKind, action: FailureAction, extra: Partial<ApiErrorInit> = {}): ApiErrorInit => ({
    status, kind, action, retryAfterMs, body: facts.body ?? facts.text, ...(errorType ? { errorType } : {}),
    ...(fallbackModels.length > 0 ? { fallbackModels } : {}), ...extra,
  });
  const stop = (kind: ErrorKind, stopReason: ApiStopReason, extra: Partial<ApiErrorInit> = {}) =>
    init(kind, 'stop_run', { stopReason, ...extra });
  const outOfCredits = `OpenRouter says there are not enough credits ${said}; add credits at ${CREDITS_URL} and re-run the same command (finished photos will not be sent again).`;
  const keyLimitMessage = (period: string) =>
    `This API key reached its ${period}spending limit ${said}; raise or remove the key's limit at ${KEYS_URL} (adding credits does not help)${/daily/i.test(apiMsg) ? ' or wait for the daily reset' : ''}, then re-run the same command.`;
  const keyPeriod = /daily/i.test(apiMsg) ? 'daily ' : /total/i.test(apiMsg) ? 'total ' : /monthly/i.test(apiMsg) ? 'monthly ' : '';

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
    } else if (limitSource === 'openrouter_key_limit' || /^key limit/i.test(apiMsg)) {
      message = keyLimitMessage(keyPeriod);
      result = stop('key_limit', 'key_limit');
    } else {
      const afford = /can only afford (\d+)/i.exec(apiMsg);
      message = outOfCredits;
      result = stop('out_of_credits', 'out_of_credits', afford ? { affordableTokens: Number(afford[1]) } : {});
    }
  } else if (status === 403 || (status >= 400 && status < 500 && status !== 429 && GEO_BLOCK.test(raw ?? ''))) {
    // A provider's geo-block is not about the photo whatever status wraps it (Google's arrives as 400).
    ({ message, result } = classify403());
  } else if (status === 429 && (str(err?.type) === 'budget_exceeded' || /budget has been exceeded/i.test(apiMsg))) {
    // LiteLLM proxies answer a spent budget with 429 type budget_exceeded: not a rate limit (openrouter-api.md §16).
    message = `The proxy at this base URL has spent its budget ${said}; raise the key's or team's budget on the proxy, then re-run the same command.`;
    result = stop('out_of_credits', 'out_of_credits');
  } else if (NO_VISION.test(apiMsg) || NO_VISION.test(raw ?? '')) {
    // llama.cpp without --mmproj (500), LM Studio text-only models (200 with a string error): every photo would fail.
    message = `The model cannot read images on this server ${said}; load a vision model (llama.cpp: --mmproj; LM Studio: a VLM) or choose one with \`photobatch models\`.`;
    result = stop('model_unavailable', 'model_unavailable');
  } else if (status === 429) {
    const daily = /free-models-per-day/i.test(apiMsg) || limitSource === 'openrouter_free_tier_daily';
    const sharedPool = limitSource === 'upstream_provider_shared_pool' || /rate-limited upstream/i.test(raw ?? '');
    if (daily) {
      const resetAt = rateLimitResetAt(facts.headers, err) ?? nextUtcMidnight(now);
      const quota = /high-balance/i.test(apiMsg) ? '1,000' : /add 10 credits/i.test(apiMsg) ? '50' : '50 or 1,000';
      message = `OpenRouter's daily quota for free models (${quota} requests a day) is used up ${said}; it resets at ${clock(resetAt, now)} (${new Date(resetAt).toISOString()}). Re-run the same command then, or use a paid model (the id without ':free').`;
      result = stop('rate_limited', 'daily_quota', { resetAt });
    } else if (retryAfterMs !== null && retryAfterMs > MAX_HINTED_WAIT_MS) {
      const resumeAt = now + retryAfterMs;
      message = `OpenRouter asks to wait ${waitText(retryAfterMs)} before the next request ${said}, longer than photobatch waits (${MAX_HINTED_WAIT_MS / 60_000} min); re-run the same command after ${clock(resumeAt, now)}.${suggest}`;
      result = stop('rate_limited', 'rate_limited', { resetAt: resumeAt });
    } else if (sharedPool) {
      message = `${providerName ?? 'The provider'} is rate-limiting OpenRouter's shared pool for this model ${said}; waiting and retrying. Your own provider key (BYOK) or another model avoids the shared pool.${suggest}`;
      result = init('rate_limited', 'retry');
    } else if (availability?.code === 'capacity_exhausted') {
      message = `${model} has no free capacity right now ${said}; waiting and retrying.${suggest}`;
      result = init('rate_limited', 'retry');
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
  } else if (facts.endpoint !== 'other' && isNoAllowedProviders(apiMsg, availability)) {
    const available = stringList(meta.available_providers);
    message = `Your OpenRouter provider settings allow no provider that serves ${facts.model ?? 'this model'} ${said}; this is an account setting, not an outage: ` +
      `allow one of ${available.length > 0 ? available.join(', ') : 'its providers'} under Allowed Providers at ${PRIVACY_URL} (or drop provider.only), then re-run the same command.`;
    result = stop('provider_settings', 'provider_settings');
  } else if (facts.endpoint !== 'other' && (status === 404 || (availability && MODEL_GONE.has(String(availability.code))))) {
    message = err
      ? `${model} is not available on OpenRouter ${said}; pass --fallback-model or choose another model (see \`photobatch models\`).${suggest}`
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

  /**
   * 403 is not always moderation (openrouter-api.md §4.1, "Telling the 403s apart"): availability code, then
   * limit_source, then moderation reasons, guardrail patterns, the provider's raw reason, and message prefixes.
   * A 403 that matches none of them is not about the photo, so it stops the run instead of failing every photo.
   */
  function classify403(): { message: string; result: ApiErrorInit } {
    const reasons = stringList(meta.reasons);
    const patterns = stringList(meta.patterns);
    const geo = GEO_BLOCK.test(raw ?? '') || GEO_BLOCK.test(apiMsg);
    if (availability?.code === 'region_restricted' || geo) {
      return {
        message: `${providerName ?? 'The provider'} does not serve requests from your region ${said}; this is not about the photo: ` +
          `choose another model or exclude that provider (provider.ignore in your OpenRouter settings), then re-run the same command.${suggest}`,
        result: stop('region_blocked', 'region_blocked'),
      };
    }
    if (limitSource === 'openrouter_key_limit' || /^key limit exceeded/i.test(apiMsg)) {
      return { message: keyLimitMessage(keyPeriod), result: stop('key_limit', 'key_limit') };
    }
    if (limitSource === 'openrouter_workspace_budget' || /^workspace .*budget/i.test(apiMsg)) {
      return {
        message: `Your OpenRouter workspace spent its budget ${said}; ask the workspace admin to raise it, then re-run the same command.`,
        result: stop('workspace_budget', 'workspace_budget'),
      };
    }
    if (limitSource === 'openrouter_guardrail_budget' || (/guardrail|request blocked/i.test(apiMsg) && /budget|allow|not permitted/i.test(apiMsg))) {
      return {
        message: `An OpenRouter guardrail blocks these requests (its budget or allow-list) ${said}; adjust the guardrail at https://openrouter.ai/settings/guardrails or ask its admin, then re-run the same command.`,
        result: stop('guardrail', 'guardrail'),
      };
    }
    if (reasons.length > 0 || /moderation|flagged/i.test(apiMsg)) {
      const why = reasons.length > 0 ? ` for ${reasons.join(', ')}` : '';
      return {
        message: `The provider's moderation blocked this photo${why} ${said}; it was skipped, try another model if it should pass.`,
        result: init('moderation', 'fail_photo', reasons.length > 0 ? { reasons } : {}),
      };
    }
    if (patterns.length > 0 || /^request blocked/i.test(apiMsg)) {
      return {
        message: `An OpenRouter guardrail blocked this photo's request${patterns.length > 0 ? ` (${patterns.join(', ')})` : ''} ${said}; it was skipped, check the prompt or the guardrail settings.`,
        result: init('guardrail', 'fail_photo'),
      };
    }
    return {
      message: `OpenRouter refused the request ${said}; this is not about one photo, so the run stopped: check the key's and account's settings at ${KEYS_URL}.`,
      result: stop('provider_settings', 'provider_settings'),
    };
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
