/**
 * A real HTTP server on 127.0.0.1 that speaks the OpenRouter API shapes of openrouter-api.md: the foundation of the
 * end-to-end tests and benchmarks. Requests are numbered per endpoint (`n` is 1 for the first chat request and 1 for
 * the first /key request), so scripts like "fail the first chat request" stay simple.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** JSON body. A reply with neither body nor rawBody and status 200 (or none) is the default success. */
  body?: unknown;
  rawBody?: string;
  /** Extra delay on top of latencyMs. */
  delayMs?: number;
  /** Destroy the socket instead of answering. */
  drop?: boolean;
  /** Never answer; close() ends the socket. */
  hang?: boolean;
}

export interface FakeRequest {
  /** 1-based index among requests to the same endpoint (path without query). */
  n: number;
  method: string;
  /** Path with query, e.g. /api/v1/generation?id=gen-1. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  at: number;
}

export type FakeFault =
  | '429' | '429-reset-header' | '402-credits' | '402-inflight' | '500' | '502' | '503' | '504' | '524' | '529' | '408'
  | 'drop' | 'non-json' | '200-error' | '200-choice-error' | 'empty' | 'slow'
  | 'refusal' | 'length-empty' | '429-body-only' | '403-key-limit' | '403-region' | '404-no-allowed-providers';

export interface FakeOptions {
  latencyMs?: number;
  /** Fraction of latencyMs, e.g. 0.1 for ±10 %. */
  jitter?: number;
  /** Model echoed in answers (default: the request's model, or the first of models[]). */
  model?: string;
  cost?: (req: FakeRequest) => number;
  promptTokens?: (req: FakeRequest) => number;
  completionTokens?: number;
  /** Reasoning tokens per answer (part of completion_tokens, billed as output); none by default. */
  reasoningTokens?: (req: FakeRequest) => number;
  /** Answer as bring-your-own-key: usage.cost 0 (no fee), the charge in cost_details.upstream_inference_cost. */
  byok?: boolean;
  content?: (req: FakeRequest) => string;
  /** Scripted reply per chat request; undefined → rate limit, random fault or default success. */
  handler?: (req: FakeRequest) => FakeReply | undefined | Promise<FakeReply | undefined>;
  faultRate?: number;
  faults?: FakeFault[];
  random?: () => number;
  /** 429 above N chat requests per rolling minute. */
  rpmLimit?: number;
  /** Whether those 429s carry Retry-After (default true); X-RateLimit-* headers are always sent. */
  rateLimitRetryAfter?: boolean;
  /** /key answer: a data object merged over the default, or a reply per /key request number. */
  key?: Record<string, unknown> | ((n: number) => FakeReply);
  /** If set, any other bearer gets 401 on chat, /key and /generation. */
  validKey?: string;
  /** GET /models data (default []). */
  models?: unknown[];
  /** Extra delay of the 'slow' fault (default 2000 ms). */
  slowMs?: number;
  /**
   * Service tiers (openrouter-api.md §15): answers then carry `service_tier` ("default" or "flex"), a flex request is
   * billed at `ratio` × cost, and `refuse` answers a flex request with a capacity error instead.
   */
  flex?: { ratio?: number; refuse?: (req: FakeRequest) => boolean };
  /**
   * Chat requests for which this is true are held (received, unanswered) until `release()`: a test that needs a run
   * still busy at some point says so, instead of betting on latency against the machine's load.
   */
  hold?: (req: FakeRequest) => boolean;
}

export interface FakeServer {
  /** Base URL, e.g. http://127.0.0.1:PORT/api/v1 */
  url: string;
  requests: FakeRequest[];
  chatRequests(): FakeRequest[];
  /** Chat requests being handled right now, and the most ever at once. */
  inFlight: number;
  maxInFlight: number;
  /** Answers a real account would be charged for: successes, and scripted answers whose usage carries a cost. */
  billed: { id: string; cost: number; model: string }[];
  /** Chat requests held by `hold` right now. */
  held: number;
  /** Answers every held request (after the latency) and holds no more. */
  release(): void;
  reset(): void;
  close(): Promise<void>;
}

