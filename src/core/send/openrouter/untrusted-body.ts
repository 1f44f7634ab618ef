/** Every byte from the server is untrusted: its size, its depth, its redirects, and the URL it is sent to. */
import type { Dispatcher } from 'undici';
import { ConfigError } from '../../errors.js';
import { ApiError } from './api-error.js';
import { scrubSecrets } from './redact.js';
import { MAX_JSON_DEPTH, pruneDepth } from '../../safety/json-depth.js';

/** 64 MiB: far above any chat answer, room for the base64 images of image-output models. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Reads a response body up to `max` bytes; more is refused without being read (the socket is dropped). */
export async function readBodyCapped(res: Dispatcher.ResponseData, max: number): Promise<string> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    res.body.destroy();
    throw tooLarge(res.statusCode, max);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      res.body.destroy();
      throw tooLarge(res.statusCode, max);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(status: number, max: number): ApiError {
  // Not retried: the same request would likely be billed again for the same oversized answer.
  return new ApiError(
    `The server sent a response larger than ${Math.round(max / 1048576)} MiB; it was not read. Check --base-url, or lower --max-tokens.`,
    { status, kind: 'server', action: 'fail_photo' },
  );
}

/** JSON.parse, with anything nested deeper than MAX_JSON_DEPTH replaced by null: no renderer or serializer recurses into it. */
export function parseJsonData(text: string): unknown {
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return pruneDepth(value, MAX_JSON_DEPTH);
}

/** PHOTOBATCH_ALLOW_INSECURE_HTTP=1 does what --allow-insecure-http does. */
export function allowsInsecureHttp(env: Record<string, string | undefined>): boolean {
  return env.PHOTOBATCH_ALLOW_INSECURE_HTTP === '1' || env.PHOTOBATCH_ALLOW_INSECURE_HTTP === 'true';
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/**
 * https anywhere; plain http only to this machine, unless explicitly allowed: over http the key
 * and every photo cross the network readable by anyone on the way.
 */
export function checkBaseUrl(baseURL: string, allowInsecureHttp: boolean): void {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new ConfigError(`The API base URL "${baseURL}" is not a URL; use e.g. https://openrouter.ai/api/v1.`);
  }
  if (url.protocol === 'https:') return;
  if (url.protocol !== 'http:') throw new ConfigError(`The API base URL must be https:// (or http:// on this machine), not ${url.protocol}//.`);
  if (LOOPBACK.test(url.hostname) || allowInsecureHttp) return;
  throw new ConfigError(
    `Refusing the plain-http base URL ${url.origin}: the API key and the photos would cross the network unencrypted. ` +
      'Use https, or pass --allow-insecure-http (or set PHOTOBATCH_ALLOW_INSECURE_HTTP=1) if that network is yours.',
  );
}

/** A redirect is reported, not followed: following it would send the key and the photo to another server. */
export function redirectError(status: number, location: string | string[] | undefined, url: string, key: string | undefined): ApiError {
  const where = typeof location === 'string' ? scrubSecrets(location, key).replace(/[^\x20-\x7e]/g, '?').slice(0, 200) : 'nowhere given';
  const from = URL.canParse(url) ? new URL(url).host : 'the server';
  return new ApiError(
    `${from} answered with a redirect (HTTP ${status}) to ${where}; photobatch does not follow redirects (the key would go along). Check --base-url.`,
    { status, kind: 'bad_request', action: 'fail_photo' },
  );
}
