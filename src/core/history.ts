import type { ResultRecord } from './types.js';
import { streamRecords } from './results-stream.js';

export interface HistoryStats {
  /** Average completion tokens of earlier answers from this model (undefined with none). */
  avgCompletionTokens?: number;
  /** Average seconds per answered photo, end to end. */
  avgSecondsPerRequest?: number;
  answers: number;
}

/** What earlier runs in the same --out say about output length and latency, for better estimates. */
/** The same, read from a results.jsonl as a stream (a missing file gives no answers). */
export async function historyStatsFromFile(file: string, model?: string): Promise<HistoryStats> {
  const acc = { tokens: 0, ms: 0, n: 0 };
  for await (const { record } of streamRecords(file)) addToStats(acc, record, model);
  return finishStats(acc);
}

export function historyStats(records: readonly ResultRecord[], model?: string): HistoryStats {
  const acc = { tokens: 0, ms: 0, n: 0 };
  for (const r of records) addToStats(acc, r, model);
  return finishStats(acc);
}

function addToStats(acc: { tokens: number; ms: number; n: number }, r: ResultRecord, model?: string): void {
  if (r.status !== 'ok' || r.duplicate_of !== undefined || r.moved_from !== undefined || !r.usage) return;
  if (model !== undefined && r.model !== model && !r.model?.startsWith(model)) return;
  acc.tokens += r.usage.completion_tokens;
  acc.ms += r.ms ?? 0;
  acc.n++;
}

function finishStats({ tokens, ms, n }: { tokens: number; ms: number; n: number }): HistoryStats {
  if (n === 0) return { answers: 0 };
  return { avgCompletionTokens: tokens / n, avgSecondsPerRequest: ms / n / 1000, answers: n };
}
