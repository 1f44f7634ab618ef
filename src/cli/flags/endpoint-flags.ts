import { DEFAULT_BASE_URL } from '../../core/run/config.js';
import type { ServerKind } from '../../core/send/endpoints/kind.js';
import type { TierOptions } from '../../core/send/flex-tier.js';
import { positive, RUN_AND_WATCH, RUN_LIKE, text, toggle, value } from './flag.js';

/**
 * The server kinds, spelled here rather than imported: core/send/endpoints/kind.ts loads undici, and --help must not.
 * The two checks below fail the build if this list and ServerKind drift apart.
 */
export const SERVER_CHOICES = ['openrouter', 'ollama', 'lmstudio', 'vllm', 'llamacpp', 'litellm', 'generic'] as const satisfies readonly ServerKind[];
type Unlisted = Exclude<ServerKind, (typeof SERVER_CHOICES)[number]>;
const everyKindListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyKindListed;

/** Which server, its key and prices, the vision check, and OpenRouter's service tier: rows of RUN_FLAGS. */
export const ENDPOINT_FLAGS = {
  apiKey: text({ spelling: '--api-key <key>', help: 'OpenRouter key (prefer OPENROUTER_API_KEY: flags show up in shell history)', for: RUN_LIKE }),
  baseUrl: text({ spelling: '--base-url <url>', help: 'API base URL', shownDefault: `$OPENROUTER_BASE_URL or ${DEFAULT_BASE_URL}`, for: RUN_LIKE }),
  server: value({ spelling: '--server <kind>', help: 'what --base-url is (default: detected)', choices: SERVER_CHOICES, parse: (t) => t as ServerKind, for: RUN_LIKE }),
  priceIn: value({
    spelling: '--price-in <usd>', help: 'your price per million input tokens, for servers that report no cost (enables --max-cost)',
    parse: positive('USD per million tokens', { allowZero: true }), for: RUN_LIKE,
  }),
  priceOut: value({ spelling: '--price-out <usd>', help: 'your price per million output tokens (with --price-in)', parse: positive('USD per million tokens', { allowZero: true }), for: RUN_LIKE }),
  visionCheck: toggle({ spelling: '--no-vision-check', help: 'skip the check that a local model can see images', for: RUN_LIKE }),
  allowInsecureHttp: toggle({ spelling: '--allow-insecure-http', help: 'allow a plain-http --base-url on another machine (the key and photos travel unencrypted)', for: RUN_LIKE }),
  tier: value({
    spelling: '--tier <tier>', help: 'OpenRouter service tier: flex is up to half price, slower, and may be refused',
    choices: ['standard', 'flex'], default: 'standard', parse: (t) => t as TierOptions['tier'], for: RUN_AND_WATCH,
  }),
  tierFallback: value({
    spelling: '--tier-fallback <what>', help: 'when flex capacity is refused: send at standard price, or wait for flex',
    choices: ['standard', 'wait'], default: 'standard', parse: (t) => t as TierOptions['fallback'], for: RUN_AND_WATCH,
  }),
};
