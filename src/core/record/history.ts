import type { ResultRecord } from '../types.js';
import { sameModel } from '../pricing/model-names.js';
import { streamRecords } from './results-stream.js';

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
  const acc = newAcc();
  for (const r of records) addToStats(acc, r, model);
  return finishStats(acc);
}

/** The same, read from a results.jsonl as a stream, never whole (a missing file gives no answers). */
export async function historyStatsFromFile(file: string, model?: string): Promise<HistoryStats> {
  const acc = newAcc();
  for await (const { record } of streamRecords(file)) addToStats(acc, record, model);
  return finishStats(acc);
}

interface Acc { tokens: number; requests: number; photos: number; ms: number; answered: number }
const newAcc = (): Acc => ({ tokens: 0, requests: 0, photos: 0, ms: 0, answered: 0 });

function addToStats(acc: Acc, r: ResultRecord, model?: string): void {
  if (r.duplicate_of !== undefined || r.moved_from !== undefined || !r.usage) return;
  if (model !== undefined && (r.model === undefined || !sameModel(model, r.model))) return;
  const billed = r.usage.requests ?? (r.usage.prompt_tokens > 0 || r.usage.completion_tokens > 0 ? 1 : 0);
  if (billed === 0) return;
  acc.tokens += r.usage.completion_tokens;
  acc.requests += billed;
  acc.photos++;
  if (r.status === 'ok') {
    acc.ms += r.ms ?? 0;
    acc.answered++;
  }
}

function finishStats({ tokens, requests, photos, ms, answered }: Acc): HistoryStats {
  if (photos === 0) return { answers: 0 };
  return {
    avgCompletionTokens: tokens / requests,
    requestsPerPhoto: requests / photos,
    ...(answered > 0 ? { avgSecondsPerRequest: ms / answered / 1000 } : {}),
    answers: photos,
  };
}
