import { RunStoppedError } from '../errors.js';
import type { KeyInfo, OpenRouterClient } from '../send/openrouter/client.js';
import { ApiError } from '../send/openrouter/api-error.js';

export interface KeyCheck {
  info?: KeyInfo;
  /** Set when /key could not be reached: the run goes on, the first request will tell. */
  warning?: string;
}

/** A real run checks the key before compressing a single photo, so a bad key fails in a second, not after an hour. */
export async function checkKey(client: OpenRouterClient, signal?: AbortSignal): Promise<KeyCheck> {
  try {
    const info = await client.getKey(signal ? { signal } : {});
    if (info.limit !== null && info.limit_remaining !== null && info.limit_remaining <= 0) {
      throw new RunStoppedError(
        'This key has no credit left under its limit. Raise the key limit or add credits at https://openrouter.ai/settings/credits, then re-run the same command.',
        'out_of_credits',
      );
    }
    return { info };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      throw new RunStoppedError('OpenRouter rejected the API key (401). Check OPENROUTER_API_KEY in .env or your environment.', 'auth', err);
    }
    if (err instanceof ApiError) return { warning: `Could not check the key (${err.message}); going on.` };
    throw err;
  }
}

/** A key that does not look like an OpenRouter key gets a warning, not a refusal: formats change. */
export function keyFormatWarning(key: string): string | undefined {
  return key.startsWith('sk-or-v1-') ? undefined : 'The API key does not look like an OpenRouter key (sk-or-v1-…); trying it anyway.';
}
