import { Agent, type Dispatcher } from 'undici';
import type { Usage } from '../../types.js';
import { ApiError } from './api-error.js';
import { emptyResponseError, refusalError } from './answer-errors.js';
import { classifyResponse } from './classify.js';
import { findBodyError } from './error-body.js';
import { httpCall, requestHeaders, type HttpCallOptions, type RawAnswer } from './http-call.js';
import { scrubSecrets } from './redact.js';
import { DEFAULT_MAX_BODY_BYTES } from './untrusted-body.js';
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

type Json = Record<string, unknown>;
const rec = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

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
  readonly #http: HttpCallOptions;
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
    const headers = requestHeaders(opts.appUrl, opts.appTitle, this.#apiKey);
    this.#http = {
      dispatcher: this.#dispatcher, headers, apiKey: this.#apiKey, timeoutMs: this.timeoutMs, maxBodyBytes: this.maxBodyBytes,
      baseURL: this.baseURL, nameError: (err) => this.#named(err),
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

  #call(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<RawAnswer> {
    return httpCall(this.#http, method, `${this.baseURL}${path}`, body, signal);
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
