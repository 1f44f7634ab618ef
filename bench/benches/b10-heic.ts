import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bench, Ctx } from '../lib/context.js';
import { PHOTOS } from '../lib/photos.js';
import type { Row } from '../lib/report.js';
import { run } from '../lib/spawn.js';
import { built, f1, f2, f3, freshDir, log, median, REPO_ROOT, SHARED_PHOTOS, WORK } from '../lib/util.js';

/** heif-dec (libheif ≥ 1.17) or heif-convert, from Debian's libheif-examples (apt-installed when missing). */
function ensureHeifTool(): string | undefined {
  const which = () => spawnSync('sh', ['-c', 'command -v heif-dec || command -v heif-convert'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
  if (which()) return which();
  log('heif-convert missing: apt-get install libheif-examples');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 });
  spawnSync('apt-get', ['install', '-y', '-qq', 'libheif-examples'], { stdio: 'ignore', env, timeout: 600_000 });
  return which() || undefined;
}

export const b10: Bench = {
  id: 10,
  title: 'HEIC at native speed: photobatch vs heif-convert on the same files and cores',
  async run(ctx: Ctx): Promise<Row[]> {
    const tool = ensureHeifTool();
    const src = path.join(SHARED_PHOTOS, 'heic');
    // The real iPhone photos of 8 MP and more, each linked `copies` times: a set as large as a phone's day.
    const reals = existsSync(src) ? readdirSync(src).filter((f) => /\.hei[cf]$/i.test(f)).map((f) => path.join(src, f)).filter((f) => readFileSync(f).length > 500_000) : [];
    if (!tool || reals.length === 0) {
      return [{ id: '10', name: 'HEIC photos/s vs heif-convert', figure: 'not measured', target: '≥ 0.8', status: 'miss', inputs: !tool ? 'heif-convert could not be installed' : `no real HEICs in ${src}` }];
    }
    const copies = ctx.quick ? 3 : 12;
    const dir = freshDir(path.join(PHOTOS, 'heic-set'));
    const files: string[] = [];
    for (let i = 0; i < copies; i++) for (const f of reals) {
      const to = path.join(dir, `H_${String(files.length).padStart(4, '0')}${path.extname(f)}`);
      linkSync(f, to);
      files.push(to);
    }
    const list = path.join(WORK, 'tmp', 'b10-list.txt');
    writeFileSync(list, files.join('\n') + '\n');
    const cores = os.availableParallelism();
    const toolOut = path.join(WORK, 'out', 'b10-heif-convert');
    const pbOut = path.join(WORK, 'out', 'b10-photobatch');
    // What a user would run: one heif-convert per core at a time (each is also multi-threaded over the grid tiles).
    const toolCmd = `xargs -d '\\n' -P ${cores} -I{} sh -c '${tool} --quiet -q 92 "$1" "${toolOut}/$(basename "$1").jpg"' _ {} < '${list}'`;
    // photobatch: preparePhoto (read + default sizing + q80) with as many photos at a time as its prepare pool has.
    const slots = Math.max(4, Math.min(8, cores * 2));
    const rounds = ctx.quick ? 1 : 3;
    const pbWalls: number[] = [];
    const toolWalls: number[] = [];
    const loads: number[] = [];
    let pbCpu = Number.NaN;
    for (let round = 0; round < rounds; round++) {
      loads.push(os.loadavg()[0]!);
      freshDir(toolOut);
      log(`b10 round ${round + 1}/${rounds}: ${path.basename(tool)}, ${files.length} HEICs, ${cores} at a time`);
      const t = await run('bash', ['-c', toolCmd], { cwd: REPO_ROOT, env: { PATH: process.env.PATH }, timeoutMs: 900_000 });
      if (t.code !== 0) throw new Error(`${tool} failed: ${t.stderr.slice(0, 300)}`);
      toolWalls.push(t.wallMs);
      freshDir(pbOut);
      log(`b10 round ${round + 1}/${rounds}: photobatch preparePhoto (native decoder), ${slots} at a time`);
      const pb = await run(process.execPath, [built('workers/prepare-batch.js'), list, pbOut, String(slots)], {
        cwd: REPO_ROOT, env: { PATH: process.env.PATH }, timeoutMs: 900_000, probe: true,
      });
      if (pb.code !== 0) throw new Error(`prepare-batch failed: ${pb.stderr.slice(0, 300)}`);
      pbWalls.push(pb.wallMs);
      pbCpu = pb.usage ? (pb.usage.userUs + pb.usage.systemUs) / 1e6 : Number.NaN;
    }
    // The portable fallback, for reference, on one copy of each photo.
    const wasmList = path.join(WORK, 'tmp', 'b10-wasm-list.txt');
    const wasmFiles = files.slice(0, reals.length * (ctx.quick ? 1 : 2));
    writeFileSync(wasmList, wasmFiles.join('\n') + '\n');
    log(`b10: WebAssembly fallback on ${wasmFiles.length} HEICs`);
    const wasm = await run(process.execPath, [built('workers/prepare-batch.js'), wasmList, freshDir(pbOut), String(slots)], {
      cwd: REPO_ROOT, env: { PATH: process.env.PATH, PHOTOBATCH_HEIC_DECODER: 'wasm' }, timeoutMs: 900_000,
    });
    const wasmRate = wasmFiles.length / (wasm.wallMs / 1000);
    const pbRate = files.length / (median(pbWalls) / 1000);
    const toolRate = files.length / (median(toolWalls) / 1000);
    const ratio = pbRate / toolRate;
    const version = spawnSync(tool, ['--help'], { encoding: 'utf8' });
    const libheif = /libheif version:\s*([\w.]+)/.exec(`${version.stdout}${version.stderr}`)?.[1] ?? '?';
    ctx.details.b10 = { files: files.length, pbWalls, toolWalls, wasmWallMs: wasm.wallMs, wasmN: wasmFiles.length, pbCpu, loads, toolCmd, slots };
    return [{
      id: '10',
      name: 'HEIC photos/s vs heif-convert (native libheif)',
      figure: `${f3(ratio)} (${f2(pbRate)} vs ${f2(toolRate)} photos/s); WebAssembly fallback ${f2(wasmRate)}/s`,
      target: '≥ 0.8',
      status: ratio >= 0.8 ? 'pass' : 'miss',
      inputs: `${files.length} HEICs = ${copies} links to each of ${reals.length} real iPhone photos (8.5–12 MP) in ${src}; ${path.basename(tool)} (libheif ${libheif}) -q 92 to JPEG, ` +
        `${cores} at a time (xargs -P ${cores}) vs photobatch preparePhoto (native decode + 768 px q80), ${slots} at a time; median of ${rounds} alternating rounds; ` +
        `photobatch CPU ${f1(pbCpu)} s; load average at the start of each round ${loads.map(f1).join(', ')}`,
    }];
  },
};
