import { Agent, request, type Dispatcher } from 'undici';
import type { Usage } from '../types.js';
import { ApiError } from './api-error.js';
import { emptyResponseError, refusalError } from './answer-errors.js';
import { classifyResponse } from './classify.js';
import { findBodyError } from './error-body.js';
import { classifyTransportError } from './transport-errors.js';
import { scrubSecrets, scrubValue } from './redact.js';
import { parseJsonData, readBodyCapped, redirectError, DEFAULT_MAX_BODY_BYTES } from './untrusted-body.js';
import { isDocumentedFree, parseUsage } from './usage.js';
import type { HeaderBag } from './retry-delay.js';
import { classifyServerSpecific } from '../endpoints/server-errors.js';

export interface ClientOptions {
  apiKey?: string;
  baseURL: string;
  /** Whole-request deadline, and undici's headers/body timeouts. */
  timeoutMs: number;
  /** Injected dispatcher (tests, proxies); the client then neither creates nor closes one. */
  dispatcher?: Dispatcher;
  appUrl?: string;
  appTitle?: string;
  /** Clock for turning X-RateLimit-Reset into a delay. */
  now?: () => number;
  /** Largest response body read, in bytes (default 64 MiB: image-output answers carry base64 images). */
  maxBodyBytes?: number;
  /**
   * Cost of an answer that carries no `usage.cost` (servers other than OpenRouter): a response header (LiteLLM) or
   * the user's own prices. null keeps it "not priced".
   */
  costFallback?: (answer: { headers: HeaderBag; promptTokens: number; completionTokens: number }) => { usd: number; source: CostSource } | null;
  /** The server's name in error messages, when it is not OpenRouter (a user of Ollama must not read "OpenRouter said"). */
  serverName?: string;
}

/** Where an answer's cost came from: the body's usage.cost, a response header, or the user's --price-in/--price-out. */
export type CostSource = 'usage' | 'header' | 'self_priced';

export interface ChatBody {
  model: string;
  models?: string[];
  messages: unknown[];
  max_tokens: number;
  response_format?: unknown;
  provider?: unknown;
  modalities?: string[];
  [k: string]: unknown;
}

export interface ChatSuccess {
  id: string;
  /** The model that answered (may be a fallback). */
  model: string;
  content: string;
  finishReason: string | null;
  usage: Usage;
  /** Data URLs from `message.images` (image-output models). */
  images: string[];
  /** The `service_tier` that served the request (openrouter-api.md §15), null when the answer names none. */
  serviceTier?: string | null;
  /** Where usage.cost_usd came from; absent when it is null. */
  costSource?: CostSource;
  raw: unknown;
}

export interface KeyInfo {
  label?: string;
  limit: number | null;
  limit_remaining: number | null;
  limit_reset?: string | null;
  usage?: number;
  usage_daily?: number;
  usage_weekly?: number;
  usage_monthly?: number;
  is_free_tier?: boolean;
  [k: string]: unknown;
}

interface RawAnswer {
  status: number;
  headers: HeaderBag;
  text: string;
  json: unknown;
}

const DEFAULT_APP_URL = 'https://github.com/photobatch/photobatch';
const DEFAULT_APP_TITLE = 'photobatch';

type Json = Record<string, unknown>;
const rec = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
// Header values must be visible ASCII; a title with other characters would make undici throw.
const headerSafe = (v: string): string => v.replace(/[^\x20-\x7e]/g, '').trim();

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => {
      const p = rec(part);
      return p && (p.type === undefined || p.type === 'text') && typeof p.text === 'string' ? p.text : '';
    })
    .join('');
}

/** Thin OpenRouter client: one HTTP attempt per call, every failure thrown as a classified ApiError. */
export class OpenRouterClient {
  readonly baseURL: string;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly #apiKey: string | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #headers: Record<string, string>;
  readonly #now: () => number;
  readonly #costFallback: ClientOptions['costFallback'];
  readonly #serverName: string | undefined;

