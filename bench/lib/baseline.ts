import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CAPTION_RE, startFake } from './fake.js';
import type { FakeOptions } from '../../test/helpers/fake-openrouter.js';
import { listPhotos, toolEnv, type Outcome, type ToolRun } from './photobatch.js';
import { cpuSeconds, run } from './spawn.js';
import { built, freshDir, log, REPO_ROOT, WORK } from './util.js';

/** The user's script (openai SDK + p-limit + sharp) on the same photos against a fresh fake server. */
export async function runBaseline(o: { label: string; photosDir: string; concurrency: number; fake: FakeOptions; timeoutMs: number }): Promise<ToolRun> {
  const photos = listPhotos(o.photosDir);
  const outDir = freshDir(path.join(WORK, 'out', o.label));
  const outFile = path.join(outDir, 'captions.json');
  const fake = await startFake(o.fake);
  log(`${o.label}: user script (openai SDK), ${photos.length} photos, p-limit ${o.concurrency}`);
  let child;
  let stats;
  try {
    child = await run(process.execPath, [built('baseline/user-script.js'), o.photosDir, outFile, String(o.concurrency)], {
      cwd: REPO_ROOT, env: toolEnv(fake.url), timeoutMs: o.timeoutMs, probe: true,
    });
    stats = fake.stats();
  } finally {
    await fake.close();
  }
  if (child.timedOut) log(`${o.label}: TIMED OUT after ${o.timeoutMs} ms`);
  const byFile = new Map<string, { caption: unknown }>();
  if (existsSync(outFile)) {
    for (const r of JSON.parse(readFileSync(outFile, 'utf8')) as { file: string; caption: unknown }[]) byFile.set(r.file, r);
  }
  const outcome: Outcome = { photos: photos.length, correct: 0, wrong: 0, failed: 0, missing: 0 };
  for (const p of photos) {
    const r = byFile.get(p);
    if (!r) outcome.missing++;
    else if (typeof r.caption === 'string' && CAPTION_RE.test(r.caption)) outcome.correct++;
    else outcome.wrong++;
  }
  const r: ToolRun = {
    label: o.label, wallMs: child.wallMs, code: child.code, child, outcome, fake: stats,
    cpuS: cpuSeconds(child.usage), maxRSSKb: child.usage?.maxRSSKb ?? Number.NaN,
  };
  log(`${o.label}: ${(r.wallMs / 1000).toFixed(2)} s, exit ${r.code}, ${JSON.stringify(outcome)}, chat ${stats.chat}, refused ${stats.refused}`);
  return r;
}
