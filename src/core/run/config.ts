import { UsageError } from '../errors.js';
import { allowsInsecureHttp, checkBaseUrl } from '../send/openrouter/untrusted-body.js';

export const DEFAULT_BASE_URL = 'https://openrouter.ai/api/v1';
export const DEFAULT_MODEL = 'google/gemini-2.5-flash';
export const DEFAULT_MAX_IMAGE_SIZE = 2048;
export const DEFAULT_PROMPT =
  'Write one short, vivid caption for this photo: what is happening, who or what is in it, and the mood. ' +
  'Answer with the caption only.';

/** The environment variables photobatch reads. Flags win over these, and these win over `.env`. */
export interface EnvLike {
  OPENROUTER_API_KEY?: string | undefined;
  OPENROUTER_BASE_URL?: string | undefined;
  AI_MODEL?: string | undefined;
  MAX_IMAGE_SIZE?: string | undefined;
  [name: string]: string | undefined;
}

export interface ConfigFlags {
  apiKey?: string;
  baseUrl?: string;
  model?: string;
  maxEdge?: string | number;
  /** --allow-insecure-http: a plain-http base URL on another machine is the user's explicit choice. */
  allowInsecureHttp?: boolean;
}

export interface ResolvedConfig {
  apiKey: string | undefined;
  baseURL: string;
  model: string;
  /** Longest edge the user allows (MAX_IMAGE_SIZE or --max-edge). */
  maxEdge: number;
  /** True when --max-edge was given: then it is the size, not just a ceiling for model-aware sizing. */
  maxEdgeExplicit: boolean;
  /** Where each value came from, for `doctor` and debugging. */
  sources: Record<'apiKey' | 'baseURL' | 'model' | 'maxEdge', 'flag' | 'env' | 'dotenv' | 'default'>;
}

/**
 * One precedence chain: flag > environment > .env > default.
 * Pure: the caller reads the environment and the .env file and passes both in.
 */
export function resolveConfig(input: { flags: ConfigFlags; env: EnvLike; dotenv?: EnvLike }): ResolvedConfig {
  const { flags, env } = input;
  const dotenv = input.dotenv ?? {};
  type Src = ResolvedConfig['sources'][keyof ResolvedConfig['sources']];
  const pick = (flag: string | number | undefined, name: string): [string | undefined, Src] => {
    if (flag !== undefined && flag !== '') return [String(flag), 'flag'];
    const fromEnv = nonEmpty(env[name]);
    if (fromEnv !== undefined) return [fromEnv, 'env'];
    const fromFile = nonEmpty(dotenv[name]);
    if (fromFile !== undefined) return [fromFile, 'dotenv'];
    return [undefined, 'default'];
  };

  const [apiKey, apiKeySrc] = pick(flags.apiKey, 'OPENROUTER_API_KEY');
  const [base, baseSrc] = pick(flags.baseUrl, 'OPENROUTER_BASE_URL');
  const [model, modelSrc] = pick(flags.model, 'AI_MODEL');
  const [edge, edgeSrc] = pick(flags.maxEdge, 'MAX_IMAGE_SIZE');

  const baseURL = (base ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(baseURL)) {
    throw new UsageError(`OPENROUTER_BASE_URL must start with http:// or https:// (got "${baseURL}")`);
  }
  // Before anything is sent anywhere (server detection included): over plain http the key crosses the network readable.
  checkBaseUrl(baseURL, flags.allowInsecureHttp === true || allowsInsecureHttp(env));
  const maxEdge = edge === undefined ? DEFAULT_MAX_IMAGE_SIZE : parseIntInRange(edge, 'max edge (MAX_IMAGE_SIZE / --max-edge)', 64, 16384);

  return {
    apiKey: apiKey?.trim(),
    baseURL,
    model: (model ?? DEFAULT_MODEL).trim(),
    maxEdge,
    maxEdgeExplicit: edgeSrc === 'flag',
    sources: { apiKey: apiKeySrc, baseURL: baseSrc, model: modelSrc, maxEdge: edgeSrc },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Parses a whole number flag value or throws a UsageError naming the flag and the range. */
export function parseIntInRange(value: string | number, what: string, min: number, max: number): number {
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`Invalid ${what}: "${text}". Use a whole number from ${min} to ${max}.`);
  }
  return n;
}

/** Parses a positive decimal (seconds, dollars) or throws a UsageError. */
export function parsePositiveNumber(value: string | number, what: string, opts: { allowZero?: boolean } = {}): number {
  const text = String(value).trim();
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || n < 0 || (!opts.allowZero && n === 0)) {
    throw new UsageError(`Invalid ${what}: "${text}". Use a positive number.`);
  }
  return n;
}