  constructor(opts: ClientOptions) {
    this.baseURL = opts.baseURL.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs;
    this.maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#apiKey = opts.apiKey || undefined;
    this.#now = opts.now ?? Date.now;
    this.#costFallback = opts.costFallback;
    this.#serverName = opts.serverName && opts.serverName !== 'OpenRouter' ? opts.serverName : undefined;
    this.#ownsDispatcher = opts.dispatcher === undefined;
    // One keep-alive pool per client, unlimited connections: the sender, not the pool, bounds concurrency.
    this.#dispatcher =
      opts.dispatcher ??
      new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs });
    const title = headerSafe(opts.appTitle ?? DEFAULT_APP_TITLE) || DEFAULT_APP_TITLE;
    this.#headers = {
      accept: 'application/json',
      'http-referer': headerSafe(opts.appUrl ?? DEFAULT_APP_URL) || DEFAULT_APP_URL,
      'x-openrouter-title': title,
      'x-title': title,
      ...(this.#apiKey ? { authorization: `Bearer ${this.#apiKey}` } : {}),
    };
  }

  /** ONE attempt. Resolves only with a real answer; throws ApiError for every failure. */
  async chatCompletion(body: ChatBody, opts: { signal?: AbortSignal } = {}): Promise<ChatSuccess> {
    const requested = body.model || body.models?.[0];
    const ans = await this.#call('POST', '/chat/completions', body, opts.signal);
    const json = rec(ans.json);
    const answered = json && typeof json.model === 'string' && json.model !== '' ? json.model : (requested ?? '');
    if (ans.status < 200 || ans.status >= 300 || !json || findBodyError(json) || typeof json.error === 'string') {
      const err = this.#fail(ans, requested, 'chat');
      // An in-body error can still carry usage; count what it says was charged (finish "error" is free, §2.3).
      if (json?.usage !== undefined) {
        err.usage = parseUsage(json.usage, { free: true });
        err.model = answered;
      }
      throw err;
    }
    const choice = rec(Array.isArray(json.choices) ? json.choices[0] : undefined);
    const message = rec(choice?.message);
    // Parts are scrubbed one by one; a key split across two parts is whole only once they are joined.
    const content = scrubSecrets(contentText(message?.content), this.#apiKey);
    const images = (Array.isArray(message?.images) ? message.images : [])
      .map((img) => rec(rec(img)?.image_url)?.url)
      .filter((url): url is string => typeof url === 'string' && url !== '');
    const finishReason = typeof choice?.finish_reason === 'string' ? choice.finish_reason : null;
    const completionTokens = num(rec(json.usage)?.completion_tokens) ?? 0;
    const usage = parseUsage(json.usage, { free: isDocumentedFree(completionTokens, finishReason) });
    const refusal = typeof message?.refusal === 'string' ? message.refusal.trim() : '';
    if (refusal !== '') throw refusalError(refusal, usage, answered, json);
    if (content.trim() === '' && images.length === 0) {
      const err = emptyResponseError(finishReason, json, usage);
      err.model = answered;
      throw err;
    }
    const headerId = ans.headers['x-generation-id'];
    const inline = num(rec(json.usage)?.cost);
    // Servers without usage.cost (LiteLLM's header, local servers at --price-in/out): the endpoint's own figure.
    const fallback = inline === null
      ? (this.#costFallback?.({ headers: ans.headers, promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens }) ?? null)
      : null;
    if (inline === null && fallback) usage.cost_usd = fallback.usd;
    return {
      id: typeof json.id === 'string' ? json.id : typeof headerId === 'string' ? headerId : '',
      model: answered,
      content,
      finishReason,
      usage,
      images,
      serviceTier: typeof json.service_tier === 'string' ? json.service_tier : null,
      ...(inline !== null ? { costSource: 'usage' as const } : fallback ? { costSource: fallback.source } : {}),
      raw: json,
    };
  }

  /** `GET /key`: limits and usage of the key. */
  async getKey(opts: { signal?: AbortSignal } = {}): Promise<KeyInfo> {
    const data = await this.#getData('/key', opts.signal);
    const info = rec(data);
    if (!info) throw this.#malformed('/key');
    return { ...info, limit: num(info.limit), limit_remaining: num(info.limit_remaining) };
  }

  /** `GET /models` for every output modality (the default hides image-only models). */
  async listModels(opts: { signal?: AbortSignal } = {}): Promise<unknown[]> {
    const data = await this.#getData('/models?output_modalities=all', opts.signal);
    if (!Array.isArray(data)) throw this.#malformed('/models');
    return data;
  }

  /** `GET /generation?id=`: the billed record of one generation (may 404 briefly after completion). */
  async getGeneration(id: string, opts: { signal?: AbortSignal } = {}): Promise<Record<string, unknown>> {
    const data = rec(await this.#getData(`/generation?id=${encodeURIComponent(id)}`, opts.signal));
    if (!data) throw this.#malformed('/generation');
    return data;
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #getData(path: string, signal: AbortSignal | undefined): Promise<unknown> {
    const ans = await this.#call('GET', path, undefined, signal);
    const json = rec(ans.json);
    if (ans.status < 200 || ans.status >= 300 || !json || json.error !== undefined) throw this.#fail(ans, undefined, 'other');
    return json.data;
  }

  async #call(method: 'GET' | 'POST', path: string, body: unknown, callerSignal?: AbortSignal): Promise<RawAnswer> {
    // A cleared timer rather than AbortSignal.timeout(): on Node 20 every timeout signal combined with a long-lived
    // caller signal stays reachable (~400 bytes per request, measured), which adds up over a big batch.
    const deadlineCtl = new AbortController();
    const timer = setTimeout(
      () => deadlineCtl.abort(new DOMException('The operation timed out.', 'TimeoutError')),
      this.timeoutMs,
    );
    const deadline = deadlineCtl.signal;
    const signal = callerSignal ? AbortSignal.any([callerSignal, deadline]) : deadline;
    const url = `${this.baseURL}${path}`;
    try {
      const res = await request(url, {
        method,
        headers: body === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        dispatcher: this.#dispatcher,
        signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      if (res.statusCode >= 300 && res.statusCode < 400) {
        await res.body.dump().catch(() => undefined);
        throw redirectError(res.statusCode, res.headers.location, url, this.#apiKey);
      }
      // Reading the whole body also returns the socket to the keep-alive pool. Capped: a server may send anything.
      const raw = await readBodyCapped(res, this.maxBodyBytes);
      // Decoded first, scrubbed after: a key sent back as `\u0073k-or-…` is caught in the decoded strings.
      let json = parseJsonData(raw);
      json = scrubValue(json, this.#apiKey);
      const text = scrubSecrets(raw, this.#apiKey);
      return { status: res.statusCode, headers: res.headers as HeaderBag, text, json };
    } catch (error) {
      if (error instanceof ApiError) throw error;
      const host = URL.canParse(url) ? new URL(url).host : this.baseURL;
      const err = classifyTransportError(error, { callerSignal, deadlineSignal: deadline, timeoutMs: this.timeoutMs, host });
      err.message = scrubSecrets(err.message, this.#apiKey);
      throw this.#named(err);
    } finally {
      clearTimeout(timer);
    }
  }

  #fail(ans: RawAnswer, model: string | undefined, endpoint: 'chat' | 'other'): ApiError {
    const facts = {
      // JSON that is not an object is as useless as no JSON at all.
      status: ans.status, headers: ans.headers, body: rec(ans.json), text: ans.text, endpoint, now: this.#now(),
      ...(model ? { model } : {}),
    } as const;
    return this.#named(classifyServerSpecific(facts) ?? classifyResponse(facts));
  }

  /** The classifier speaks of OpenRouter; another server is named as itself (case-sensitive: OPENROUTER_API_KEY stays). */
  #named(err: ApiError): ApiError {
    if (!this.#serverName) return err;
    const name = /server|proxy/.test(this.#serverName) ? `the ${this.#serverName}` : this.#serverName;
    err.message = err.message.replace(/\bOpenRouter\b/g, name).replace(/^the /, 'The ');
    return err;
  }

  #malformed(path: string): ApiError {
    return this.#named(new ApiError(`OpenRouter sent an unexpected answer for ${path}; try again later or check --base-url.`, {
      status: 200, kind: 'server', action: 'retry',
    }));
  }
}
