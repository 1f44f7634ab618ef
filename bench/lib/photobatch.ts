import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CAPTION_RE, startFake, type FakeStats } from './fake.js';
import type { FakeOptions } from '../../test/helpers/fake-openrouter.js';
import { cpuSeconds, run, type ChildRun } from './spawn.js';
import { BIN, freshDir, log, REPO_ROOT, WORK } from './util.js';

export const BENCH_KEY = 'sk-or-v1-bench0000000000000000000000000000000000000000000000000000';

/** What a run left in its output, judged against the photos it was given. */
export interface Outcome {
  photos: number;
  /** ok with the model's answer as the caption. */
  correct: number;
  /** Recorded as a caption but not the model's answer (an error text, empty, partial output). */
  wrong: number;
  /** Honestly recorded as failed (photobatch: status "failed"; re-run retries them). */
  failed: number;
  /** Not in the output at all. */
  missing: number;
}

export interface ToolRun {
  label: string;
  wallMs: number;
  code: number | null;
  child: ChildRun;
  outcome: Outcome;
  fake: FakeStats;
  cpuS: number;
  maxRSSKb: number;
  /** First chat request to last result (ms), when known. */
  pipelineMs?: number;
  /** Spawn to the first chat request, and last result to exit (ms): the run's fixed costs. */
  startupMs?: number;
  tailMs?: number;
}

export function listPhotos(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith('.') && /\.jpe?g$/i.test(f)).sort();
}

/** The environment of every spawned tool: no developer key or cache, no progress bar. */
export function toolEnv(baseURL: string): Record<string, string> {
  const home = path.join(WORK, 'home');
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CACHE_HOME: path.join(home, '.cache'),
    OPENROUTER_API_KEY: BENCH_KEY,
    OPENROUTER_BASE_URL: baseURL,
    CI: '1',
    NO_COLOR: '1',
  };
}

export function judgePhotobatch(outDir: string, photos: string[]): { outcome: Outcome; firstRecordMs: number; lastRecordMs: number } {
  const file = path.join(outDir, 'results.jsonl');
  const byFile = new Map<string, { status: string; output?: string; at?: string }>();
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as { file: string; status: string; output?: string; at?: string };
        byFile.set(r.file, r);
      } catch {
        /* torn line */
      }
    }
  }
  const o: Outcome = { photos: photos.length, correct: 0, wrong: 0, failed: 0, missing: 0 };
  let lastRecordMs = 0;
  let firstRecordMs = Number.POSITIVE_INFINITY;
  for (const p of photos) {
    const r = byFile.get(p);
    if (!r) o.missing++;
    else if (r.status === 'failed') o.failed++;
    else if (typeof r.output === 'string' && CAPTION_RE.test(r.output)) o.correct++;
    else o.wrong++;
    if (r?.at) {
      const t = Date.parse(r.at);
      lastRecordMs = Math.max(lastRecordMs, t);
      firstRecordMs = Math.min(firstRecordMs, t);
    }
  }
  return { outcome: o, firstRecordMs, lastRecordMs };
}

export interface PbRunOptions {
  label: string;
  photosDir: string;
  concurrency: number | 'auto';
  fake: FakeOptions;
  /** Called with the fake server once it listens (for handlers that look at its state). */
  onServer?: (server: import('../../test/helpers/fake-openrouter.js').FakeServer) => void;
  extraArgs?: string[];
  nodeFlags?: string[];
  timeoutMs: number;
  sampleRssMs?: number;
}

/** photobatch as a user runs it: the built CLI, a fresh -o folder, --quiet, against a fresh fake server. */
export async function runPhotobatch(o: PbRunOptions): Promise<ToolRun> {
  const photos = listPhotos(o.photosDir);
  const outDir = freshDir(path.join(WORK, 'out', o.label));
  const fake = await startFake(o.fake);
  o.onServer?.(fake.server);
  log(`${o.label}: photobatch run, ${photos.length} photos, -c ${o.concurrency}`);
  let child: ChildRun;
  let stats: FakeStats;
  const spawnAt = Date.now();
  try {
    child = await run(
      process.execPath,
      [...(o.nodeFlags ?? []), BIN, 'run', o.photosDir, '-o', outDir, '--quiet', '-c', String(o.concurrency), ...(o.extraArgs ?? [])],
      { cwd: REPO_ROOT, env: toolEnv(fake.url), timeoutMs: o.timeoutMs, probe: true, ...(o.sampleRssMs ? { sampleRssMs: o.sampleRssMs } : {}) },
    );
    stats = fake.stats();
  } finally {
    await fake.close();
  }
  if (child.timedOut) log(`${o.label}: TIMED OUT after ${o.timeoutMs} ms`);
  if (child.stderr.trim()) log(`${o.label}: stderr: ${child.stderr.trim().slice(0, 400)}`);
  const judged = judgePhotobatch(outDir, photos);
  const pipelineMs = Number.isFinite(stats.firstAt) && judged.lastRecordMs > 0 ? judged.lastRecordMs - stats.firstAt : undefined;
  const r: ToolRun = {
    label: o.label, wallMs: child.wallMs, code: child.code, child, outcome: judged.outcome, fake: stats,
    cpuS: cpuSeconds(child.usage), maxRSSKb: child.usage?.maxRSSKb ?? Number.NaN,
    ...(pipelineMs === undefined ? {} : { pipelineMs }),
    ...(Number.isFinite(stats.firstAt) ? { startupMs: stats.firstAt - spawnAt } : {}),
    ...(judged.lastRecordMs > 0 ? { tailMs: spawnAt + child.wallMs - judged.lastRecordMs } : {}),
  };
  log(`${o.label}: ${(r.wallMs / 1000).toFixed(2)} s, exit ${r.code}, ${JSON.stringify(r.outcome)}, chat ${stats.chat}, refused ${stats.refused}, cpu ${r.cpuS.toFixed(1)} s, maxRSS ${(r.maxRSSKb / 1024).toFixed(0)} MB`);
  return r;
}

/** `photobatch run <dir> --dry-run --json` as a user runs it (no server: a closed port), and the readable count it reports. */
export async function dryRunJson(dir: string, out: string, tag: string, timeoutMs: number): Promise<{ r: ChildRun; readable: number }> {
  const r = await run(process.execPath, [BIN, 'run', dir, '--dry-run', '--json', '--quiet', '-o', out], {
    cwd: REPO_ROOT, env: toolEnv('http://127.0.0.1:9/api/v1'), timeoutMs, probe: true,
  });
  let readable = Number.NaN;
  try {
    readable = (JSON.parse(r.stdout) as { readable: number }).readable;
  } catch {
    log(`${tag}: could not parse the dry-run JSON: ${r.stderr.slice(0, 300)}`);
  }
  return { r, readable };
}
