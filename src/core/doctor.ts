import { createRequire } from 'node:module';
/**
 * `photobatch doctor`: everything that can make a run fail before the first photo, checked in a few
 * seconds and reported one line each. Pure apart from reading the price cache and asking /key; the
 * CLI passes in what only it knows (Node version, .env, our version).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { ResolvedConfig } from './config.js';
import { canDecodeHevc } from './images/header.js';
import { chooseHeicDecoder } from './images/heic-native.js';
import { ApiError } from './openrouter/api-error.js';
import type { KeyInfo, OpenRouterClient } from './openrouter/client.js';
import { redactKey } from './openrouter/redact.js';
import type { ServerInfo } from './endpoints/kind.js';
import { CACHE_FILE, CACHE_TTL_MS, defaultCacheDir } from './pricing/price-cache.js';
import { loadPrices } from './pricing/prices.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export type CheckName = 'version' | 'node' | 'dotenv' | 'config' | 'server' | 'key_source' | 'key' | 'prices' | 'images' | 'perl';

export interface DoctorCheck {
  name: CheckName;
  status: CheckStatus;
  message: string;
  data?: Record<string, unknown>;
}

/** The first problem that stops a run, for the exit code: what a `run` would have stopped on. */
export type DoctorProblem = 'no_key' | 'key_rejected' | 'out_of_credits' | 'node_too_old' | 'unreachable';

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
  problem?: { kind: DoctorProblem; message: string };
}

export interface DoctorInput {
  config: ResolvedConfig;
  /** Asked for GET /key; only needed when a key is configured. */
  client?: Pick<OpenRouterClient, 'getKey'>;
  version: string;
  nodeVersion: string;
  dotenv: { file: string; exists: boolean; hasKey: boolean };
  /** Environment for the price cache folder (XDG_CACHE_HOME), and to tell env from .env keys. */
  env: Record<string, string | undefined>;
  cacheDir?: string;
  now?: () => number;
  /**
   * Finds the Perl that ExifTool (and so `--sidecar xmp`) runs on: its version, `bundled` where
   * exiftool-vendored ships its own (Windows), or undefined when there is none. Not asked: no check.
   */
  findPerl?: () => Promise<string | 'bundled' | undefined>;
  /** The detected server; anything but OpenRouter needs no key and has no /key to ask. */
  server?: ServerInfo;
}

export const MIN_NODE = [20, 19] as const;

export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  let problem: DoctorReport['problem'];
  const add = (check: DoctorCheck, stop?: DoctorProblem) => {
    checks.push(check);
    if (stop && !problem) problem = { kind: stop, message: check.message };
  };

  add({ name: 'version', status: 'ok', message: `photobatch ${input.version}`, data: { version: input.version } });
  const nodeOk = atLeast(input.nodeVersion, MIN_NODE);
  add(
    { name: 'node', status: nodeOk ? 'ok' : 'fail', message: `Node.js ${input.nodeVersion}${nodeOk ? '' : ` is too old: photobatch needs ${MIN_NODE.join('.')} or newer`}`, data: { version: input.nodeVersion, required: MIN_NODE.join('.') } },
    nodeOk ? undefined : 'node_too_old',
  );
  add(input.dotenv.exists
    ? { name: 'dotenv', status: 'ok', message: `.env found at ${input.dotenv.file}${input.dotenv.hasKey ? ' (with OPENROUTER_API_KEY)' : ''}`, data: { ...input.dotenv } }
    : { name: 'dotenv', status: input.config.apiKey ? 'ok' : 'warn', message: `no .env at ${input.dotenv.file}${input.config.apiKey ? ' (not needed: the key comes from elsewhere)' : ''}`, data: { ...input.dotenv } });

  add(configCheck(input.config));

  const key = input.config.apiKey;
  const source = input.config.sources.apiKey;
  const server = input.server;
  if (server) {
    const down = server.reachable === false;
    add({
      name: 'server', status: down ? 'fail' : 'ok',
      message: down ? `nothing answers at ${server.baseURL}: start the server or check --base-url` : `server: ${server.name} at ${server.baseURL} (${server.detectedBy})`,
      data: { kind: server.kind, base_url: server.baseURL, detected_by: server.detectedBy, reachable: !down },
    }, down ? 'unreachable' : undefined);
  }
  if (server && server.kind !== 'openrouter') {
    add({
      name: 'key_source', status: 'ok',
      message: key ? `API key ${redactKey(key)} from ${SOURCE_TEXT[source]} will be sent to ${server.name}` : `no API key needed for ${server.name} (one is sent when given); costs are not reported by it`,
      data: { source: key ? source : null, ...(key ? { redacted: redactKey(key) } : {}) },
    });
  } else if (!key) {
    add({ name: 'key_source', status: 'fail', message: 'no API key: set OPENROUTER_API_KEY in .env or the environment (see .env.example)', data: { source: null } }, 'no_key');
  } else {
    const shadowed = source === 'env' && input.dotenv.hasKey;
    add({
      name: 'key_source',
      status: shadowed ? 'warn' : 'ok',
      message: `API key ${redactKey(key)} from ${SOURCE_TEXT[source]}${shadowed ? ', which wins over the one in .env' : ''}`,
      data: { source, redacted: redactKey(key) },
    });
  }
  if (key && input.client && (!server || server.kind === 'openrouter')) {
    const [check, stop] = await checkKeyInfo(input.client, input.config.baseURL);
    add(check, stop);
  }

  add(await pricesCheck(input));
  add(await imagesCheck());
  if (input.findPerl) add(perlCheck(await input.findPerl()));
  return { ok: checks.every((c) => c.status !== 'fail'), checks, ...(problem ? { problem } : {}) };
}

