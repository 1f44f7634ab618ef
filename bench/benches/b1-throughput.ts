import os from 'node:os';
import path from 'node:path';
import { harnessCeiling } from '../lib/harness-ceiling.js';
import { latencyFake, LATENCY_MS, JITTER, type Bench, type Ctx } from '../lib/context.js';
import { ensureSmall, filesIn, linkSet } from '../lib/photos.js';
import { runPhotobatch, type ToolRun } from '../lib/photobatch.js';
import { newestProfile, summarize } from '../lib/profile.js';
import type { Row } from '../lib/report.js';
import { run } from '../lib/spawn.js';
import { built, f0, f1, f2, f3, freshDir, log, REPO_ROOT, WORK } from '../lib/util.js';

/** Who used the machine's cores while photobatch ran. */
export function cpuSplit(r: ToolRun): string {
  const wallS = r.wallMs / 1000;
  const m = r.child.machine;
  const pb = r.cpuS / wallS;
  const srv = r.child.parentCpuS / wallS;
  if (!m) return `photobatch ${f2(pb)} cores, fake server ${f2(srv)}`;
  return `cores busy: photobatch ${f2(pb)}, fake server ${f2(srv)}, other processes ${f2(Math.max(0, m.busyCores - pb - srv))}, ` +
    `hypervisor steal ${f2(m.stealCores)} (of ${os.availableParallelism()})`;
}

export const b1: Bench = {
  id: 1,
  title: 'Throughput against the latency limit',
  async run(ctx: Ctx): Promise<Row[]> {
    const n = ctx.quick ? 200 : 2000;
    const small = await ensureSmall(n);
    const dir = linkSet('small', filesIn(small), n);
    const rows: Row[] = [];
    const runs: Record<string, ToolRun> = {};
    for (const c of [4, 16, 64]) {
      const idealPerS = c / (LATENCY_MS / 1000);
      const idealS = n / idealPerS;
      const r = await runPhotobatch({
        label: `b1-c${c}`, photosDir: dir, concurrency: c, fake: latencyFake(), timeoutMs: Math.round(idealS * 4000 + 60_000),
      });
      ctx.memo.set(`s1-c${c}`, r);
      runs[c] = r;
      const ratio = n / (r.wallMs / 1000) / idealPerS;
      const steady = r.pipelineMs ? n / (r.pipelineMs / 1000) / idealPerS : Number.NaN;
      const lost = r.outcome.photos - r.outcome.correct;
      rows.push({
        id: `1${'abc'[[4, 16, 64].indexOf(c)]}`,
        name: `throughput vs latency, -c ${c}`,
        figure: `${f3(ratio)} of ideal (${f1(n / (r.wallMs / 1000))}/s vs ${f1(idealPerS)}/s)`,
        target: '≥ 0.95',
        status: ratio >= 0.95 && lost === 0 ? 'pass' : 'miss',
        inputs: `${n} photos 320×240 (~20 KB), ${LATENCY_MS} ms ±${JITTER * 100}%; wall ${f2(r.wallMs / 1000)} s (ideal ${f2(idealS)} s) incl. start-up; ` +
          `first request→last result ${f3(steady)} of ideal; spawn→first request ${f0(r.startupMs ?? Number.NaN)} ms, last result→exit ${f0(r.tailMs ?? Number.NaN)} ms; CPU ${f1(r.cpuS)} s (${f2(r.cpuS / (r.wallMs / 1000))} cores); ` +
          `server max in flight ${r.fake.maxInFlight}; ${cpuSplit(r)}${lost ? `; NOT OK: ${lost}` : ''}`,
      });
    }
    ctx.details.b1 = Object.fromEntries(Object.entries(runs).map(([c, r]) => [c, { wallMs: r.wallMs, pipelineMs: r.pipelineMs, startupMs: r.startupMs, tailMs: r.tailMs, cpuS: r.cpuS, fake: r.fake, outcome: r.outcome }]));

    // Where the local overhead goes at -c 64.
    rows.push(await overheadAt64(ctx, dir, n, runs[64]!));
    return rows;
  },
};

