import os from 'node:os';
import path from 'node:path';
import type { Bench, Ctx } from '../lib/context.js';
import { ensureCamera, ensureTiny, filesIn, linkSet, realCopies } from '../lib/photos.js';
import { dryRunJson, runPhotobatch, toolEnv } from '../lib/photobatch.js';
import type { Row } from '../lib/report.js';
import { run } from '../lib/spawn.js';
import { BIN, f1, f2, freshDir, log, REPO_ROOT, WORK } from '../lib/util.js';

/** A folder of exactly n links to the first n tiny photos. */
function tinySet(all: string, n: number): string {
  return linkSet('tiny', filesIn(all).slice(0, Math.max(n, 1)), n);
}

export const b12: Bench = {
  id: 12,
  title: 'Flat at any size: peak RSS at 100,000 vs 10,000 photos; dry run of 100,000',
  async run(ctx: Ctx): Promise<Row[]> {
    const big = ctx.quick ? 10_000 : 100_000;
    const small = big / 10;
    const tiny = await ensureTiny(big);
    const rows: Row[] = [];
    const load0 = os.loadavg()[0]!;
    // Tiny distinct photos and a fast fake: the run is as short as photobatch can make it, the records as many as asked.
    const fake = { latencyMs: 20, jitter: 0.1 };
    const a = await runPhotobatch({ label: `b12-${small}`, photosDir: tinySet(tiny, small), concurrency: 64, fake, timeoutMs: 900_000 });
    const b = await runPhotobatch({ label: `b12-${big}`, photosDir: tinySet(tiny, big), concurrency: 64, fake, timeoutMs: 1_500_000 });
    const ratio = b.maxRSSKb / a.maxRSSKb;
    const lost = b.outcome.photos - b.outcome.correct + a.outcome.photos - a.outcome.correct;
    rows.push({
      id: '12a',
      name: `peak RSS, ${big.toLocaleString('en')} vs ${small.toLocaleString('en')} photos`,
      figure: `${f2(ratio)}× (${(b.maxRSSKb / 1024).toFixed(0)} MB vs ${(a.maxRSSKb / 1024).toFixed(0)} MB)`,
      target: '≤ 1.20×',
      status: ratio <= 1.2 && lost === 0 ? 'pass' : 'miss',
      inputs: `distinct 64×48 JPEGs, -c 64, fake latency 20 ms; runs of ${f1(a.wallMs / 1000)} s and ${f1(b.wallMs / 1000)} s (${f1(big / (b.wallMs / 1000))} photos/s), ` +
        `CPU ${f1(a.cpuS)} s and ${f1(b.cpuS)} s; report, CSV and contact sheet streamed from results.jsonl; peak = the child's own maxRSS; load average ${f1(load0)}${lost ? `; NOT OK: ${lost}` : ''}`,
    });

    // Real-camera JPEGs with their camera's EXIF: the 640×480 and 320×240 sets of benchmark 9 and the real photos.
    const poolFiles = [...filesIn(await ensureCamera(640, 480, 3000)), ...filesIn(await ensureCamera(320, 240, 3000)), ...realCopies()];
    const dir = linkSet('dryrun', poolFiles, big);
    const out = freshDir(path.join(WORK, 'out', 'b12-dry'));
    const load1 = os.loadavg()[0]!;
    log(`b12: photobatch run --dry-run over ${big} files`);
    const { r, readable } = await dryRunJson(dir, out, 'b12', 600_000);
    const s = r.wallMs / 1000;
    rows.push({
      id: '12b',
      name: `dry run, ${big.toLocaleString('en')} photos`,
      figure: `${f2(s)} s (${f2(s / 60)} of 60 s)`,
      target: '≤ 60 s',
      status: s <= 60 && readable === big && r.code === 0 ? 'pass' : 'miss',
      inputs: `${big} hard links to ${poolFiles.length} camera JPEGs with EXIF (3,000 × 640×480, 3,000 × 320×240, the 16 real photos up to 12 MP); ${readable} readable; ` +
        `CPU ${f1(r.usage ? (r.usage.userUs + r.usage.systemUs) / 1e6 : Number.NaN)} s; peak RSS ${((r.usage?.maxRSSKb ?? 0) / 1024).toFixed(0)} MB; load average ${f1(load1)}`,
    });
    ctx.details.b12 = { small: { wallMs: a.wallMs, maxRSSKb: a.maxRSSKb, cpuS: a.cpuS }, big: { wallMs: b.wallMs, maxRSSKb: b.maxRSSKb, cpuS: b.cpuS }, dry: { wallMs: r.wallMs, readable, maxRSSKb: r.usage?.maxRSSKb } };
    return rows;
  },
};
