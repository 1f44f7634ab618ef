/**
 * photobatch benchmark suite: `npm run bench [-- --only 1,6] [--quick] [--no-build]`.
 * Each benchmark measures photobatch (the built CLI, spawned) and its limit or baseline in the same run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bench, Ctx } from './lib/context.js';
import { machine, markdown, textTable, writeReadme, type Row } from './lib/report.js';
import { killActiveChildren } from './lib/spawn.js';
import { log, REPO_ROOT, WORK } from './lib/util.js';
import { b1 } from './benches/b1-throughput.js';
import { b2 } from './benches/b2-ratelimit.js';
import { b3 } from './benches/b3-baseline.js';
import { b4 } from './benches/b4-vips.js';
import { b5 } from './benches/b5-memory.js';
import { b6 } from './benches/b6-startup.js';
import { b7 } from './benches/b7-dryrun.js';
import { b8 } from './benches/b8-vocabulary-hint.js';
import { b9 } from './benches/b9-latency-limit.js';
import { b10 } from './benches/b10-heic.js';
import { b11 } from './benches/b11-auto.js';
import { b12 } from './benches/b12-scale.js';
import { b13 } from './benches/b13-watch.js';

const ALL: Bench[] = [b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13];

function parseArgs(argv: string[]) {
  let only: number[] | undefined;
  let quick = false;
  let build = true;
  let readme: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--no-build') build = false;
    else if (a === '--write-readme') readme = true;
    else if (a === '--no-readme') readme = false;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      only = (v ?? '').split(',').map((x) => Number(x.trim())).filter((x) => Number.isInteger(x));
      if (only.length === 0 || only.some((x) => !ALL.some((b) => b.id === x))) throw new Error(`--only takes ids from 1 to ${ALL.length}, e.g. --only 1,6`);
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('npm run bench [-- --only 1,6] [--quick] [--no-build] [--write-readme|--no-readme]\n');
      process.exit(0);
    } else throw new Error(`Unknown option ${a} (try --help)`);
  }
  return { only, quick, build, readme };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  mkdirSync(path.join(WORK, 'tmp'), { recursive: true });
  // The whole suite stops by itself: children have their own deadlines; this is the last line.
  const watchdogMs = (args.quick ? 25 : 60) * 60_000;
  const watchdog = setTimeout(() => {
    log(`watchdog: suite exceeded ${watchdogMs / 60_000} min, stopping`);
    killActiveChildren();
    process.exit(2);
  }, watchdogMs);
  watchdog.unref();

  if (args.build) {
    log('building dist/ (tsc -p tsconfig.json)');
    const b = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
      cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000,
    });
    if (b.status !== 0) {
      if (!existsSync(path.join(REPO_ROOT, 'dist/cli/main.js'))) throw new Error(`build failed and there is no dist/:\n${b.stdout}${b.stderr}`);
      log(`WARNING: build failed, benchmarking the existing dist/:\n${(b.stdout + b.stderr).slice(0, 2000)}`);
    }
  }

  const selected = ALL.filter((b) => !args.only || args.only.includes(b.id));
  const ctx: Ctx = { quick: args.quick, memo: new Map(), details: {}, notes: [] };
  const rows: Row[] = [];
  const timings: Record<string, number> = {};
  const loads: Record<string, number> = {};
  for (const bench of selected) {
    const t0 = Date.now();
    const load = os.loadavg()[0]!;
    log(`=== ${bench.id}. ${bench.title}${args.quick ? ' (quick)' : ''} (load average ${load.toFixed(1)})`);
    loads[bench.id] = load;
    try {
      const got = await bench.run(ctx);
      rows.push(...got);
      for (const r of got) log(`${r.id} ${r.name}: ${r.figure} [${r.status}]`);
    } catch (err) {
      log(`benchmark ${bench.id} failed: ${(err as Error).stack ?? err}`);
      rows.push({ id: String(bench.id), name: bench.title, figure: 'error', target: '', status: 'miss', inputs: String((err as Error).message).slice(0, 200) });
    }
    timings[bench.id] = (Date.now() - t0) / 1000;
    log(`=== ${bench.id} took ${timings[bench.id]!.toFixed(0)} s`);
  }
  const totalS = (Date.now() - started) / 1000;
  const m = machine();
  const cmd = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;

  process.stdout.write('\n' + textTable(rows) + '\n\n');
  for (const n of ctx.notes) process.stdout.write(`* ${n}\n`);
  process.stdout.write(`load average at the start of each: ${Object.entries(loads).map(([k, v]) => `#${k} ${v.toFixed(1)}`).join(', ')}\n`);
  process.stdout.write(`\n${m.cores} cores (${m.cpu}), Node ${m.node}; total ${totalS.toFixed(0)} s (${Object.entries(timings).map(([k, v]) => `#${k} ${v.toFixed(0)} s`).join(', ')})\n`);

  writeFileSync(path.join(WORK, 'last-results.json'), JSON.stringify({ machine: m, command: cmd, totalS, timings, loads, rows, notes: ctx.notes, details: ctx.details }, null, 2));
  const full = !args.quick && !args.only;
  if (args.readme ?? full) {
    const loadNote = `Load average (1 min) when each benchmark started, on this shared machine: ${Object.entries(loads).map(([k, v]) => `#${k} ${v.toFixed(1)}`).join(', ')}.`;
    writeReadme(markdown(rows, m, cmd, totalS, [...ctx.notes, loadNote]));
    log('bench/README.md results updated');
  } else {
    log('partial or quick run: bench/README.md left as it is (--write-readme to update it)');
  }
  clearTimeout(watchdog);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    killActiveChildren();
    process.exitCode = 1;
  },
);