const err = (code: number, message: string, metadata?: Record<string, unknown>) => ({
  error: { code, message, ...(metadata ? { metadata } : {}) },
  user_id: 'user_fake',
});

/** `usage` as OpenRouter writes it (openrouter-api.md §2.2): BYOK answers carry cost 0 and the upstream charge. */
export function usageBody(prompt: number, completion: number, reasoning: number, cost: number, byok = false) {
  return {
    prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0, audio_tokens: 0, video_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoning, image_tokens: 0, audio_tokens: 0 },
    cost: byok ? 0 : cost, is_byok: byok,
    cost_details: { upstream_inference_cost: cost, upstream_inference_prompt_cost: null, upstream_inference_completions_cost: null },
  };
}

/** A 200 chat answer with the given message, finish reason and usage (billed shapes that carry no caption). */
export function answerReply(req: FakeRequest, a: { message: Record<string, unknown>; finish: string | null; usage: unknown; model?: string }): FakeReply {
  return {
    status: 200,
    body: {
      id: `gen-${a.finish ?? 'null'}-${req.n}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000),
      model: a.model ?? req.body?.model ?? 'fake/model', provider: 'FakeProvider', system_fingerprint: null,
      choices: [{ index: 0, finish_reason: a.finish, native_finish_reason: a.finish, message: { role: 'assistant', refusal: null, reasoning: null, ...a.message } }],
      usage: a.usage,
    },
  };
}

/** Billed answers that are not captions (openrouter-api.md §2.3). */
export const billedReplies = {
  /** `message.refusal` with content null: billed. */
  refusal: (req: FakeRequest, prompt: number, completion: number, cost: number): FakeReply =>
    answerReply(req, { message: { content: null, refusal: "I can't help with describing this image." }, finish: 'stop', usage: usageBody(prompt, completion, 0, cost) }),
  /** Reasoning used all of max_tokens, content "": billed. */
  reasoningExhausted: (req: FakeRequest, prompt: number, cost: number): FakeReply => {
    const maxTokens = Number(req.body?.max_tokens) || 512;
    return answerReply(req, { message: { content: '', reasoning: 'Thinking about the photo…' }, finish: 'length', usage: usageBody(prompt, maxTokens, maxTokens, cost) });
  },
  /** Empty while a model warms up: no tokens, no finish reason: free. */
  freeEmpty: (req: FakeRequest): FakeReply => answerReply(req, { message: { content: '' }, finish: null, usage: usageBody(0, 0, 0, 0) }),
};

/** The reply recorded in a fixture file of test/fixtures/openrouter/. */
export function fixtureReply(fx: { status: number; headers?: Record<string, string>; body: unknown }): FakeReply {
  return { status: fx.status, ...(fx.headers && Object.keys(fx.headers).length > 0 ? { headers: fx.headers } : {}), body: fx.body };
}

/** Error replies beyond the fault list, in the documented envelopes. */
export const errorReplies = {
  unauthorized: (message = 'No auth credentials found'): FakeReply => ({ status: 401, body: err(401, message) }),
  affordable: (n: number, requested = 65536): FakeReply => ({
    status: 402,
    body: err(402, `This request requires more credits, or fewer max_tokens. You requested up to ${requested} tokens, but can only afford ${n}. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account`, { provider_name: null }),
  }),
  keyLimit: (): FakeReply => ({
    status: 402,
    body: err(402, 'Key limit exceeded. Manage it using https://openrouter.ai/settings/keys, or create a key with a higher monthly limit', { limit_source: 'openrouter_key_limit' }),
  }),
  moderation: (reasons: string[] = ['violence']): FakeReply => ({
    status: 403,
    body: err(403, 'Input was flagged by moderation', { reasons, flagged_input: 'describe this…image', provider_name: 'Fake', model_slug: 'fake/model' }),
  }),
  modelNotFound: (model = 'fake/missing'): FakeReply => ({
    status: 404,
    body: { error: { code: 404, message: `No endpoints found for ${model}.`, error_type: 'not_found', availability: { code: 'no_endpoints', retryable: false, requested_models: [model] } } },
  }),
  dailyQuota: (resetAt: number): FakeReply => {
    const headers = { 'X-RateLimit-Limit': '50', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(resetAt) };
    return {
      status: 429,
      headers,
      body: err(429, 'Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day', {
        headers, provider_name: null, limit_source: 'openrouter_free_tier_daily', remedy_hint: 'Wait for the daily reset',
      }),
    };
  },
  /** 403 per-key cap as real bodies carry it: the message only. */
  keyLimit403: (period: 'daily' | 'total' = 'daily'): FakeReply => ({
    status: 403, body: err(403, `Key limit exceeded (${period} limit). Manage it using https://openrouter.ai/settings/keys`),
  }),
  workspaceBudget: (): FakeReply => ({ status: 403, body: err(403, 'Workspace monthly budget of $500.00 exceeded. Contact your org admin.') }),
  guardrailBudget: (): FakeReply => ({ status: 403, body: err(403, 'Guardrail budget exceeded', { limit_source: 'openrouter_guardrail_budget' }) }),
  guardrailContent: (): FakeReply => ({
    status: 403, body: err(403, 'Request blocked: prompt injection patterns detected', { patterns: ['ignore previous instructions'] }),
  }),
  regionBlock: (): FakeReply => ({
    status: 403,
    body: err(403, 'Provider returned error', {
      raw: { __kind: 'OK', data: '{"error":{"code":"unsupported_country_region_territory","message":"Country, region, or territory not supported","param":null,"type":"request_forbidden"}}' },
      provider_name: 'OpenAI',
    }),
  }),
  noAllowedProviders: (): FakeReply => ({
    status: 404,
    body: err(404, 'No allowed providers are available for the selected model.', { available_providers: ['google-vertex', 'google-ai-studio'], requested_providers: ['anthropic'] }),
  }),
  /** 429 whose wait hint is only in the body, as one real client logged it. */
  bodyOnlyRetryAfter: (seconds: number): FakeReply => ({
    status: 429,
    body: err(429, 'Provider returned error', {
      raw: 'fake/model is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations',
      provider_name: 'Venice', is_byok: false, retry_after_seconds: seconds, retry_after_seconds_raw: seconds - 0.993, headers: { 'Retry-After': String(seconds) },
    }),
  }),
  imageError: (errorType = 'invalid_image', status = 400): FakeReply => ({
    status, body: err(status, 'Provider could not process the image', { error_type: errorType }),
  }),
};

