/**
 * `photobatch doctor`: everything that can make a run fail before the first photo, checked in a few
 * seconds and reported one line each. Pure apart from reading the price cache and asking /key; the
 * CLI passes in what only it knows (Node version, .env, our version).
 */
import type { ResolvedConfig } from '../run/config.js';
import type { OpenRouterClient } from '../send/openrouter/client.js';
import { redactKey } from '../send/openrouter/redact.js';
import type { ServerInfo } from '../send/endpoints/kind.js';
import type { DoctorCheck, DoctorProblem } from './check.js';
import { imagesCheck } from './images-check.js';
import { checkKeyInfo } from './key-check.js';
import { pricesCheck } from './prices-check.js';

// The CLI renders these; they live beside the checks that make them.
export type { CheckName, CheckStatus, DoctorCheck, DoctorProblem } from './check.js';

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

function atLeast(version: string, min: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major > min[0] || (major === min[0] && minor >= min[1]);
}
