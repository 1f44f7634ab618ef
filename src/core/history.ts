import type { ResultRecord } from './types.js';

export interface HistoryStats {
  /** Average completion tokens of earlier answers from this model (undefined with none). */
  avgCompletionTokens?: number;
  /** Average seconds per answered photo, end to end. */
  avgSecondsPerRequest?: number;
  answers: number;
}

/** What earlier runs in the same --out say about output length and latency, for better estimates. */
export function historyStats(records: readonly ResultRecord[], model?: string): HistoryStats {
  let tokens = 0;
  let ms = 0;
  let n = 0;
  for (const r of records) {
    if (r.status !== 'ok' || r.duplicate_of !== undefined || !r.usage) continue;
    if (model !== undefined && r.model !== model && !r.model?.startsWith(model)) continue;
    tokens += r.usage.completion_tokens;
    ms += r.ms ?? 0;
    n++;
  }
  if (n === 0) return { answers: 0 };
  return { avgCompletionTokens: tokens / n, avgSecondsPerRequest: ms / n / 1000, answers: n };
}