/** An image-output model's answer (OpenRouter's `message.images`, as for google/gemini-2.5-flash-image): a greeting and one image. */
export function imageOutputReply(n: number, dataUrl: string): FakeReply {
  return {
    body: {
      id: `gen-img-${n}`, object: 'chat.completion', created: 1, model: 'google/gemini-2.5-flash-image',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Chúc mừng năm mới!', images: [{ type: 'image_url', image_url: { url: dataUrl } }] } }],
      usage: { prompt_tokens: 1300, completion_tokens: 1290, total_tokens: 2590, cost: 0.039 },
    },
  };
}

/**
 * Flex capacity refused. OpenRouter does not document this status (openrouter-api.md §15, §17.4); OpenAI's own flex
 * answers 429 "Resource Unavailable" (developers.openai.com/api/docs/guides/flex-processing), here in OpenRouter's
 * "Provider returned error" wrapper with the upstream text in metadata.raw (§4.1). [UNCONFIRMED] as a whole.
 */
export function flexRefusal(): FakeReply {
  return {
    status: 429,
    body: err(429, 'Provider returned error', { provider_name: 'OpenAI', raw: '{"error":{"message":"Resource Unavailable","type":"resource_unavailable","code":"resource_unavailable"}}' }),
  };
}

function rateLimitHeaders(limit: number, resetAt: number): Record<string, string> {
  return { 'X-RateLimit-Limit': String(limit), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(resetAt) };
}

