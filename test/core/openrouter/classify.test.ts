import { describe, expect, test } from 'vitest';
import { ApiError } from '../../../src/core/send/openrouter/api-error.js';
import { emptyResponseError } from '../../../src/core/send/openrouter/answer-errors.js';
import { classifyResponse, clock } from '../../../src/core/send/openrouter/classify.js';
import { findBodyError } from '../../../src/core/send/openrouter/error-body.js';
import { classifyTransportError } from '../../../src/core/send/openrouter/transport-errors.js';

const NOW = Date.UTC(2026, 7, 22, 12, 0, 0);
const envelope = (code: number, message: string, metadata?: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  error: { code, message, ...(metadata ? { metadata } : {}), ...extra },
});
const classify = (status: number, body: unknown, headers: Record<string, string> = {}, model = 'google/gemini-2.5-flash') =>
  classifyResponse({ status, headers, body, model, now: NOW });

describe('classifyResponse', () => {
  test.each([
    ['401 bad key', 401, envelope(401, 'No auth credentials found'), {}, { kind: 'auth', action: 'stop_run', stopReason: 'auth' }],
    ['402 credits', 402, envelope(402, 'Insufficient credits.', { limit_source: 'openrouter_credits' }), {}, { kind: 'out_of_credits', action: 'stop_run', stopReason: 'out_of_credits' }],
    ['402 key limit', 402, envelope(402, 'Key limit exceeded', { limit_source: 'openrouter_key_limit' }), {}, { kind: 'key_limit', action: 'stop_run', stopReason: 'key_limit' }],
    ['402 in-flight by reason', 402, envelope(402, 'Retry after in-flight requests settle', { reason: 'in_flight_budget_exhausted' }), {}, { kind: 'out_of_credits', action: 'wait', retryAfterMs: null }],
    ['402 in-flight by limit_source', 402, envelope(402, 'x', { limit_source: 'openrouter_in_flight_budget' }), {}, { kind: 'out_of_credits', action: 'wait' }],
    ['402 with Retry-After', 402, envelope(402, 'Wait'), { 'retry-after': '120' }, { kind: 'out_of_credits', action: 'wait', retryAfterMs: 120_000 }],
    ['403 moderation', 403, envelope(403, 'Input was flagged', { reasons: ['violence', 'gore'] }), {}, { kind: 'moderation', action: 'fail_photo', reasons: ['violence', 'gore'] }],
    ['403 key budget', 403, envelope(403, 'Budget', { limit_source: 'openrouter_key_limit' }), {}, { kind: 'key_limit', action: 'stop_run', stopReason: 'key_limit' }],
    ['403 workspace budget by source', 403, envelope(403, 'Budget', { limit_source: 'openrouter_workspace_budget' }), {}, { kind: 'workspace_budget', action: 'stop_run', stopReason: 'workspace_budget' }],
    ['403 guardrail budget by source', 403, envelope(403, 'Budget', { limit_source: 'openrouter_guardrail_budget' }), {}, { kind: 'guardrail', action: 'stop_run', stopReason: 'guardrail' }],
    ['403 guardrail content', 403, envelope(403, 'Request blocked: prompt injection patterns detected', { patterns: ['ignore previous instructions'] }), {}, { kind: 'guardrail', action: 'fail_photo' }],
    ['403 region_restricted', 403, envelope(403, 'Not in your region', undefined, { availability: { code: 'region_restricted', retryable: false } }), {}, { kind: 'region_blocked', action: 'stop_run', stopReason: 'region_blocked' }],
    ['403 unclassified', 403, envelope(403, 'Forbidden'), {}, { kind: 'provider_settings', action: 'stop_run', stopReason: 'provider_settings' }],
    ['429 body-only retry_after_seconds', 429, envelope(429, 'Provider returned error', { provider_name: 'Venice', retry_after_seconds: 17, headers: { 'Retry-After': '17' } }), {}, { kind: 'rate_limited', action: 'retry', retryAfterMs: 17_000 }],
    ['429 body-only metadata.headers Retry-After', 429, envelope(429, 'Provider returned error', { headers: { 'Retry-After': '9' } }), {}, { kind: 'rate_limited', action: 'retry', retryAfterMs: 9_000 }],
    ['429 LiteLLM budget_exceeded is a spent budget', 429, { error: { message: 'Budget has been exceeded! Key=x Current cost: 3.1, Max budget: 2.5', type: 'budget_exceeded', param: 'None', code: '429' } }, {}, { kind: 'out_of_credits', action: 'stop_run' }],
    ['500 llama.cpp without mmproj', 500, { error: { code: 500, message: 'image input is not supported - hint: if this is unexpected, you may need to provide the mmproj', type: 'server_error' } }, {}, { kind: 'model_unavailable', action: 'stop_run' }],
    ['429 wait beyond the bound stops with a time', 429, envelope(429, 'Slow down'), { 'retry-after': '7200' }, { kind: 'rate_limited', action: 'stop_run', stopReason: 'rate_limited' }],
    ['400 model_not_found', 400, envelope(400, 'Unknown model', undefined, { availability: { code: 'model_not_found', retryable: false } }), {}, { kind: 'model_unavailable', action: 'stop_run', stopReason: 'model_unavailable' }],
    ['404 no endpoints', 404, envelope(404, 'No endpoints found', undefined, { availability: { code: 'no_endpoints', retryable: false } }), {}, { kind: 'model_unavailable', action: 'stop_run', stopReason: 'model_unavailable' }],
    ['404 free variant ended', 404, envelope(404, 'Gone', undefined, { availability: { code: 'free_variant_ended' } }), {}, { kind: 'model_unavailable', action: 'stop_run' }],
    ['400 invalid_image', 400, envelope(400, 'Bad image', { error_type: 'invalid_image' }), {}, { kind: 'invalid_image', action: 'fail_photo', errorType: 'invalid_image' }],
    ['400 unsupported format', 400, envelope(400, 'Bad image', { error_type: 'unsupported_image_format' }), {}, { kind: 'invalid_image', action: 'fail_photo' }],
    ['400 image_too_small', 400, envelope(400, 'Tiny', { error_type: 'image_too_small' }), {}, { kind: 'invalid_image', action: 'fail_photo' }],
    ['400 image_too_large', 400, envelope(400, 'Huge', { error_type: 'image_too_large' }), {}, { kind: 'too_large', action: 'fail_photo' }],
    ['413', 413, envelope(413, 'Downloaded image content cannot exceed 30MB'), {}, { kind: 'too_large', action: 'fail_photo' }],
    ['400 other', 400, envelope(400, 'context_length_exceeded', { error_type: 'context_length_exceeded' }), {}, { kind: 'bad_request', action: 'fail_photo' }],
    ['422', 422, envelope(422, 'Unprocessable'), {}, { kind: 'bad_request', action: 'fail_photo' }],
    ['408', 408, envelope(408, 'Operation timed out.'), {}, { kind: 'timeout', action: 'retry' }],
    ['500', 500, envelope(500, 'Internal Server Error'), {}, { kind: 'server', action: 'retry' }],
    ['502', 502, envelope(502, 'Provider returned error'), {}, { kind: 'server', action: 'retry' }],
    ['503 with Retry-After', 503, envelope(503, 'Overloaded'), { 'Retry-After': '7' }, { kind: 'server', action: 'retry', retryAfterMs: 7000 }],
    ['504', 504, envelope(504, 'Timeout'), {}, { kind: 'timeout', action: 'retry' }],
    ['524', 524, envelope(524, 'Edge timeout'), {}, { kind: 'timeout', action: 'retry' }],
    ['529', 529, envelope(529, 'Overloaded'), {}, { kind: 'server', action: 'retry' }],
    ['503 availability retryable false', 503, envelope(503, 'No', undefined, { availability: { code: 'temporarily_unavailable', retryable: false } }), {}, { kind: 'server', action: 'fail_photo' }],
    ['404 availability retryable true', 404, envelope(404, 'Upstream', undefined, { availability: { code: 'model_unavailable_upstream', retryable: true } }), {}, { kind: 'model_unavailable', action: 'retry' }],
    ['429 Retry-After', 429, envelope(429, 'Rate limit exceeded'), { 'retry-after': '2' }, { kind: 'rate_limited', action: 'retry', retryAfterMs: 2000 }],
    ['429 availability.retry_after', 429, envelope(429, 'Capacity', undefined, { availability: { code: 'capacity_exhausted', retryable: true, retry_after: 5 } }), {}, { kind: 'rate_limited', action: 'retry', retryAfterMs: 5000 }],
    ['429 X-RateLimit-Reset header', 429, envelope(429, 'free-models-per-min'), { 'x-ratelimit-reset': String(NOW + 9000) }, { kind: 'rate_limited', action: 'retry', retryAfterMs: 9000 }],
    ['429 reset in metadata.headers', 429, envelope(429, 'free-models-per-min', { headers: { 'X-RateLimit-Reset': String(NOW + 4000) } }), {}, { kind: 'rate_limited', action: 'retry', retryAfterMs: 4000 }],
    ['429 no hint', 429, envelope(429, 'Rate limit exceeded'), {}, { kind: 'rate_limited', action: 'retry', retryAfterMs: null }],
    ['non-JSON 502', 502, undefined, {}, { kind: 'server', action: 'retry' }],
    ['non-JSON 200', 200, undefined, {}, { kind: 'server', action: 'retry' }],
  ])('%s', (_name, status, body, headers, expected) => {
    const e = classify(status as number, body, headers as Record<string, string>);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status, ...expected });
    expect(e.message).toMatch(/^[A-Z]/);
    expect(e.message).not.toContain('\n');
  });

  test('the affordability 402 carries N and says where to add credits', () => {
    const e = classify(402, envelope(402, 'This request requires more credits, or fewer max_tokens. You requested up to 65536 tokens, but can only afford 3395. To increase, visit https://openrouter.ai/settings/credits', { provider_name: null }));
    expect(e).toMatchObject({ kind: 'out_of_credits', action: 'stop_run', stopReason: 'out_of_credits', affordableTokens: 3395 });
    expect(e.message).toContain('https://openrouter.ai/settings/credits');
    expect(e.message).toContain('re-run the same command');
  });

  test('a daily free-model quota stops the run with the reset time', () => {
    const resetAt = NOW + 6 * 3600_000;
    const headers = { 'X-RateLimit-Limit': '50', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(resetAt) };
    const e = classify(429, envelope(429, 'Rate limit exceeded: free-models-per-day. Add 10 credits', { headers, provider_name: null }));
    expect(e).toMatchObject({ kind: 'rate_limited', action: 'stop_run', stopReason: 'daily_quota', resetAt });
    expect(e.message).toContain(clock(resetAt, NOW));
    expect(e.message).toMatch(/daily quota for free models \(50 requests a day\)/);
  });

  test('a daily quota without a reset header resets at the next UTC midnight', () => {
    const e = classify(429, envelope(429, 'Limit', { limit_source: 'openrouter_free_tier_daily' }));
    expect(e.resetAt).toBe(Date.UTC(2026, 7, 23));
    expect(e.stopReason).toBe('daily_quota');
  });

  test("fallback_models suggestions and the provider's own reason are in the one-line message", () => {
    const e = classify(404, envelope(404, 'Model deprecated', undefined, { availability: { code: 'model_deprecated', retryable: false, fallback_models: ['openai/gpt-4.1'] } }), {}, 'openrouter/quasar-alpha');
    expect(e.message).toContain('OpenRouter suggests: openai/gpt-4.1');
    expect(e.fallbackModels).toEqual(['openai/gpt-4.1']);
    const p = classify(400, envelope(400, 'Provider returned error', { provider_name: 'Crucible', raw: "Model 'moonshotai/kimi-k2.6' supports at most 1 image per prompt." }));
    expect(p.message).toContain("[Crucible: Model 'moonshotai/kimi-k2.6' supports at most 1 image per prompt.]");
    expect(p.message).not.toMatch(/\n/);
  });

  test('model-unavailable messages name the model and the way out', () => {
    const e = classify(404, envelope(404, 'No endpoints found'), {}, 'acme/gone-model');
    expect(e.message).toContain('acme/gone-model');
    expect(e.message).toContain('--fallback-model');
    expect(e.message).toContain('photobatch models');
  });

  test('a 404 from /key is not about the model', () => {
    const e = classifyResponse({ status: 404, headers: {}, body: envelope(404, 'Not found'), endpoint: 'other', now: NOW });
    expect(e.kind).toBe('bad_request');
  });

  test.each([
    ['top-level error', { error: { code: 502, message: 'Provider returned error', metadata: { error_type: 'provider_unavailable' } } }, { kind: 'server', action: 'retry', status: 502 }],
    ['choice error', { choices: [{ finish_reason: 'error', message: { content: 'partial' }, error: { code: 502, message: 'Provider disconnected mid-stream' } }] }, { kind: 'server', action: 'retry' }],
    ['finish_reason error without details', { choices: [{ finish_reason: 'error', message: { content: 'partial' } }] }, { kind: 'server', action: 'retry' }],
    ['string code', { error: { code: 'server_error', message: 'boom' } }, { kind: 'server', action: 'retry' }],
    ['string error (local servers answer errors as HTTP 200)', { error: 'Unexpected endpoint or method. (GET /v1/key)' }, { kind: 'bad_request', action: 'fail_photo', status: 400 }],
    ['LM Studio text-only model: the run stops', { error: 'Model does not support images. Please use a model that does.' }, { kind: 'model_unavailable', action: 'stop_run' }],
    ['429 inside 200', { error: { code: 429, message: 'Rate limit exceeded' } }, { kind: 'rate_limited', action: 'retry', status: 429 }],
    ['402 inside 200', { error: { code: 402, message: 'Insufficient credits' } }, { kind: 'out_of_credits', action: 'stop_run' }],
    ['image error inside 200', { error: { code: 'x', message: 'bad', metadata: { error_type: 'invalid_image' } } }, { kind: 'invalid_image', action: 'fail_photo' }],
  ])('200 with %s is classified like the same error sent as a status', (_name, body, expected) => {
    expect(findBodyError(body)).not.toBeNull();
    expect(classify(200, body)).toMatchObject(expected);
  });

  test('a normal answer has no body error', () => {
    expect(findBodyError({ choices: [{ finish_reason: 'stop', message: { content: 'hi' } }] })).toBeNull();
  });
});

