/**
 * Everything a command needs before the first photo, for any endpoint: which server it is, a client, the key check
 * (OpenRouter only), the price (OpenRouter's list, the user's --price-in/--price-out, or none) and the vision check
 * (local servers). `run` and `compare` use it; a future `watch` can too.
 */
import { ConfigError, UsageError } from '../../errors.js';
import { OpenRouterClient, type KeyInfo } from '../openrouter/client.js';
import { checkKey, keyFormatWarning } from '../../run/preflight.js';
import { findPrice, loadPrices, type ModelPrice, type PriceTable } from '../../pricing/prices.js';
import { detectServer, type ServerInfo, type ServerKind } from './kind.js';
import { litellmResponseCost } from './server-errors.js';
import { selfPrice, tokensUsd } from './self-price.js';
import { probeVision, serverSaysVision, type VisionVerdict } from './vision.js';

export interface EndpointRequest {
  baseURL: string;
  apiKey?: string | undefined;
  timeoutMs: number;
  serverKind?: ServerKind;
  /** USD per million input / output tokens, both or neither. */
  priceIn?: number;
  priceOut?: number;
  /** For the price cache folder. */
  env: Record<string, string | undefined>;
}

export interface Endpoint {
  server: ServerInfo;
  /** Sent to the server's own capability endpoints too (LM Studio API tokens). */
  apiKey?: string | undefined;
  client: OpenRouterClient;
  keyInfo?: KeyInfo;
  prices?: PriceTable;
  warnings: string[];
  notes: string[];
  /** The price of a model: the user's own prices win, then OpenRouter's list; undefined = not priced. */
  priceOf(model: string): ModelPrice | undefined;
  /** Where prices come from, for the header: "OpenRouter prices", "your prices", "not priced". */
  priceLabel: string;
  close(): Promise<void>;
}

export async function openEndpoint(req: EndpointRequest): Promise<Endpoint> {
  const server = await detectServer(req.baseURL, { apiKey: req.apiKey, ...(req.serverKind ? { override: req.serverKind } : {}) });
  const warnings: string[] = [];
  const notes: string[] = [];
  const own = req.priceIn !== undefined && req.priceOut !== undefined ? { in: req.priceIn, out: req.priceOut } : undefined;

  if (server.kind === 'openrouter') {
    const apiKey = req.apiKey;
    if (!apiKey) {
      throw new ConfigError('No API key: set OPENROUTER_API_KEY in .env or the environment (see .env.example), or try --dry-run, which needs none. For a local server, pass its --base-url (e.g. http://localhost:11434/v1).');
    }
    const formatWarning = keyFormatWarning(apiKey);
    if (formatWarning) warnings.push(formatWarning);
    const client = new OpenRouterClient({ apiKey, baseURL: req.baseURL, timeoutMs: req.timeoutMs });
    try {
      const key = await checkKey(client);
      if (key.warning) warnings.push(key.warning);
      // Prices are cached per base URL: another server's list never stands in for OpenRouter's (issue 9).
      const prices = await loadPrices({ fetchModels: () => client.listModels(), env: req.env, baseURL: req.baseURL });
      if (prices.warning) notes.push(prices.warning);
      return {
        server, client, prices, warnings, notes, apiKey, ...(key.info ? { keyInfo: key.info } : {}),
        priceOf: (model) => (own ? selfPrice(model, own.in, own.out) : findPrice(prices.models, model)),
        priceLabel: own ? 'your prices' : 'OpenRouter prices',
        close: () => client.close(),
      };
    } catch (err) {
      await client.close();
      throw err;
    }
  }

  if (server.reachable === false) {
    throw new ConfigError(`Nothing answers at ${server.baseURL}; start the server (e.g. \`ollama serve\`) or check --base-url.`);
  }
  // Not OpenRouter: no /key, /generation or credits; a key is sent only when one is given.
  const costFallback = (a: { headers: Parameters<typeof litellmResponseCost>[0]; promptTokens: number; completionTokens: number }) => {
    if (server.kind === 'litellm') {
      const usd = litellmResponseCost(a.headers);
      if (usd !== null) return { usd, source: 'header' as const };
    }
    if (!own) return null;
    const usd = tokensUsd(selfPrice('', own.in, own.out), a.promptTokens, a.completionTokens);
    return usd === null ? null : { usd, source: 'self_priced' as const };
  };
  const client = new OpenRouterClient({ apiKey: req.apiKey, baseURL: req.baseURL, timeoutMs: req.timeoutMs, costFallback, serverName: server.name });
  if (!own) notes.push(server.kind === 'litellm'
    ? 'Costs: as LiteLLM reports them (x-litellm-response-cost); --price-in/--price-out price answers it leaves unpriced and enable --max-cost.'
    : 'Costs: not priced (the server reports none); --price-in/--price-out (USD per million tokens) price the run and enable --max-cost.');
  return {
    server, client, warnings, notes, apiKey: req.apiKey,
    priceOf: (model) => (own ? selfPrice(model, own.in, own.out) : undefined),
    priceLabel: own ? 'your prices' : server.kind === 'litellm' ? 'LiteLLM-reported cost' : 'not priced',
    close: () => client.close(),
  };
}

/**
 * Refuses a model that cannot see images, before any photo is sent. OpenRouter models are checked by the price
 * list's modalities elsewhere; every other server is asked, or probed once with a generated image.
 */
export async function ensureVision(endpoint: Endpoint, model: string, opts: { probe?: boolean; random?: () => number } = {}): Promise<VisionVerdict | undefined> {
  if (endpoint.server.kind === 'openrouter') {
    // OpenRouter's list says what each model takes; only a model it lists without image input is refused.
    const inputs = endpoint.priceOf(model)?.inputModalities;
    if (inputs && !inputs.includes('image')) {
      throw new UsageError(`${model} takes ${inputs.join(', ') || 'no'} input on OpenRouter, not images; no photo was sent. Pick a vision model from \`photobatch models\`.`);
    }
    return undefined;
  }
  let verdict = await serverSaysVision(endpoint.server, model, { apiKey: endpoint.apiKey });
  if (verdict.vision === null && opts.probe !== false) {
    verdict = await probeVision((body) => endpoint.client.chatCompletion(body), model, opts.random ? { random: opts.random } : {});
  }
  if (verdict.vision === false) {
    throw new UsageError(
      `${model} on ${endpoint.server.name} cannot read images (${verdict.source}: ${verdict.detail ?? 'no'}); no photo was sent. Choose a vision model (e.g. ollama pull qwen2.5vl) or pass --no-vision-check if you are sure.`,
    );
  }
  return verdict;
}