export const faultReplies: Record<FakeFault, (req: FakeRequest) => FakeReply> = {
  '429': () => ({
    status: 429, headers: { 'Retry-After': '1' },
    body: err(429, 'Rate limit exceeded', { error_type: 'rate_limit_exceeded', provider_code: 'rate_limited' }),
  }),
  '429-reset-header': () => {
    const headers = rateLimitHeaders(20, Date.now() + 1000);
    return { status: 429, headers, body: err(429, 'Rate limit exceeded: free-models-per-min. ', { headers, provider_name: null }) };
  },
  '402-credits': () => ({
    status: 402,
    body: err(402, 'Insufficient credits. This account never purchased credits. Make sure your key is on the correct account or org, and if so, purchase more at https://openrouter.ai/settings/credits', { limit_source: 'openrouter_credits' }),
  }),
  '402-inflight': () => ({
    status: 402, headers: { 'Retry-After': '1' },
    body: err(402, 'This request would exceed your available credits given your current in-flight requests. Retry after in-flight requests settle, or add credits.', {
      reason: 'in_flight_budget_exhausted', limit_source: 'openrouter_in_flight_budget',
      remedy_hint: 'Retry after your in-flight requests settle (see the Retry-After header), or add credits.',
    }),
  }),
  '500': () => ({ status: 500, body: err(500, 'Internal Server Error', { error_type: 'server' }) }),
  '502': () => ({ status: 502, body: err(502, 'Provider returned error', { error_type: 'provider_unavailable', provider_name: 'Fake' }) }),
  '503': () => ({ status: 503, body: err(503, 'No instances available', { error_type: 'temporarily_unavailable' }) }),
  '504': () => ({ status: 504, body: err(504, 'Gateway timeout', { error_type: 'timeout' }) }),
  '524': () => ({ status: 524, body: err(524, 'Provider timed out') }),
  '529': () => ({ status: 529, body: err(529, 'Provider overloaded', { error_type: 'provider_overloaded' }) }),
  '408': () => ({ status: 408, body: err(408, 'Operation timed out. Please try again later.') }),
  drop: () => ({ drop: true }),
  'non-json': () => ({ status: 200, headers: { 'content-type': 'text/html' }, rawBody: '<html><body><h1>Welcome to the proxy</h1></body></html>' }),
  '200-error': () => ({ status: 200, body: err(502, 'Provider returned error', { error_type: 'provider_unavailable', provider_name: 'Fake' }) }),
  '200-choice-error': (req) => ({
    status: 200,
    body: {
      id: `gen-err-${req.n}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: req.body?.model ?? 'fake/model',
      choices: [{
        index: 0, finish_reason: 'error', native_finish_reason: 'error',
        message: { role: 'assistant', content: 'partial output...' },
        error: { code: 502, message: 'Provider disconnected mid-stream', metadata: { error_type: 'provider_unavailable' } },
      }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: 0 },
    },
  }),
  empty: (req) => ({
    status: 200,
    body: {
      id: `gen-empty-${req.n}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: req.body?.model ?? 'fake/model',
      choices: [{ index: 0, finish_reason: null, native_finish_reason: null, message: { role: 'assistant', content: '' } }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: 0 },
    },
  }),
  slow: () => ({ delayMs: 2000 }),
  // Billed answers without a caption, and the real-world error shapes (openrouter-api.md §2.3, §4).
  refusal: (req) => billedReplies.refusal(req, 1000, 12, 0.0001),
  'length-empty': (req) => billedReplies.reasoningExhausted(req, 1000, 0.0002),
  '429-body-only': () => errorReplies.bodyOnlyRetryAfter(1),
  '403-key-limit': () => errorReplies.keyLimit403('daily'),
  '403-region': () => errorReplies.regionBlock(),
  '404-no-allowed-providers': () => errorReplies.noAllowedProviders(),
};

const DEFAULT_KEY = {
  label: 'sk-or-v1-fak...e00', limit: null, limit_remaining: null, limit_reset: null, include_byok_in_limit: false,
  usage_daily: 0, usage_weekly: 0, usage_monthly: 0, is_free_tier: false, is_management_key: false,
};