const SOURCE_TEXT: Record<ResolvedConfig['sources']['apiKey'], string> = {
  flag: '--api-key', env: 'the environment (OPENROUTER_API_KEY)', dotenv: '.env', default: 'nowhere',
};

const ORIGIN_TEXT: Record<ResolvedConfig['sources']['apiKey'], string> = {
  flag: 'flag', env: 'environment', dotenv: '.env', default: 'default',
};

/** Each setting with where it came from, so a stray OPENROUTER_BASE_URL in the shell is seen at once. */
function configCheck(config: ResolvedConfig): DoctorCheck {
  const o = (k: keyof ResolvedConfig['sources']) => ORIGIN_TEXT[config.sources[k]];
  return {
    name: 'config',
    status: 'ok',
    message: `base URL ${config.baseURL} (${o('baseURL')}) · model ${config.model} (${o('model')}) · max edge ${config.maxEdge} px (${o('maxEdge')})`,
    data: {
      base_url: { value: config.baseURL, source: config.sources.baseURL },
      model: { value: config.model, source: config.sources.model },
      max_edge: { value: config.maxEdge, source: config.sources.maxEdge },
    },
  };
}

/** ExifTool is a Perl program: without Perl, --sidecar xmp cannot write (everything else works). */
function perlCheck(perl: string | 'bundled' | undefined): DoctorCheck {
  if (perl === undefined) {
    return { name: 'perl', status: 'warn', message: 'no perl on PATH: --sidecar xmp needs it for ExifTool (install perl, e.g. apt-get install perl); other sidecars and runs work', data: { found: false } };
  }
  return { name: 'perl', status: 'ok', message: perl === 'bundled' ? 'Perl bundled with ExifTool: --sidecar xmp can write' : `perl ${perl}: --sidecar xmp can write (ExifTool)`, data: { found: true, version: perl } };
}

async function checkKeyInfo(client: Pick<OpenRouterClient, 'getKey'>, baseURL: string): Promise<[DoctorCheck, DoctorProblem?]> {
  let info: KeyInfo;
  try {
    info = await client.getKey();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      return [{ name: 'key', status: 'fail', message: 'OpenRouter rejected the API key (401): it is wrong, disabled or deleted', data: { valid: false, status: 401 } }, 'key_rejected'];
    }
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return [{ name: 'key', status: 'fail', message: `could not check the key at ${baseURL}/key (${why})`, data: { valid: null } }, 'unreachable'];
  }
  const money = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? `$${x.toFixed(2)}` : 'unknown');
  const parts = [
    info.limit === null ? 'no spending limit' : `limit ${money(info.limit)}, ${money(info.limit_remaining)} left${info.limit_reset ? ` (resets ${info.limit_reset})` : ''}`,
    `spent ${money(info.usage_daily)} today, ${money(info.usage_monthly)} this month`,
    info.is_free_tier ? 'free tier (no credits bought yet: free models only, with a daily request cap)' : 'paid account',
  ];
  const empty = info.limit !== null && info.limit_remaining !== null && info.limit_remaining <= 0;
  const data = {
    valid: true, limit: info.limit, limit_remaining: info.limit_remaining, limit_reset: info.limit_reset ?? null,
    usage_daily: info.usage_daily ?? null, usage_monthly: info.usage_monthly ?? null, is_free_tier: info.is_free_tier ?? null,
  };
  // OpenRouter's `label` shows the key's last characters too, so it is never passed on.
  if (empty) {
    return [{ name: 'key', status: 'fail', message: `key valid, but no credit left under its limit: ${parts.join(' · ')}`, data }, 'out_of_credits'];
  }
  return [{ name: 'key', status: info.is_free_tier ? 'warn' : 'ok', message: `key valid: ${parts.join(' · ')}`, data }];
}

