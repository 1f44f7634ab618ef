import { latencyFake, type Bench, type Ctx } from '../lib/context.js';
import { ensureSmall, filesIn, linkSet } from '../lib/photos.js';
import { runPhotobatch, type ToolRun } from '../lib/photobatch.js';
import type { Row } from '../lib/report.js';
import { f0, f1, f2 } from '../lib/util.js';

/** RSS (MB) at the given fractions of the run, from the /proc samples. */
function rssAt(r: ToolRun, fractions: number[]): number[] {
  const s = r.child.rss ?? [];
  return fractions.map((fr) => {
    const t = r.wallMs * fr;
    let best = s[0];
    for (const x of s) if (Math.abs(x.t - t) < Math.abs((best?.t ?? 0) - t)) best = x;
    return (best?.kb ?? Number.NaN) / 1024;
  });
}

export const b5: Bench = {
  id: 5,
  title: 'Memory at scale',
  async run(ctx: Ctx): Promise<Row[]> {
    const big = ctx.quick ? 1000 : 10_000;
    const small = ctx.quick ? 200 : 1000;
    const pool = filesIn(await ensureSmall(big));
    const c = 16;
    const runs: Record<number, ToolRun> = {};
    for (const n of [small, big]) {
      const dir = linkSet('small', pool, n);
      runs[n] = await runPhotobatch({
        label: `b5-${n}`, photosDir: dir, concurrency: c, fake: latencyFake(), sampleRssMs: 500,
        timeoutMs: Math.round((n / (c / 0.25)) * 4000 + 120_000),
      });
    }
    const a = runs[small]!;
    const b = runs[big]!;
    const peakA = a.maxRSSKb / 1024;
    const peakB = b.maxRSSKb / 1024;
    const growth = peakB / peakA;
    const curve = rssAt(b, [0.1, 0.25, 0.5, 0.75, 0.95]);
    const lost = b.outcome.photos - b.outcome.correct;
    const pk = (r: ToolRun, k: 'heapUsed' | 'external') => f0((r.child.usage?.peak?.[k] ?? Number.NaN) / 1048576);
    ctx.details.b5 = {
      [small]: { maxRSSKb: a.maxRSSKb, wallMs: a.wallMs, outcome: a.outcome, peak: a.child.usage?.peak, series: a.child.usage?.series },
      [big]: { maxRSSKb: b.maxRSSKb, wallMs: b.wallMs, outcome: b.outcome, peak: b.child.usage?.peak, series: b.child.usage?.series },
    };
    return [{
      id: '5',
      name: `peak RSS at ${big.toLocaleString('en')} photos, -c ${c}`,
      figure: `${f0(peakB)} MB (${f2(peakB / 300)} of 300 MB); ${f2(growth)}× the ${small.toLocaleString('en')}-photo peak (${f0(peakA)} MB)`,
      target: '≤ 300 MB, ≤ 1.20×',
      status: peakB <= 300 && growth <= 1.2 && lost === 0 ? 'pass' : 'miss',
      inputs: `RSS over the ${big.toLocaleString('en')}-photo run at 10/25/50/75/95% of its ${f1(b.wallMs / 1000)} s: ` +
        `${curve.map(f0).join('/')} MB; peak V8 heap used ${pk(a, 'heapUsed')} → ${pk(b, 'heapUsed')} MB, peak external (Buffers) ${pk(a, 'external')} → ${pk(b, 'external')} MB; ` +
        `peak = the child's own resourceUsage().maxRSS (server in the parent)` +
        `${lost ? `; NOT OK: ${JSON.stringify(b.outcome)}` : ''}`,
    }];
  },
};
