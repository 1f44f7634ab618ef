import { request } from 'undici';
import { scrubSecrets, scrubValue } from '../openrouter/redact.js';
import { parseJsonData, readBodyCapped } from '../openrouter/untrusted-body.js';

/** What a capability or kind probe got back; undefined when the server did not answer at all. */
export interface ProbeAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
  text: string;
}

/** A probe reads at most this much: a server's answer is untrusted, and these answers are small. */
const MAX_PROBE_BYTES = 1 << 20;

export interface ProbeOptions {
  apiKey?: string | undefined;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * One bounded GET or POST to a server photobatch is about to use: short deadline, capped body, no retries.
 * Any failure is "no answer" (undefined): probes only ever narrow down what the server is.
 */
export async function probe(url: string, opts: ProbeOptions & { method?: 'GET' | 'POST'; body?: unknown } = {}): Promise<ProbeAnswer | undefined> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), opts.timeoutMs ?? 3000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, ctl.signal]) : ctl.signal;
  try {
    const res = await request(url, {
      method: opts.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
      },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      signal,
    });
    // Capped like every other answer; a probe answer over the cap is "no answer", never a truncated one.
    const raw = await readBodyCapped(res, MAX_PROBE_BYTES);
    // Decoded first, then scrubbed: a key echoed as `\u0073k-or-…` is only recognisable after JSON.parse.
    const json = scrubValue(parseJsonData(raw), opts.apiKey);
    const text = scrubSecrets(raw, opts.apiKey);
    return { status: res.statusCode, headers: res.headers, json, text };
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

export type Json = Record<string, unknown>;
export const rec = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
