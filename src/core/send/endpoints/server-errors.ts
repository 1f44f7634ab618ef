/**
 * Errors that only some OpenAI-compatible servers send, classified before the OpenRouter rules in classify.ts:
 * they would otherwise be read as a retryable empty answer or a plain rate limit.
 */
import { ApiError } from '../openrouter/api-error.js';
import type { ResponseFacts } from '../openrouter/classify.js';
import { headerValue, type HeaderBag } from '../openrouter/retry-delay.js';
import { rec } from './probe-http.js';

const flat = (s: string, max = 200) => {
  const t = s.replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/**
 * - LM Studio answers some errors with HTTP 200 and a string `error`: `{"error":"Unexpected endpoint or method. (GET
 *   /v1/key)"}` (lmstudio-ai/lmstudio-bug-tracker#618), `{"error":"Model does not support images…"}` (#908),
 *   `"Vision add-on is not loaded…"` (lmstudio-ai/lms#362). Named, and never retried blindly: a retry gets the same.
 * - LiteLLM refuses a spent budget with HTTP 429 `{"error":{"type":"budget_exceeded","code":"429","message":"Budget
 *   has been exceeded! …"}}` (BerriAI/litellm PR #40002, PR #37000; docs.litellm.ai/docs/proxy/error_reference):
 *   not a rate limit, so the run stops instead of backing off.
 */
export function classifyServerSpecific(facts: ResponseFacts): ApiError | undefined {
  const body = rec(facts.body);
  if (body && typeof body.error === 'string') {
    const said = flat(body.error);
    if (/does not support images|vision add-on|image input is not supported/i.test(said)) {
      return new ApiError(`The server says this model cannot read images (HTTP ${facts.status}: ${said}); load a vision model (LM Studio: type "vlm") and re-run.`, {
        status: facts.status, kind: 'model_unavailable', action: 'stop_run', stopReason: 'model_unavailable', body: facts.body,
      });
    }
    if (/unexpected endpoint/i.test(said)) {
      return new ApiError(`The server does not know this endpoint (HTTP ${facts.status}: ${said}); check --base-url (LM Studio: http://localhost:1234/v1).`, {
        status: facts.status, kind: 'bad_request', action: 'stop_run', stopReason: 'model_unavailable', body: facts.body,
      });
    }
    return new ApiError(`The server answered HTTP ${facts.status} with an error: ${said}; this photo was not retried.`, {
      status: facts.status, kind: 'bad_request', action: 'fail_photo', body: facts.body,
    });
  }
  const err = rec(body?.error);
  if (err && err.type === 'budget_exceeded') {
    return new ApiError(
      `LiteLLM says the budget is spent (${facts.status}: ${flat(String(err.message ?? 'budget_exceeded'))}); raise the key's or team's max_budget on the proxy, then re-run the same command (finished photos will not be sent again).`,
      { status: facts.status, kind: 'out_of_credits', action: 'stop_run', stopReason: 'out_of_credits', errorType: 'budget_exceeded', body: facts.body },
    );
  }
  return undefined;
}

/**
 * LiteLLM's cost of one call, in USD, from the `x-litellm-response-cost` response header
 * (docs.litellm.ai/docs/proxy/response_headers; pass_through_cost_tracking). null when absent or not a number.
 */
export function litellmResponseCost(headers: HeaderBag): number | null {
  const raw = headerValue(headers, 'x-litellm-response-cost');
  if (raw === undefined) return null;
  const n = Number(String(raw).trim());
  return Number.isFinite(n) && n >= 0 ? n : null;
}
