/**
 * `photobatch compare`: the same sample through several models, one journaled run per model in its own folder
 * (models/<slug>/), so a re-run pays nothing and adding a model pays only for it; then compare.json and compare.html.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../record/atomic-write.js';
import { runBatch, type BatchEvent, type BatchOptions } from '../session/run-batch.js';
import { ensureVision, type Endpoint } from '../send/endpoints/open-endpoint.js';
import { PhotobatchError } from '../errors.js';
import { readRecords, RESULTS_FILE } from '../record/journal.js';
import { sha256Hex } from '../record/job.js';
import { latestByPath, roundUsd } from '../outputs/report.js';
import { flexRatio } from '../send/flex-tier.js';
import type { PhotoRef, ResultRecord } from '../types.js';
import { renderCompareHtml } from './render-html.js';
import { answerText, modelStats, pairwiseOverlap, type ModelStats } from './stats.js';
import { readFile } from 'node:fs/promises';

export const COMPARE_JSON = 'compare.json';
export const COMPARE_HTML = 'compare.html';

export interface CompareOptions {
  endpoint: Endpoint;
  models: readonly string[];
  sample: readonly PhotoRef[];
  /** Every input photo, for the projections. */
  allInputs: number;
  outDir: string;
  /** Hard cap for the whole comparison (this invocation's new spending). */
  maxCostUsd?: number;
  visionCheck: boolean;
  /** Everything runBatch needs apart from the per-model fields. */
  batch: Omit<BatchOptions, 'photos' | 'outDir' | 'client' | 'model' | 'maxCostUsd' | 'price' | 'contactSheet' | 'onEvent'>;
  onEvent?: (model: string, event: BatchEvent) => void;
  onModel?: (model: string, what: 'start' | 'skipped', note?: string) => void;
}

export interface CompareResult {
  stats: ModelStats[];
  spentUsd: number;
  stopped?: { reason: string; message: string };
  notes: Record<string, string>;
  jsonFile: string;
  htmlFile: string;
}

/** A folder name for a model id that no path trick can escape: safe characters, plus a short hash. */
export function modelSlug(model: string): string {
  const safe = model.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 60) || 'model';
  return `${safe}-${sha256Hex(Buffer.from(model)).slice(0, 8)}`;
}

export async function runCompare(opts: CompareOptions): Promise<CompareResult> {
  await mkdir(opts.outDir, { recursive: true });
  const notes: Record<string, string> = {};
  let spent = 0;
  let stopped: CompareResult['stopped'];
  for (const model of opts.models) {
    if (stopped) {
      notes[model] = `not run: ${stopped.message}`;
      opts.onModel?.(model, 'skipped', notes[model]);
      continue;
    }
    if (opts.visionCheck) {
      try {
        // A billed probe is part of what this comparison spent.
        spent += (await ensureVision(opts.endpoint, model))?.probe?.usage.cost_usd ?? 0;
      } catch (err) {
        if (!(err instanceof PhotobatchError)) throw err;
        notes[model] = err.message;
        opts.onModel?.(model, 'skipped', err.message);
        continue;
      }
    }
    const remaining = opts.maxCostUsd === undefined ? undefined : Math.max(0, opts.maxCostUsd - spent);
    const price = opts.endpoint.priceOf(model);
    opts.onModel?.(model, 'start');
    const result = await runBatch({
      ...opts.batch, photos: opts.sample, outDir: path.join(opts.outDir, 'models', modelSlug(model)), client: opts.endpoint.client, model,
      contactSheet: false, ...(price ? { price } : {}), ...(remaining === undefined ? {} : { maxCostUsd: remaining }),
      onEvent: (e) => opts.onEvent?.(model, e),
    });
    spent += result.report.cost_usd.billed;
    if (result.stopped) {
      notes[model] = result.stopped.message;
      // A spent budget or an interruption ends the comparison; a model that is gone only ends its own column.
      if (result.stopped.reason === 'budget' || result.stopped.reason === 'interrupted' || result.stopped.reason === 'out_of_credits' || result.stopped.reason === 'auth') {
        stopped = result.stopped;
      }
    }
  }

  const paths = new Set(opts.sample.map((p) => p.path));
  const answers = new Map<string, Map<string, ResultRecord>>();
  const stats: ModelStats[] = [];
  for (const model of opts.models) {
    const all = readRecords(path.join(opts.outDir, 'models', modelSlug(model), RESULTS_FILE)).filter((r) => paths.has(r.path));
    const latest = latestByPath(all);
    answers.set(model, new Map(latest.map((r) => [r.path, r])));
    // Billed counts every answer ever paid for these photos (a failed validation is billed too), as the bill does.
    const st = modelStats(model, latest, opts.allInputs, flexRatio(model.replace(/:floor$/i, '')));
    const everBilled = all.map((r) => r.usage?.cost_usd).filter((c): c is number => typeof c === 'number');
    if (everBilled.length > 0) st.billed_usd = roundUsd(everBilled.reduce((a, b) => a + b, 0));
    stats.push(st);
  }
  const overlap = pairwiseOverlap(new Map([...answers].map(([m, rs]) => [m, new Map([...rs].filter(([, r]) => r.status === 'ok').map(([p, r]) => [p, answerText(r.output)]))])));
  const thumbs = await writeThumbs(opts.outDir, opts.sample);
  const generatedAt = new Date().toISOString();
  const doc = {
    generated_at: generatedAt,
    server: { kind: opts.endpoint.server.kind, base_url: opts.endpoint.server.baseURL },
    sample: opts.sample.map((p) => ({ file: p.file, path: p.path })),
    input_photos: opts.allInputs,
    models: stats,
    keyword_overlap: overlap,
    spent_this_run_usd: roundUsd(spent),
    ...(Object.keys(notes).length > 0 ? { notes } : {}),
    ...(stopped ? { stopped } : {}),
  };
  const jsonFile = path.join(opts.outDir, COMPARE_JSON);
  const htmlFile = path.join(opts.outDir, COMPARE_HTML);
  await writeFileAtomic(jsonFile, JSON.stringify(doc, null, 2) + '\n');
  await writeFileAtomic(htmlFile, renderCompareHtml({
    sample: opts.sample, models: opts.models, stats, answers, notes, overlap, generatedAt, thumbFor: (p) => thumbs.get(p.path),
  }));
  return { stats, spentUsd: roundUsd(spent), notes, jsonFile, htmlFile, ...(stopped ? { stopped } : {}) };
}

/** thumbs/<sha>.jpg for each sample photo (ours to write; an existing one is kept); a failure only loses the picture. */
async function writeThumbs(outDir: string, sample: readonly PhotoRef[]): Promise<Map<string, string>> {
  const dir = path.join(outDir, 'thumbs');
  await mkdir(dir, { recursive: true });
  const out = new Map<string, string>();
  for (const photo of sample) {
    try {
      const bytes = await readFile(photo.path);
      const name = `${sha256Hex(bytes).slice(0, 32)}.jpg`;
      const file = path.join(dir, name);
      const exists = await stat(file).then(() => true, () => false);
      if (!exists) await writeFileAtomic(file, await sharp(bytes, { failOn: 'none' }).rotate().resize(360, 360, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 75 }).toBuffer());
      out.set(photo.path, `thumbs/${name}`);
    } catch {
      // HEIC without libvips HEVC, RAW: no thumbnail, the answers still show.
    }
  }
  return out;
}
