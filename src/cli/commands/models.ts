import { resolveConfig } from '../../core/run/config.js';
import { listVisionModels, REFERENCE_PHOTO, type ModelListing } from '../../core/run/models-list.js';
import { DEFAULT_EXPECTED_OUTPUT_TOKENS } from '../../core/pricing/estimate.js';
import type { PriceTable } from '../../core/pricing/prices.js';
import { readDotenv } from '../env-file.js';
import { ExitCode } from '../exit-codes.js';
import { int, usd } from '../format.js';
import type { CliIO } from '../io.js';
import { terminalSafeLine } from '../terminal-text.js';
import type { FlagValues } from '../flags/flag.js';
import type { MODELS_FLAGS } from '../flags/account-flags.js';

/** The flags as program.ts resolves them from cli/flags/account-flags.ts (a library caller may also pass a key). */
export type ModelsFlags = Partial<FlagValues<typeof MODELS_FLAGS>> & { apiKey?: string };

/** /models is small and answers fast; a longer wait only delays the offline fallback. */
const MODELS_TIMEOUT_MS = 20_000;

/**
 * `photobatch models`: the table is the data asked for, so it goes to stdout (like `gh repo list`);
 * where the prices came from is a note on stderr, so `photobatch models | sort` stays clean.
 */
export async function modelsCommand(flags: ModelsFlags, io: CliIO): Promise<number> {
  const config = resolveConfig({
    flags: { ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}), ...(flags.apiKey ? { apiKey: flags.apiKey } : {}) },
    env: io.env,
    dotenv: readDotenv(io.cwd),
  });
  const { detectServer } = await import('../../core/send/endpoints/kind.js');
  const server = await detectServer(config.baseURL, { apiKey: config.apiKey });
  if (server.kind !== 'openrouter') return (await import('./models-local.js')).localModelsCommand(server, config, flags, io);
  const { loadPrices } = await import('../../core/pricing/prices.js');
  const { OpenRouterClient } = await import('../../core/send/openrouter/client.js');
  // The key is optional for /models; it is sent when set so proxies that require auth still answer.
  const client = new OpenRouterClient({ apiKey: config.apiKey, baseURL: config.baseURL, timeoutMs: MODELS_TIMEOUT_MS });
  let prices: PriceTable;
  try {
    prices = await loadPrices({ fetchModels: () => client.listModels(), env: io.env, baseURL: config.baseURL, ...(flags.refresh ? { refresh: true } : {}) });
  } finally {
    await client.close();
  }

  const rows = listVisionModels(prices.models.values(), { ...(flags.search ? { search: flags.search } : {}), maxEdge: config.maxEdge });
  io.stderr.write(priceNote(prices, config.baseURL) + '\n');
  if (flags.json) {
    io.stdout.write(JSON.stringify(rows.map(toJson), null, 2) + '\n');
  } else if (rows.length > 0) {
    io.stdout.write(renderTable(rows));
  }
  if (rows.length === 0) {
    io.stderr.write(flags.search ? `No vision model matches "${flags.search}".\n` : 'The price list has no vision models.\n');
  } else if (!flags.json) {
    io.stderr.write(
      `Per photo: a ${REFERENCE_PHOTO.width}×${REFERENCE_PHOTO.height} photo sized for each model (at most ${config.maxEdge} px), ` +
        `the default prompt and ~${DEFAULT_EXPECTED_OUTPUT_TOKENS} output tokens. OpenRouter bills what the provider reports.\n` +
        'FLEX/PHOTO: the same photo at the flex tier (--tier flex or -m <model>:floor), where a flex price is published; ' +
        '"none": the provider sells no flex tier; "?": unknown.\n',
    );
  }
  return ExitCode.ok;
}

function priceNote(prices: PriceTable, baseURL: string): string {
  // The warning already names the fallback source and its date.
  if (prices.warning) return `${prices.warning}.`;
  if (prices.source === 'live') return `Prices: live from ${baseURL}, ${prices.date}.`;
  if (prices.source === 'cache') return `Prices: cached on ${prices.date} (--refresh fetches current ones).`;
  return `Prices: the bundled list of ${prices.date}.`;
}

/** snake_case like results.jsonl and cost-report.json, which scripts already read. */
function toJson(r: ModelListing) {
  return {
    id: r.id,
    name: r.name ?? null,
    family: r.family,
    prompt_usd_per_million: r.promptPerMillionUsd,
    completion_usd_per_million: r.completionPerMillionUsd,
    image_usd: r.imageUsd,
    reference: { width: REFERENCE_PHOTO.width, height: REFERENCE_PHOTO.height },
    sent: { width: r.sentWidth, height: r.sentHeight },
    image_tokens: r.imageTokens,
    prompt_tokens: r.promptTokens,
    expected_output_tokens: r.expectedOutputTokens,
    per_photo_usd: r.perPhotoUsd,
    per_1000_photos_usd: r.per1000PhotosUsd,
    flex_per_photo_usd: r.flexPerPhotoUsd,
    flex: r.flex,
    image_pricing_known: r.imagePricingKnown,
  };
}

/** "$2.50", "$0.075": two decimals, more only when the price needs them. */
function perMillion(x: number | null): string {
  if (x === null) return 'unknown';
  const text = x.toFixed(4).replace(/0+$/, '');
  const [whole, frac = ''] = text.split('.');
  return `$${whole}.${frac.padEnd(2, '0')}`;
}

function renderTable(rows: readonly ModelListing[]): string {
  const header = ['MODEL', 'IN /1M', 'OUT /1M', 'IMG TOKENS', 'PER PHOTO', 'PER 1,000', 'FLEX/PHOTO', 'NOTES'];
  const body = rows.map((r) => [
    terminalSafeLine(r.id), perMillion(r.promptPerMillionUsd), perMillion(r.completionPerMillionUsd), int(r.imageTokens), usd(r.perPhotoUsd), usd(r.per1000PhotosUsd),
    r.flex === 'flex' ? usd(r.flexPerPhotoUsd) : r.flex === 'none' ? 'none' : '?',
    [r.imagePricingKnown ? '' : 'image pricing unknown', r.flex === 'unknown' ? 'tier support unknown' : ''].filter(Boolean).join('; '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  // The model id is left-aligned; numbers are right-aligned so their decimals line up.
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n') + '\n';
}
