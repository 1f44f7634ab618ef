import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Bench, Ctx } from '../lib/context.js';
import { ensureBig, filesIn, linkSet } from '../lib/photos.js';
import type { Row } from '../lib/report.js';
import { run } from '../lib/spawn.js';
import { built, f1, f2, f3, freshDir, log, median, REPO_ROOT, WORK } from '../lib/util.js';

const PARALLEL = 2;

/** vipsthumbnail from Debian's libvips-tools, installed with apt-get when missing. */
function ensureVips(): string | undefined {
  const which = () => spawnSync('sh', ['-c', 'command -v vipsthumbnail'], { encoding: 'utf8' }).stdout.trim();
  if (which()) return which();
  log('vipsthumbnail missing: apt-get install libvips-tools');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 });
  spawnSync('apt-get', ['install', '-y', '-qq', 'libvips-tools'], { stdio: 'ignore', env, timeout: 600_000 });
  return which() || undefined;
}

export const b4: Bench = {
  id: 4,
  title: "Compression against libvips' own CLI",
  async run(ctx: Ctx): Promise<Row[]> {
    const n = ctx.quick ? 20 : 200;
    const big = await ensureBig(n);
    const files = filesIn(linkSet('big', filesIn(big), n));
    const vips = ensureVips();
    if (!vips) {
      return [{ id: '4', name: 'images/s vs vipsthumbnail', figure: 'not measured', target: '≥ 0.9', status: 'miss', inputs: 'vipsthumbnail could not be installed' }];
    }
    const vipsVersion = spawnSync(vips, ['--vips-version'], { encoding: 'utf8' }).stdout.trim();
    const listFile = path.join(WORK, 'tmp', 'b4-list.txt');
    writeFileSync(listFile, files.join('\n') + '\n');
    const bytesIn = files.reduce((a, f) => a + statSync(f).size, 0);
    // Same page-cache state for both: read every original once first.
    for (const f of files) readFileSync(f);

    const pbOut = path.join(WORK, 'out', 'b4-photobatch');
    const vipsOut = path.join(WORK, 'out', 'b4-vips');
    // Same size (the default sizing gives 768 px on the long edge for these 4:3 photos, checked below), quality 80,
    // EXIF orientation applied (vipsthumbnail's default), metadata stripped, optimised Huffman tables (sharp's default).
    const vipsCmd = `xargs -d '\\n' -P ${PARALLEL} -n 10 ${vips} -s 768x768 -o '${vipsOut}/%s.jpg[Q=80,optimize_coding,strip]' < '${listFile}'`;
    const rounds = ctx.quick ? 1 : 2;
    const pbWalls: number[] = [];
    const vipsWalls: number[] = [];
    let pbCpu = 0;
    for (let round = 0; round < rounds; round++) {
      freshDir(pbOut);
      log(`b4 round ${round + 1}/${rounds}: photobatch preparePhoto, ${n} × 12 MP, ${PARALLEL} at a time`);
      const pb = await run(process.execPath, [built('workers/prepare-batch.js'), listFile, pbOut, String(PARALLEL)], {
        cwd: REPO_ROOT, env: { PATH: process.env.PATH }, timeoutMs: 600_000, probe: true,
      });
      if (pb.code !== 0) throw new Error(`prepare-batch failed: ${pb.stderr}`);
      pbWalls.push(pb.wallMs);
      pbCpu = pb.usage ? (pb.usage.userUs + pb.usage.systemUs) / 1e6 : Number.NaN;
      freshDir(vipsOut);
      log(`b4 round ${round + 1}/${rounds}: vipsthumbnail, xargs -P ${PARALLEL}`);
      const v = await run('bash', ['-c', vipsCmd], { cwd: REPO_ROOT, env: { PATH: process.env.PATH }, timeoutMs: 600_000 });
      if (v.code !== 0) throw new Error(`vipsthumbnail failed: ${v.stderr}`);
      vipsWalls.push(v.wallMs);
    }
    // Same output geometry (size and orientation) from both, or the comparison is void.
    let mismatched = 0;
    let pbBytes = 0;
    let vipsBytes = 0;
    for (const f of readdirSync(pbOut)) {
      const a = await sharp(path.join(pbOut, f)).metadata();
      const b = await sharp(path.join(vipsOut, f)).metadata();
      pbBytes += statSync(path.join(pbOut, f)).size;
      vipsBytes += statSync(path.join(vipsOut, f)).size;
      if (a.width !== b.width || a.height !== b.height) mismatched++;
    }
    const pbRate = n / (median(pbWalls) / 1000);
    const vipsRate = n / (median(vipsWalls) / 1000);
    const ratio = pbRate / vipsRate;
    ctx.details.b4 = { n, pbWalls, vipsWalls, pbCpu, vipsVersion, mismatched, pbBytes, vipsBytes, bytesIn, vipsCmd };
    return [{
      id: '4',
      name: 'images/s vs vipsthumbnail (12 MP)',
      figure: `${f3(ratio)} (${f1(pbRate)} vs ${f1(vipsRate)} images/s)`,
      target: '≥ 0.9',
      status: ratio >= 0.9 && mismatched === 0 ? 'pass' : 'miss',
      inputs: `${n} × 4000×3000 (1 in 4 EXIF-rotated), ${(bytesIn / n / 1e6).toFixed(1)} MB avg → 768 px q80; ${PARALLEL} at a time each; ` +
        `median of ${rounds} alternating rounds incl. process start; out ${(pbBytes / n / 1024).toFixed(0)} KB vs ${(vipsBytes / n / 1024).toFixed(0)} KB avg; ` +
        `size/orientation mismatches ${mismatched}; ${vipsVersion}, sharp's libvips ${sharp.versions.vips}`,
    }];
  },
};