export async function startFakeOpenRouter(opts: FakeOptions = {}): Promise<FakeServer> {
  const random = opts.random ?? Math.random;
  const timers = new Set<NodeJS.Timeout>();
  const counters = new Map<string, number>();
  const tokens = new Map<string, { prompt: number; completion: number }>();
  let window: number[] = [];
  /** Finishers of chat requests still open, so close() can settle the count of sockets it destroyed. */
  const open = new Set<() => void>();
  let closed = false;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding = opts.hold !== undefined;

  const wait = (ms: number) =>
    ms <= 0 ? Promise.resolve() : new Promise<void>((resolve) => {
      const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
      timers.add(t);
    });

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, raw?: string) => {
    if (res.destroyed || res.writableEnded) return;
    const payload = raw ?? JSON.stringify(body);
    const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    res.writeHead(status, { ...(hasType ? {} : { 'content-type': 'application/json' }), ...headers });
    res.end(payload);
  };

  const success = (req: FakeRequest) => {
    const model = opts.model ?? req.body?.model ?? req.body?.models?.[0] ?? 'fake/model';
    const id = `gen-${Date.now()}-${req.n}-${Math.floor(random() * 1e6)}`;
    const prompt = opts.promptTokens?.(req) ?? 1000;
    const reasoning = opts.reasoningTokens?.(req) ?? 0;
    const completion = Math.min((opts.completionTokens ?? 20) + reasoning, Number(req.body?.max_tokens) || Number.POSITIVE_INFINITY);
    const flexServed = opts.flex !== undefined && req.body?.service_tier === 'flex';
    const cost = (opts.cost?.(req) ?? 0.0001) * (flexServed ? (opts.flex?.ratio ?? 0.5) : 1);
    const content = opts.content?.(req) ?? `A caption for request ${req.n}`;
    state.billed.push({ id, cost, model });
    tokens.set(id, { prompt, completion });
    return {
      headers: { 'X-Generation-Id': id },
      body: {
        id, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model, provider: 'FakeProvider', system_fingerprint: null,
        ...(opts.flex ? { service_tier: flexServed ? 'flex' : 'default' } : {}),
        choices: [{ index: 0, finish_reason: 'stop', native_finish_reason: 'stop', message: { role: 'assistant', content, refusal: null, reasoning: null } }],
        usage: usageBody(prompt, completion, Math.min(reasoning, completion), cost, opts.byok === true),
      },
    };
  };

  const rateLimited = (req: FakeRequest): FakeReply | undefined => {
    if (!opts.rpmLimit) return undefined;
    const now = Date.now();
    window = window.filter((t) => t > now - 60_000);
    if (window.length < opts.rpmLimit) {
      window.push(now);
      return undefined;
    }
    const resetAt = window[0]! + 60_000;
    const headers = rateLimitHeaders(opts.rpmLimit, resetAt);
    if (opts.rateLimitRetryAfter !== false) headers['Retry-After'] = String(Math.max(1, Math.ceil((resetAt - now) / 1000)));
    const model = req.body?.model ?? 'fake/model';
    return { status: 429, headers, body: err(429, `Rate limit exceeded: limit_rpm/${model}`, { headers, provider_name: null }) };
  };

  /** A scripted answer that carries a charge (a billed refusal, an empty answer after reasoning, BYOK) is billed too. */
  function chargeScripted(body: unknown) {
    const b = body as { id?: unknown; model?: unknown; usage?: { cost?: unknown; is_byok?: unknown; cost_details?: { upstream_inference_cost?: unknown } } } | null;
    const u = b?.usage;
    if (!u) return;
    const fee = typeof u.cost === 'number' ? u.cost : 0;
    const upstream = u.is_byok === true && typeof u.cost_details?.upstream_inference_cost === 'number' ? u.cost_details.upstream_inference_cost : 0;
    if (fee + upstream > 0) state.billed.push({ id: String(b?.id ?? ''), cost: fee + upstream, model: String(b?.model ?? '') });
  }

  async function reply(res: http.ServerResponse, r: FakeReply, fallback: () => { headers?: Record<string, string>; body: unknown }) {
    if (r.delayMs) await wait(r.delayMs);
    if (closed || res.destroyed) return;
    if (r.drop) return void res.socket?.destroy();
    if (r.hang) return;
    const status = r.status ?? 200;
    if (r.rawBody !== undefined) return send(res, status, undefined, { 'content-type': 'text/plain', ...r.headers }, r.rawBody);
    if (r.body !== undefined) {
      chargeScripted(r.body);
      return send(res, status, r.body, r.headers);
    }
    if (status >= 300) return send(res, status, err(status, http.STATUS_CODES[status] ?? 'Error'), r.headers);
    const ok = fallback();
    send(res, status, ok.body, { ...ok.headers, ...r.headers });
  }

  async function chat(res: http.ServerResponse, fr: FakeRequest) {
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    const done = () => {
      if (!open.delete(done)) return;
      state.inFlight -= 1;
    };
    open.add(done);
    res.on('close', done);
    let r = (await opts.handler?.(fr)) ?? rateLimited(fr) ?? (fr.body?.service_tier === 'flex' && opts.flex?.refuse?.(fr) ? flexRefusal() : undefined);
    if (!r && opts.faultRate && opts.faults?.length && random() < opts.faultRate) {
      const fault = opts.faults[Math.floor(random() * opts.faults.length)] ?? opts.faults[0]!;
      r = fault === 'slow' ? { delayMs: opts.slowMs ?? 2000 } : faultReplies[fault](fr);
    }
    if (holding && opts.hold!(fr)) {
      state.held += 1;
      await released;
      state.held -= 1;
      if (closed) return;
    }
    const base = opts.latencyMs ?? 0;
    await wait(base * (1 + (opts.jitter ?? 0) * (2 * random() - 1)));
    await reply(res, r ?? {}, () => success(fr));
  }

  function keyData(): Record<string, unknown> {
    const usage = state.billed.reduce((sum, b) => sum + b.cost, 0);
    return { ...DEFAULT_KEY, usage, ...(typeof opts.key === 'object' ? opts.key : {}) };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const n = (counters.get(url.pathname) ?? 0) + 1;
    counters.set(url.pathname, n);
    const fr: FakeRequest = { n, method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers, body, at: Date.now() };
    state.requests.push(fr);

    const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
    const needsKey = route !== 'GET /api/v1/models';
    if (opts.validKey !== undefined && needsKey && req.headers.authorization !== `Bearer ${opts.validKey}`) {
      const r = req.headers.authorization ? errorReplies.unauthorized('User not found.') : errorReplies.unauthorized();
      return send(res, 401, r.body);
    }
    switch (route) {
      case 'POST /api/v1/chat/completions':
        return chat(res, fr);
      case 'GET /api/v1/key':
        if (typeof opts.key === 'function') return reply(res, opts.key(n), () => ({ body: { data: keyData() } }));
        return send(res, 200, { data: keyData() });
      case 'GET /api/v1/models':
        return send(res, 200, { data: opts.models ?? [] });
      case 'GET /api/v1/generation': {
        const id = url.searchParams.get('id') ?? '';
        const b = state.billed.find((x) => x.id === id);
        if (!b) return send(res, 404, err(404, `Generation ${id} not found`));
        const t = tokens.get(id) ?? { prompt: 0, completion: 0 };
        return send(res, 200, {
          data: {
            id, total_cost: b.cost, usage: b.cost, model: b.model, provider_name: 'FakeProvider', upstream_inference_cost: null,
            tokens_prompt: t.prompt, tokens_completion: t.completion, native_tokens_prompt: t.prompt, native_tokens_completion: t.completion,
            num_media_prompt: 1, finish_reason: 'stop', native_finish_reason: 'stop', cancelled: false, streamed: false, is_byok: false,
            created_at: new Date().toISOString(),
          },
        });
      }
      default:
        return send(res, 404, err(404, 'Not Found'));
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) send(res, 500, err(500, 'Fake server error'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const state: FakeServer = {
    url: `http://127.0.0.1:${port}/api/v1`,
    requests: [],
    chatRequests: () => state.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/v1/chat/completions')),
    inFlight: 0,
    maxInFlight: 0,
    billed: [],
    held: 0,
    release() {
      holding = false;
      release();
    },
    reset() {
      state.requests.length = 0;
      state.billed.length = 0;
      state.maxInFlight = state.inFlight;
      counters.clear();
      tokens.clear();
      window = [];
    },
    async close() {
      if (closed) return;
      closed = true;
      state.release();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Responses of destroyed sockets emit 'close' only later; settle the count now.
      for (const done of [...open]) done();
    },
  };
  return state;
}
