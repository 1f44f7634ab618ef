/** The figures of compare.json, from each model's journaled answers for the sample. */
import { structuredOutput } from '../outputs/contact-sheet/render-output.js';
import type { ResultRecord } from '../types.js';
import { roundUsd } from '../outputs/report.js';

export interface ModelStats {
  model: string;
  photos: number;
  ok: number;
  failures: number;
  /** Sum of what was billed for these answers (usage.cost_usd), across runs; null when nothing was priced. */
  billed_usd: number | null;
  cost_per_photo_usd: number | null;
  /** cost_per_photo × every input photo, at the standard tier and at flex (where a flex price is published). */
  projected_all_inputs_usd: { photos: number; standard: number | null; flex: number | null };
  latency_ms: { p50: number | null; p95: number | null };
  /** Average answer length in characters and words. */
  output_length: { chars: number | null; words: number | null };
}

/** Nearest-rank percentile of a sorted list. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function answerText(output: unknown): string {
  if (output === undefined || output === null) return '';
  const s = structuredOutput(output);
  if (s) return Object.values(s).map((v) => (Array.isArray(v) ? v.join(' ') : typeof v === 'string' ? v : JSON.stringify(v))).join(' ');
  return typeof output === 'string' ? output : JSON.stringify(output);
}

export function modelStats(model: string, records: readonly ResultRecord[], allInputs: number, flexRatio: number | null): ModelStats {
  const ok = records.filter((r) => r.status === 'ok');
  const costs = records.map((r) => r.usage?.cost_usd).filter((c): c is number => typeof c === 'number');
  const billed = costs.length > 0 ? roundUsd(costs.reduce((a, b) => a + b, 0)) : null;
  const perPhoto = billed === null || ok.length === 0 ? null : billed / ok.length;
  // Answers reused from the journal keep the latency of the request that produced them; reused duplicates have 0.
  const ms = ok.filter((r) => r.duplicate_of === undefined && typeof r.ms === 'number').map((r) => r.ms!).sort((a, b) => a - b);
  const texts = ok.map((r) => answerText(r.output));
  const avg = (xs: number[]) => (xs.length === 0 ? null : Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10);
  const standard = perPhoto === null ? null : roundUsd(perPhoto * allInputs);
  return {
    model, photos: records.length, ok: ok.length, failures: records.length - ok.length,
    billed_usd: billed, cost_per_photo_usd: perPhoto === null ? null : roundUsd(perPhoto),
    projected_all_inputs_usd: { photos: allInputs, standard, flex: standard === null || flexRatio === null ? null : roundUsd(standard * flexRatio) },
    latency_ms: { p50: percentile(ms, 50), p95: percentile(ms, 95) },
    output_length: { chars: avg(texts.map((t) => t.length)), words: avg(texts.map((t) => t.split(/\s+/).filter(Boolean).length)) },
  };
}

const STOP = new Set('a an and are as at be by for from has have in is it its of on or that the this to was were with photo image picture shows showing'.split(' '));

/** The content words of an answer (lower case, 3+ letters, no stop words): what "keywords in common" counts. */
export function keywords(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/\p{L}[\p{L}\p{N}'-]{2,}/gu) ?? []).filter((w) => !STOP.has(w)));
}

/** Jaccard overlap of two keyword sets; null when both are empty. */
export function overlap(a: Set<string>, b: Set<string>): number | null {
  const union = new Set([...a, ...b]);
  if (union.size === 0) return null;
  let common = 0;
  for (const w of a) if (b.has(w)) common++;
  return common / union.size;
}

/**
 * Keyword overlap between every pair of models, averaged over the photos both answered: 1 = the same words,
 * 0 = nothing in common. A cheap agreement signal, not a quality score.
 */
export function pairwiseOverlap(answers: Map<string, Map<string, string>>): { a: string; b: string; overlap: number | null; photos: number }[] {
  const models = [...answers.keys()];
  const out: { a: string; b: string; overlap: number | null; photos: number }[] = [];
  for (let i = 0; i < models.length; i++) {
    for (let j = i + 1; j < models.length; j++) {
      const A = answers.get(models[i]!)!;
      const B = answers.get(models[j]!)!;
      const scores: number[] = [];
      for (const [path, text] of A) {
        const other = B.get(path);
        if (other === undefined) continue;
        const o = overlap(keywords(text), keywords(other));
        if (o !== null) scores.push(o);
      }
      out.push({ a: models[i]!, b: models[j]!, photos: scores.length, overlap: scores.length === 0 ? null : Math.round((scores.reduce((x, y) => x + y, 0) / scores.length) * 1000) / 1000 });
    }
  }
  return out;
}