describe('emptyResponseError', () => {
  test.each([
    [null, { kind: 'empty_response', action: 'retry' }],
    ['stop', { kind: 'empty_response', action: 'retry' }],
    ['length', { kind: 'empty_response', action: 'fail_photo' }],
    ['content_filter', { kind: 'moderation', action: 'fail_photo' }],
  ])('finish reason %s', (finish, expected) => {
    expect(emptyResponseError(finish, {})).toMatchObject(expected);
  });
});

describe('classifyTransportError', () => {
  const ctx = { timeoutMs: 5000, host: 'openrouter.ai' };
  test('caller abort is an interruption, never retried', () => {
    const c = new AbortController();
    c.abort();
    expect(classifyTransportError(new Error('aborted'), { ...ctx, callerSignal: c.signal })).toMatchObject({ kind: 'interrupted', action: 'stop_run' });
  });
  test.each([
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['ECONNRESET', 'network'],
    ['ECONNREFUSED', 'network'],
    ['ENOTFOUND', 'network'],
    ['UND_ERR_SOCKET', 'network'],
  ])('%s → %s, retried', (code, kind) => {
    const err = Object.assign(new Error('boom'), { code });
    expect(classifyTransportError(err, ctx)).toMatchObject({ kind, action: 'retry', status: null });
  });
  test('our own deadline is a timeout', () => {
    const deadline = AbortSignal.abort(new DOMException('timed out', 'TimeoutError'));
    expect(classifyTransportError(new Error('aborted'), { ...ctx, deadlineSignal: deadline })).toMatchObject({ kind: 'timeout' });
  });
});

test("a provider's raw reason cannot put control characters on the terminal", () => {
  const e = classifyResponse({ status: 400, headers: {}, body: { error: { code: 400, message: 'Provider returned error', metadata: { provider_name: 'X', raw: 'bad\u001b[2J\u0007 thing' } } }, now: NOW });
  expect(e.message).not.toMatch(/[\u0000-\u001f]/);
  expect(e.message).toContain('[X: bad [2J thing]');
});
