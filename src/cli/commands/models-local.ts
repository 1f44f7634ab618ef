import type { ResolvedConfig } from '../../core/run/config.js';
import type { ServerInfo } from '../../core/send/endpoints/kind.js';
import { serverSaysVision } from '../../core/send/endpoints/vision.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';

/** At most this many models are asked about vision (one small request each). */
const MAX_VISION_LOOKUPS = 50;

/**
 * `photobatch models` against a server that is not OpenRouter: its own model list, whether each model reads images
 * where the server can say (Ollama, LM Studio, llama.cpp), and no prices — it has none.
 */
export async function localModelsCommand(server: ServerInfo, config: ResolvedConfig, flags: { search?: string; json?: boolean }, io: CliIO): Promise<number> {
  const { OpenRouterClient } = await import('../../core/send/openrouter/client.js');
  const client = new OpenRouterClient({ apiKey: config.apiKey, baseURL: config.baseURL, timeoutMs: 20_000 });
  let ids: string[];
  try {
    ids = (await client.listModels())
      .map((m) => (m !== null && typeof m === 'object' ? (m as { id?: unknown }).id : undefined))
      .filter((id): id is string => typeof id === 'string' && id !== '');
  } finally {
    await client.close();
  }
  const needle = flags.search?.trim().toLowerCase() ?? '';
  const shown = ids.filter((id) => needle === '' || id.toLowerCase().includes(needle));
  const rows = await Promise.all(shown.map(async (id, i) => {
    const v = i < MAX_VISION_LOOKUPS ? await serverSaysVision(server, id, { apiKey: config.apiKey }) : { vision: null, source: 'not asked' };
    return { id, vision: v.vision, vision_source: v.source, per_photo_usd: null as number | null };
  }));
  io.stderr.write(`Models of ${server.name} at ${server.baseURL}: not priced (pass --price-in/--price-out to \`run\`); vision as the server reports it.\n`);
  if (flags.json) {
    io.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  } else if (rows.length > 0) {
    const width = Math.max(5, ...rows.map((r) => r.id.length));
    const text = (v: boolean | null) => (v === null ? 'unknown (probed at run time)' : v ? 'yes' : 'no (text only)');
    io.stdout.write([`${'MODEL'.padEnd(width)}  VISION`, ...rows.map((r) => `${r.id.padEnd(width)}  ${text(r.vision)}`)].join('\n') + '\n');
  }
  if (rows.length === 0) io.stderr.write(needle ? `No model matches "${flags.search}".\n` : 'The server lists no models.\n');
  return ExitCode.ok;
}