async function pricesCheck(input: DoctorInput): Promise<DoctorCheck> {
  const now = input.now ?? Date.now;
  const dir = input.cacheDir ?? defaultCacheDir(input.env);
  const file = path.join(dir, CACHE_FILE);
  let fetchedAt: number | undefined;
  try {
    const doc = JSON.parse(await readFile(file, 'utf8')) as { fetchedAt?: unknown };
    if (typeof doc.fetchedAt === 'number') fetchedAt = doc.fetchedAt;
  } catch {
    // No cache, or an unreadable one: loadPrices treats both as absent, and so does this check.
  }
  // The same choice a dry run makes offline, so the line says which prices an estimate would use.
  const used = await loadPrices({ offline: true, cacheDir: dir, now });
  const data = { source: used.source, date: used.date, models: used.models.size, cache_file: file, cache_age_hours: fetchedAt === undefined ? null : round1((now() - fetchedAt) / 3_600_000) };
  if (fetchedAt === undefined) {
    return { name: 'prices', status: 'warn', message: `no price cache yet: estimates use the bundled list of ${used.date} (\`photobatch models\` online fetches current prices)`, data };
  }
  const age = ageText(now() - fetchedAt);
  if (now() - fetchedAt < CACHE_TTL_MS) {
    return { name: 'prices', status: 'ok', message: `prices cached ${age} ago (${used.models.size} models)`, data };
  }
  const using = used.source === 'cache' ? `the cache of ${used.date}` : `the bundled list of ${used.date}`;
  return { name: 'prices', status: 'warn', message: `price cache is ${age} old: a run refreshes it; offline estimates use ${using} (\`photobatch models --refresh\` updates it)`, data };
}

const PHOTO_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif'] as const;

async function imagesCheck(): Promise<DoctorCheck> {
  // Only the formats the scan picks up; sharp also lists svg, vips and the like, which photos never are.
  const formats = sharp.format as unknown as Record<string, { input: { file: boolean; buffer: boolean; fileSuffix?: string[] } } | undefined>;
  const readable = PHOTO_FORMATS.filter((id) => formats[id]?.input.buffer)
    .map((id) => (id === 'heif' ? (formats.heif?.input.fileSuffix ?? ['.heif']).map((s: string) => s.slice(1)).join('/') : id));
  // HEIC: the machine's native libheif (heif-dec/heif-convert) when present, else the bundled libheif-js (WASM).
  const choice = await chooseHeicDecoder().catch((err: Error) => ({ kind: 'none' as const, reason: err.message }));
  const wasm = hasModule('libheif-js');
  const heic = choice.kind === 'native' || wasm || canDecodeHevc();
  const decoder = choice.kind === 'native'
    ? `native libheif ${choice.tool.version ?? ''} (${choice.tool.path}), ${os.availableParallelism()} at a time`.replace('  ', ' ')
    : wasm && choice.kind === 'wasm' ? `WebAssembly libheif-js, one at a time (${choice.reason})` : `none (${choice.reason})`;
  const data = {
    sharp: sharp.versions.sharp ?? null, libvips: sharp.versions.vips, formats: readable, heic,
    heic_decoder: choice.kind === 'native' ? 'native' : wasm && choice.kind === 'wasm' ? 'wasm' : 'none',
    ...(choice.kind === 'native' ? { heic_tool: choice.tool.path } : {}),
  };
  const base = `sharp ${sharp.versions.sharp ?? '?'} (libvips ${sharp.versions.vips}) reads ${readable.join(', ')}`;
  return heic
    ? { name: 'images', status: 'ok', message: `${base}; HEIC decoder: ${decoder}; camera RAW previews can be decoded`, data }
    : { name: 'images', status: 'warn', message: `${base}; HEIC photos cannot be decoded by this build (convert them to JPEG)`, data };
}

function hasModule(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

function atLeast(version: string, min: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function ageText(ms: number): string {
  const h = ms / 3_600_000;
  if (h < 1) return `${Math.max(1, Math.round(ms / 60_000))} min`;
  if (h < 48) return `${Math.round(h)} h`;
  return `${Math.round(h / 24)} days`;
}
