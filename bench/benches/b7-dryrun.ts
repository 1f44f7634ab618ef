import { statSync } from 'node:fs';
import path from 'node:path';
import type { Bench, Ctx } from '../lib/context.js';
import { ensureBig, filesIn, linkSet, realCopies } from '../lib/photos.js';
import { dryRunJson, toolEnv } from '../lib/photobatch.js';
import { newestProfile, summarize } from '../lib/profile.js';
import type { Row } from '../lib/report.js';
import { run } from '../lib/spawn.js';
import { BIN, f1, f2, freshDir, log, REPO_ROOT, WORK } from '../lib/util.js';

export const b7: Bench = {
  id: 7,
  title: 'Dry run at scale',
  async run(ctx: Ctx): Promise<Row[]> {
    const n = ctx.quick ? 1000 : 10_000;
    // Real camera files: the 12 MP variants (with their source's EXIF) and the real photos themselves, as hard links.
    const poolFiles = [...filesIn(await ensureBig(ctx.quick ? 20 : 200)), ...realCopies()];
    const dir = linkSet('dryrun', poolFiles, n);
    const avgBytes = poolFiles.reduce((a, f) => a + statSync(f).size, 0) / poolFiles.length;
    const out = freshDir(path.join(WORK, 'out', 'b7'));
    const args = [BIN, 'run', dir, '--dry-run', '--json', '--quiet', '-o', out];
    log(`b7: photobatch run --dry-run over ${n} files`);
    const { r, readable } = await dryRunJson(dir, out, 'b7', 300_000);
    const s = r.wallMs / 1000;
    const cpu = r.usage ? (r.usage.userUs + r.usage.systemUs) / 1e6 : Number.NaN;
    const row: Row = {
      id: '7',
      name: `dry run, ${n.toLocaleString('en')} photos`,
      figure: `${f2(s)} s (${f2(s / 10)} of 10 s)`,
      target: '≤ 10 s',
      status: s <= 10 && readable === n && r.code === 0 ? 'pass' : 'miss',
      inputs: `${n} hard links to ${poolFiles.length} real-camera JPEGs (200 × 12 MP variants with camera EXIF + 16 originals, avg ${(avgBytes / 1e6).toFixed(1)} MB); ` +
        `${readable} readable; CPU ${f1(cpu)} s; peak RSS ${((r.usage?.maxRSSKb ?? 0) / 1024).toFixed(0)} MB`,
    };
    ctx.details.b7 = { wallMs: r.wallMs, cpu, readable, code: r.code, maxRSSKb: r.usage?.maxRSSKb };
    if (row.status === 'miss') {
      // Where the time goes (profile run, untimed).
      const profDir = freshDir(path.join(WORK, 'prof', 'b7'));
      await run(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, ...args], { cwd: REPO_ROOT, env: toolEnv('http://127.0.0.1:9/api/v1'), timeoutMs: 300_000 });
      const pf = newestProfile(profDir);
      if (pf) {
        const sm = summarize(pf);
        ctx.details.b7_profile = sm;
        ctx.notes.push(`7 main-thread profile (${f1(sm.totalMs)} ms): ` +
          Object.entries(sm.byCategory).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${f1((v / sm.totalMs) * 100)}%`).join(', ') +
          `; top frames: ${sm.topSelf.slice(0, 6).map((t) => `${t.fn} ${f1(t.ms)} ms`).join(', ')}`);
      }
    }
    return [row];
  },
};
