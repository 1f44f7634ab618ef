import os from 'node:os';
import type { FakeOptions, FakeServer } from '../../test/helpers/fake-openrouter.js';
import type { Bench, Ctx } from '../lib/context.js';
import { ensureSmall, filesIn, linkSet } from '../lib/photos.js';
import { runPhotobatch, type ToolRun } from '../lib/photobatch.js';
import type { Row } from '../lib/report.js';
import { f1, f3, log, pct } from '../lib/util.js';

const BASE_MS = 250;

/**
 * A provider with capacity K: up to K requests in flight answer in 250 ms; beyond K they queue (latency grows in
 * proportion, so throughput stays K per 250 ms); beyond 2K they are refused with 429 and Retry-After: 1.
 */
function capacityFake(K: number): FakeOptions & { bind(server: FakeServer): void } {
  let server: FakeServer | undefined;
  return {
    latencyMs: BASE_MS,
    jitter: 0.1,
    bind(s) {
      server = s;
    },
    handler() {
      const inFlight = server?.inFlight ?? 0; // this request included
      if (inFlight > 2 * K) return { status: 429, headers: { 'retry-after': '1' } };
      return inFlight > K ? { delayMs: BASE_MS * (inFlight / K - 1) } : undefined;
    },
  };
}

export const b11: Bench = {
  id: 11,
  title: '-c auto against a provider that slows beyond K in flight and refuses beyond 2K',
  async run(ctx: Ctx): Promise<Row[]> {
    const rows: Row[] = [];
    for (const K of [8, 32, 128]) {
      const n = ctx.quick ? 200 : K === 8 ? 800 : K === 32 ? 2000 : 3000;
      const dir = linkSet('small', filesIn(await ensureSmall(n)), n);
      const load = os.loadavg()[0]!;
      const fixed: { c: number; run: ToolRun }[] = [];
      for (const c of [K / 2, K, 2 * K]) {
        const fake = capacityFake(K);
        fixed.push({ c, run: await runPhotobatch({ label: `b11-K${K}-c${c}`, photosDir: dir, concurrency: c, fake, timeoutMs: 600_000, onServer: (s) => fake.bind(s) }) });
      }
      const fake = capacityFake(K);
      const auto = await runPhotobatch({
        label: `b11-K${K}-auto`, photosDir: dir, concurrency: 'auto', fake, timeoutMs: 600_000, extraArgs: ['--max-concurrency', '256'], onServer: (s) => fake.bind(s),
      });
      const rate = (r: ToolRun) => n / (r.wallMs / 1000);
      const best = fixed.reduce((a, b) => (rate(b.run) > rate(a.run) ? b : a));
      const ratio = rate(auto) / rate(best.run);
      const refused = auto.fake.refused / Math.max(1, auto.fake.chat);
      const lost = auto.outcome.photos - auto.outcome.correct;
      log(`b11 K=${K}: auto ${f1(rate(auto))}/s vs best fixed -c ${best.c} ${f1(rate(best.run))}/s; refused ${pct(refused)}`);
      rows.push({
        id: `11${'abc'[[8, 32, 128].indexOf(K)]}`,
        name: `-c auto, provider capacity K = ${K}`,
        figure: `${f3(ratio)} of the best fixed -c (${f1(rate(auto))} vs ${f1(rate(best.run))} photos/s at -c ${best.c}); ${pct(refused)} refused`,
        target: '≥ 0.90, ≤ 5% refused',
        status: ratio >= 0.9 && refused <= 0.05 && lost === 0 ? 'pass' : 'miss',
        inputs: `${n} photos 320×240, ${BASE_MS} ms up to K in flight, proportionally slower beyond, 429 beyond 2K; fixed -c ` +
          fixed.map((f) => `${f.c}: ${f1(rate(f.run))}/s, ${pct(f.run.fake.refused / Math.max(1, f.run.fake.chat))} refused`).join('; ') +
          `; auto: server max in flight ${auto.fake.maxInFlight}, ${auto.fake.chat} requests, CPU ${f1(auto.cpuS)} s; load average ${f1(load)}${lost ? `; NOT OK: ${lost}` : ''}`,
      });
      (ctx.details.b11 ??= {} as Record<string, unknown>);
      (ctx.details.b11 as Record<string, unknown>)[`K${K}`] = { fixed: fixed.map((f) => ({ c: f.c, wallMs: f.run.wallMs, fake: f.run.fake })), auto: { wallMs: auto.wallMs, fake: auto.fake, outcome: auto.outcome }, load };
    }
    return rows;
  },
};
