import { latencyFake, type Bench, type Ctx } from '../lib/context.js';
import { ensureSmall, filesIn, linkSet } from '../lib/photos.js';
import { runPhotobatch } from '../lib/photobatch.js';
import type { Row } from '../lib/report.js';
import { f1, f2, f3, pct } from '../lib/util.js';

export function rateScenario(quick: boolean) {
  return quick ? { n: 150, rpm: 120, c: 32 } : { n: 1000, rpm: 600, c: 32 };
}

export const b2: Bench = {
  id: 2,
  title: 'Throughput against a rate limit',
  async run(ctx: Ctx): Promise<Row[]> {
    const { n, rpm, c } = rateScenario(ctx.quick);
    const small = await ensureSmall(n);
    const dir = linkSet('small', filesIn(small), n);
    const idealS = (n / rpm) * 60;
    const rows: Row[] = [];
    for (const retryAfter of [true, false]) {
      const key = retryAfter ? 'ra' : 'nora';
      const r = await runPhotobatch({
        label: `b2-${key}`, photosDir: dir, concurrency: c,
        fake: { ...latencyFake(), rpmLimit: rpm, rateLimitRetryAfter: retryAfter },
        timeoutMs: Math.round(idealS * 4000 + 120_000),
      });
      ctx.memo.set(`s2-${key}`, r);
      const wallS = r.wallMs / 1000;
      const achievedPerMin = (r.outcome.correct / wallS) * 60;
      const ratio = achievedPerMin / rpm;
      const refused = r.fake.chat ? r.fake.refused / r.fake.chat : Number.NaN;
      const lost = r.outcome.photos - r.outcome.correct;
      const ok = ratio >= 0.9 && refused <= 0.05 && lost === 0;
      rows.push({
        id: `2${retryAfter ? 'a' : 'b'}`,
        name: `rate limit ${rpm}/min, ${retryAfter ? 'with' : 'without'} Retry-After`,
        figure: `${f3(ratio)} of the cap (${f1(achievedPerMin)}/min); ${pct(refused)} refused (${r.fake.refused} of ${r.fake.chat})`,
        target: '≥ 0.90, ≤ 5% 429',
        status: ok ? 'pass' : 'miss',
        inputs: `${n} photos, -c ${c}, ${r.fake.chat} requests; ${f1(wallS)} s vs ideal ${f1(idealS)} s (${f2(wallS / idealS)}×)` +
          `${retryAfter ? '' : '; 429s carry X-RateLimit-Reset only'}${lost ? `; NOT OK: ${lost} (${JSON.stringify(r.outcome)})` : ''}`,
      });
      ctx.details[`b2_${key}`] = { wallMs: r.wallMs, fake: r.fake, outcome: r.outcome, cpuS: r.cpuS };
    }
    ctx.notes.push(
      `2: the fake server counts a rolling 60 s window (as OpenRouter's per-minute limits do), so a fresh client may ` +
        `send a whole minute's quota at once; that is why ${n} photos can finish faster than the smooth-rate ideal of ` +
        `${f1(idealS)} s and the achieved/cap ratio can exceed 1.`,
    );
    return rows;
  },
};
