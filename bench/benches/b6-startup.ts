import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Bench, Ctx } from '../lib/context.js';
import type { Row } from '../lib/report.js';
import { run } from '../lib/spawn.js';
import { BIN, built, f0, f1, fileUrl, log, median, REPO_ROOT, WORK } from '../lib/util.js';

const env = () => ({ PATH: process.env.PATH, HOME: path.join(WORK, 'home'), NO_COLOR: '1' });

/** Which heavy packages a command loads, from a resolve-hook trace (a separate, untimed run). */
async function heavyModules(args: string[]): Promise<string[]> {
  const trace = path.join(WORK, 'tmp', `trace-${args.join('_')}.txt`);
  rmSync(trace, { force: true });
  await run(process.execPath, ['--import', fileUrl(built('lib/module-trace.js')), BIN, ...args], {
    cwd: REPO_ROOT, env: { ...env(), BENCH_MODULE_TRACE: trace }, timeoutMs: 30_000,
  });
  let urls: string[] = [];
  try {
    urls = readFileSync(trace, 'utf8').split('\n');
  } catch {
    return ['(trace failed)'];
  }
  const pkgs = new Set<string>();
  for (const u of urls) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
    if (m) pkgs.add(m[1]!);
  }
  return [...pkgs].sort();
}

export const b6: Bench = {
  id: 6,
  title: 'Start-up',
  async run(ctx: Ctx): Promise<Row[]> {
    const runs = ctx.quick ? 7 : 15;
    const cmds: { key: string; args: string[] }[] = [
      { key: '--version', args: [BIN, '--version'] },
      { key: '--help', args: [BIN, '--help'] },
      { key: 'node -e 0', args: ['-e', '0'] },
    ];
    const times: Record<string, number[]> = Object.fromEntries(cmds.map((c) => [c.key, []]));
    // Two warm-ups each, then interleaved timed runs.
    for (const c of cmds) for (let i = 0; i < 2; i++) await run(process.execPath, c.args, { cwd: REPO_ROOT, env: env(), timeoutMs: 30_000 });
    log(`b6: ${runs} spawns each of ${cmds.map((c) => c.key).join(', ')}`);
    for (let i = 0; i < runs; i++) {
      for (const c of cmds) {
        const r = await run(process.execPath, c.args, { cwd: REPO_ROOT, env: env(), timeoutMs: 30_000 });
        if (r.code !== 0) throw new Error(`${c.key} exited ${r.code}: ${r.stderr}`);
        times[c.key]!.push(r.wallMs);
      }
    }
    const floor = median(times['node -e 0']!);
    const rows: Row[] = [];
    for (const key of ['--version', '--help']) {
      const m = median(times[key]!);
      const heavy = (await heavyModules([key])).filter((p) => ['sharp', 'undici', 'exiftool-vendored', 'ora', 'cli-progress', 'ajv'].includes(p) || p.startsWith('@img/'));
      const lazy = !heavy.includes('sharp') && !heavy.includes('undici');
      rows.push({
        id: key === '--version' ? '6a' : '6b',
        name: `start-up: photobatch ${key}`,
        figure: `median ${f0(m)} ms (${(m / 150).toFixed(2)} of 150 ms)`,
        target: '≤ 150 ms; sharp, undici lazy',
        status: m <= 150 && lazy ? 'pass' : 'miss',
        inputs: `${runs} spawns (min ${f0(Math.min(...times[key]!))}, max ${f0(Math.max(...times[key]!))} ms); bare \`node -e 0\` median ${f0(floor)} ms, so ` +
          `photobatch's own share ${f0(m - floor)} ms; heavy packages loaded: ${heavy.length ? heavy.join(', ') : 'none'}`,
      });
    }
    ctx.details.b6 = { times, floorMs: floor };
    return rows;
  },
};
