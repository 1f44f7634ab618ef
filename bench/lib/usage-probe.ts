/**
 * Preloaded into a benchmarked child with `node --import <this file>`: at exit it writes the child's own
 * process.resourceUsage() (peak RSS, CPU) to $BENCH_USAGE_FILE, so the parent reads the figures of that process
 * alone (the fake server lives in the parent and is not counted). It also samples the V8 heap every 200 ms
 * (an unref'd timer: it never keeps the child alive) to tell JS heap growth from native memory.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  const started = Date.now();
  const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const series: [number, number, number, number][] = [];
  const sample = () => {
    const m = process.memoryUsage();
    for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], m[k]);
    series.push([Date.now() - started, Math.round(m.rss / 1048576), Math.round(m.heapUsed / 1048576), Math.round(m.external / 1048576)]);
  };
  setInterval(sample, 200).unref();
  // Diagnosis only (node --expose-gc, BENCH_GC_EVERY_MS): the live heap after a full GC, to tell retained memory from garbage.
  const gcEvery = Number(process.env.BENCH_GC_EVERY_MS ?? 0);
  const live: [number, number, number][] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gcEvery > 0 && gc) {
    setInterval(() => {
      gc();
      const m = process.memoryUsage();
      live.push([Date.now() - started, Math.round(m.heapUsed / 1024), Math.round(m.external / 1024)]);
    }, gcEvery).unref();
  }
  process.on('exit', (code) => {
    try {
      sample();
      const u = process.resourceUsage();
      writeFileSync(file, JSON.stringify({
        code, maxRSSKb: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime, uptimeMs: Date.now() - started, peak, series, live,
      }));
    } catch {
      /* best effort */
    }
  });
}
