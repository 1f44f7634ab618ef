import type { ResultRecord } from './types.js';
import { sameModel } from './model-names.js';

export interface HistoryStats {
  /** Average completion tokens (reasoning included) per billed answer of this model (undefined with none). */
  avgCompletionTokens?: number;
  /** Billed answers per photo: above 1 when unusable answers were asked again (undefined with none). */
  requestsPerPhoto?: number;
  /** Average seconds per answered photo, end to end. */
  avgSecondsPerRequest?: number;
  answers: number;
}

/**
 * What earlier runs in the same --out say about output length, re-asks and latency, for better estimates. Every
 * billed photo counts, including those whose answer was unusable (refused, empty after reasoning, failed
 * validation): they are in the bill, so they belong in the estimate. Answers name dated snapshots of the model
 * asked for (anthropic/claude-4.6-sonnet-20260217 for anthropic/claude-sonnet-4.6); they match too.
 */
export function historyStats(records: readonly ResultRecord[], model?: string): HistoryStats {
  let tokens = 0;
  let requests = 0;
  let photos = 0;
  let ms = 0;
  let answered = 0;
  for (const r of records) {
    if (r.duplicate_of !== undefined || !r.usage) continue;
    if (model !== undefined && (r.model === undefined || !sameModel(model, r.model))) continue;
    const billed = r.usage.requests ?? (r.usage.prompt_tokens > 0 || r.usage.completion_tokens > 0 ? 1 : 0);
    if (billed === 0) continue;
    tokens += r.usage.completion_tokens;
    requests += billed;
    photos++;
    if (r.status === 'ok') {
      ms += r.ms ?? 0;
      answered++;
    }
  }
  if (photos === 0) return { answers: 0 };
  return {
    avgCompletionTokens: tokens / requests,
    requestsPerPhoto: requests / photos,
    ...(answered > 0 ? { avgSecondsPerRequest: ms / answered / 1000 } : {}),
    answers: photos,
  };
}
