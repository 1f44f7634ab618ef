import { request, type Dispatcher } from 'undici';
import { ApiError } from './api-error.js';
import { classifyTransportError } from './transport-errors.js';
import { scrubSecrets, scrubValue } from './redact.js';
import { encodeJsonBody } from './json-body.js';
import { parseJsonData, readBodyCapped, redirectError } from './untrusted-body.js';
import type { HeaderBag } from './retry-delay.js';

/** One HTTP answer, read whole and capped, with the key scrubbed out of both its text and its decoded JSON. */
export interface RawAnswer {
  status: number;
  headers: HeaderBag;
  text: string;
  json: unknown;
}

export interface HttpCallOptions {
  dispatcher: Dispatcher;
  headers: Record<string, string>;
  apiKey: string | undefined;
  timeoutMs: number;
  maxBodyBytes: number;
  /** Shown in transport errors when the URL cannot be parsed. */
  baseURL: string;
  /** Applied to transport failures (the client names its server in them). */
  nameError: (err: ApiError) => ApiError;
}

const DEFAULT_APP_URL = 'https://github.com/photobatch/photobatch';
const DEFAULT_APP_TITLE = 'photobatch';
// Header values must be visible ASCII; a title with other characters would make undici throw.
const headerSafe = (v: string): string => v.replace(/[^\x20-\x7e]/g, '').trim();

/** The headers of every request: JSON, the app attribution OpenRouter shows, and the key when there is one. */
export function requestHeaders(appUrl: string | undefined, appTitle: string | undefined, apiKey: string | undefined): Record<string, string> {
  const title = headerSafe(appTitle ?? DEFAULT_APP_TITLE) || DEFAULT_APP_TITLE;
  return {
    accept: 'application/json',
    'http-referer': headerSafe(appUrl ?? DEFAULT_APP_URL) || DEFAULT_APP_URL,
    'x-openrouter-title': title,
    'x-title': title,
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
  };
}

/**
 * ONE request: a whole-request deadline, redirects refused, the body read capped. Resolves with any HTTP status;
 * throws a classified ApiError for a redirect or a transport failure.
 */
export async function httpCall(
  opts: HttpCallOptions, method: 'GET' | 'POST', url: string, body: unknown, callerSignal?: AbortSignal,
): Promise<RawAnswer> {
  // A cleared timer rather than AbortSignal.timeout(): on Node 20 every timeout signal combined with a long-lived
  // caller signal stays reachable (~400 bytes per request, measured), which adds up over a big batch.
  const deadlineCtl = new AbortController();
  const timer = setTimeout(
    () => deadlineCtl.abort(new DOMException('The operation timed out.', 'TimeoutError')),
    opts.timeoutMs,
  );
  const deadline = deadlineCtl.signal;
  const signal = callerSignal ? AbortSignal.any([callerSignal, deadline]) : deadline;
  try {
    const res = await request(url, {
      method,
      headers: body === undefined ? opts.headers : { ...opts.headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: encodeJsonBody(body) }),
      dispatcher: opts.dispatcher,
      signal,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
    if (res.statusCode >= 300 && res.statusCode < 400) {
      await res.body.dump().catch(() => undefined);
      throw redirectError(res.statusCode, res.headers.location, url, opts.apiKey);
    }
    // Reading the whole body also returns the socket to the keep-alive pool. Capped: a server may send anything.
    const raw = await readBodyCapped(res, opts.maxBodyBytes);
    // Decoded first, scrubbed after: a key sent back as `\u0073k-or-…` is caught in the decoded strings.
    let json = parseJsonData(raw);
    json = scrubValue(json, opts.apiKey);
    const text = scrubSecrets(raw, opts.apiKey);
    return { status: res.statusCode, headers: res.headers as HeaderBag, text, json };
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const host = URL.canParse(url) ? new URL(url).host : opts.baseURL;
    const err = classifyTransportError(error, { callerSignal, deadlineSignal: deadline, timeoutMs: opts.timeoutMs, host });
    err.message = scrubSecrets(err.message, opts.apiKey);
    throw opts.nameError(err);
  } finally {
    clearTimeout(timer);
  }
}