async function overheadAt64(ctx: Ctx, dir: string, n: number, timed: ToolRun): Promise<Row> {
  const c = 64;
  const idealPerS = c / (LATENCY_MS / 1000);
  // (a) Harness ceiling: a bare undici loop with one pre-built body of the same size, same server, same concurrency.
  const ceiling = await harnessCeiling('b1-c64', filesIn(dir)[0]!, n, c, LATENCY_MS);
  const bare = { wallMs: ceiling.wallMs, ok: ceiling.ok };
  const bareWall = ceiling.wallMs;
  const bareCpu = ceiling.cpuS;
  const bareRatio = n / (bareWall / 1000) / idealPerS;

  // (b) Per-photo cost of each local step, with photobatch's own modules.
  log('b1-c64: per-step costs (stages worker)');
  const stagesN = ctx.quick ? 100 : 250;
  const st = await run(process.execPath, [built('workers/stages.js'), dir, String(stagesN), freshDir(path.join(WORK, 'out', 'stages'))], {
    cwd: REPO_ROOT, env: { PATH: process.env.PATH }, timeoutMs: 300_000,
  });
  const stages = JSON.parse(st.stdout.trim()) as { n: number; perPhoto: Record<string, { cpuMs: number; wallMs: number }>; avgBodyBytes: number; avgJpegBytes: number };

  // (c) CPU profile of the main thread of a real -c 64 run.
  const profDir = freshDir(path.join(WORK, 'prof', 'b1-c64'));
  const prof = await runPhotobatch({
    label: 'b1-c64-cpuprof', photosDir: dir, concurrency: c, fake: latencyFake(), timeoutMs: 300_000,
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
  });
  // (d) The same run without the contact sheet (a user-visible flag): what the per-photo thumbnail costs.
  const ncs = await runPhotobatch({
    label: 'b1-c64-no-contact-sheet', photosDir: dir, concurrency: c, fake: latencyFake(), timeoutMs: 300_000, extraArgs: ['--no-contact-sheet'],
  });
  const ncsRatio = n / (ncs.wallMs / 1000) / idealPerS;
  const pf = newestProfile(profDir);
  const summary = pf ? summarize(pf) : undefined;

  const wallS = timed.wallMs / 1000;
  const cpuPerPhoto = (timed.cpuS * 1000) / n;
  const mainBusyMs = summary ? summary.totalMs - (summary.byCategory.idle ?? 0) : Number.NaN;
  const pp = stages.perPhoto;
  const stageLine = Object.entries(pp).map(([k, v]) => `${k} ${f2(v.cpuMs)}`).join(', ');
  const localCpu = Object.values(pp).reduce((a, v) => a + v.cpuMs, 0);
  const cats = summary
    ? Object.entries(summary.byCategory).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${f1((v / summary.totalMs) * 100)}%`).join(', ')
    : 'no profile';
  ctx.details.b1_overhead = { bare, bareWall, bareCpu, bareRatio, stages, profile: summary, profRun: { wallMs: prof.wallMs, cpuS: prof.cpuS }, noContactSheet: { wallMs: ncs.wallMs, cpuS: ncs.cpuS, ratio: ncsRatio, outcome: ncs.outcome }, timed: { wallMs: timed.wallMs, cpuS: timed.cpuS } };

  const note =
    `1d (-c 64, where the local time goes): photobatch used ${f1(timed.cpuS)} s CPU for ${n} photos in ${f2(wallS)} s = ` +
    `${f2(cpuPerPhoto)} ms CPU per photo (${f2(timed.cpuS / wallS)} of ${os.availableParallelism()} cores busy). One photo at a time with photobatch's ` +
    `own modules, per photo (CPU ms): ${stageLine}; local steps total ${f2(localCpu)} ms → at the ideal 256 photos/s they alone need ` +
    `${f2((localCpu * idealPerS) / 1000)} cores. ` +
    (cpuPerPhoto > localCpu
      ? `The rest (${f2(cpuPerPhoto - localCpu)} ms/photo) is HTTP (undici), node and GC. `
      : `(One at a time they cost more than in the run itself, where the CPU also served ${f2(timed.cpuS / wallS)} cores' worth in parallel: read them as shares.) `) +
    `Main-thread profile (${f1(summary?.totalMs ?? 0)} ms sampled, ${f1(mainBusyMs)} ms busy): ${cats}. ` +
    `Harness ceiling (bare undici loop, same server, no photobatch): ${f3(bareRatio)} of ideal, ${f1(bareCpu)} s CPU. ` +
    `Same -c 64 run with --no-contact-sheet: ${f3(ncsRatio)} of ideal, ${f2((ncs.cpuS * 1000) / n)} ms CPU per photo.`;
  ctx.notes.push(note);
  if (summary) {
    ctx.notes.push(`1d top self-time frames (main thread, -c 64): ` + summary.topSelf.slice(0, 8).map((t) => `${t.fn} ${f1(t.ms)} ms`).join(', '));
  }
  return {
    id: '1d',
    name: 'local overhead at -c 64',
    figure: `${f2(cpuPerPhoto)} ms CPU/photo; sharp ${f2(pp.sharp?.cpuMs ?? Number.NaN)} + thumbnail ${f2(pp.thumbnail?.cpuMs ?? 0)}, base64 ${f2(pp.base64?.cpuMs ?? Number.NaN)}, JSON ${f2((pp.jsonStringify?.cpuMs ?? 0) + (pp.jsonParse?.cpuMs ?? 0))}, journal ${f2(pp.journal?.cpuMs ?? Number.NaN)} ms`,
    target: '(diagnosis)',
    status: 'info',
    inputs: `harness ceiling ${f3(bareRatio)} of ideal; --no-contact-sheet ${f3(ncsRatio)} of ideal at ${f2((ncs.cpuS * 1000) / n)} ms CPU/photo; ${stagesN} photos timed one at a time (sent ${(stages.avgJpegBytes / 1024).toFixed(0)} KB JPEG, ${(stages.avgBodyBytes / 1024).toFixed(0)} KB body); profile: see notes`,
  };
}
