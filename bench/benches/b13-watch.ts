/**
 * Benchmark 13: `photobatch watch` at an event. A steady 2 photos/s land in the hot folder (written whole,
 * like a tethering tool's rename), the fake answers after 250 ms ±10 %; the figure is the delay from a
 * photo's last byte on disk to its line in results.jsonl (p50, p95). Then the watch sits idle: CPU ticks
 * and RSS of the photobatch process from /proc/PID/stat and /proc/PID/status, with file system events
 * and again with --poll (the network-share mode).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, mkdirSync, openSync, readSync, closeSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Bench, Ctx } from '../lib/context.js';
import { LATENCY_MS, latencyFake } from '../lib/context.js';
import type { Row } from '../lib/report.js';
import { startFake } from '../lib/fake.js';
import { toolEnv } from '../lib/photobatch.js';
import { BIN, f0, f1, f2, freshDir, log, percentile, REPO_ROOT, WORK } from '../lib/util.js';

const SETTLE_S = 1;
const CLK_TCK = 100; // Linux USER_HZ, what /proc/PID/stat counts in

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uptime = () => `load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;

/** utime + stime ticks and VmRSS (kB) of a process. */
function procSample(pid: number): { ticks: number; rssKb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return { ticks, rssKb };
}

/** Distinct small JPEGs (320×240 noise), made once. */
async function makePhotos(n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const raw = Buffer.alloc(320 * 240 * 3);
    let x = (i + 1) * 2654435761;
    for (let j = 0; j < raw.length; j++) {
      x = (x * 1103515245 + 12345) >>> 0;
      raw[j] = x >>> 24;
    }
    out.push(await sharp(raw, { raw: { width: 320, height: 240, channels: 3 } }).jpeg({ quality: 80 }).toBuffer());
  }
  return out;
}

/** Reads results.jsonl as it grows: file → first time its line was seen. */
function tailResults(file: string, seen: Map<string, number>): () => void {
  let offset = 0;
  let rest = '';
  const timer = setInterval(() => {
    if (!existsSync(file)) return;
    const size = statSync(file).size;
    if (size <= offset) return;
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    closeSync(fd);
    offset = size;
    const now = Date.now();
    const text = rest + buf.toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) seen.set(JSON.parse(l).file, seen.get(JSON.parse(l).file) ?? now);
  }, 10);
  return () => clearInterval(timer);
}

async function startWatch(hot: string, out: string, url: string, extra: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'watch', hot, '-o', out, '--quiet', '--settle', String(SETTLE_S), '-c', '4', ...extra], {
    cwd: REPO_ROOT, env: toolEnv(url), stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', () => {});
  return child;
}

async function stopWatch(child: ChildProcess): Promise<number | null> {
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await done;
  clearTimeout(killer);
  return code;
}

async function idleWindow(pid: number, seconds: number): Promise<{ cpuPct: number; ticks: number; rss: number[] }> {
  const first = procSample(pid);
  const rss = [first.rssKb];
  const step = 5;
  for (let t = 0; t < seconds; t += step) {
    await sleep(step * 1000);
    rss.push(procSample(pid).rssKb);
  }
  const ticks = procSample(pid).ticks - first.ticks;
  return { cpuPct: (ticks / CLK_TCK / seconds) * 100, ticks, rss };
}

/** Waits (at most 60 s) until `file` has not changed for 5 s. */
async function settled(file: string): Promise<void> {
  let last = -1;
  let stableSince = Date.now();
  for (let t = 0; t < 600 && Date.now() - stableSince < 5000; t++) {
    const m = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;
    if (m !== last) {
      last = m;
      stableSince = Date.now();
    }
    await sleep(100);
  }
}

export const b13: Bench = {
  id: 13,
  title: 'watch: delay from last byte to result, idle cost',
  async run(ctx: Ctx): Promise<Row[]> {
    const n = ctx.quick ? 40 : 120;
    // The issue asks for 10 minutes idle; the default run keeps 2 (BENCH_WATCH_IDLE_S=600 for the full window).
    const idleS = Number(process.env.BENCH_WATCH_IDLE_S) || (ctx.quick ? 30 : 120);
    const pollIdleS = ctx.quick ? 20 : 60;
    const fake = await startFake(latencyFake());
    const photos = await makePhotos(n + 1);
    const rows: Row[] = [];
    try {
      const hot = freshDir(path.join(WORK, 'tmp', 'watch-hot'));
      const out = freshDir(path.join(WORK, 'tmp', 'watch-out'));
      const staging = freshDir(path.join(WORK, 'tmp', 'watch-staging'));
      mkdirSync(staging, { recursive: true });
      const seen = new Map<string, number>();
      const stopTail = tailResults(path.join(out, 'results.jsonl'), seen);
      const child = await startWatch(hot, out, fake.url, []);
      // Warm-up: the first photo also pays for start-up (key check, model list); it is not counted.
      await writeFile(path.join(hot, 'warmup.jpg'), photos[n]!);
      for (let t = 0; !seen.has('warmup.jpg'); t++) {
        if (t > 600) throw new Error('watch did not answer the warm-up photo in 60 s');
        await sleep(100);
      }
      const loadArrival = uptime();
      log(`b13: ${n} photos at 2/s into a watched folder (settle ${SETTLE_S} s, fake ${LATENCY_MS} ms) · ${loadArrival}`);
      const lastByte = new Map<string, number>();
      const t0 = Date.now();
      for (let i = 0; i < n; i++) {
        const due = t0 + i * 500;
        if (due > Date.now()) await sleep(due - Date.now());
        const name = `IMG_${String(i).padStart(4, '0')}.jpg`;
        // Written elsewhere on the same disk and renamed in: the way tethering tools deliver a file.
        await writeFile(path.join(staging, name), photos[i]!);
        await rename(path.join(staging, name), path.join(hot, name));
        lastByte.set(name, Date.now());
      }
      for (let t = 0; [...lastByte.keys()].some((k) => !seen.has(k)); t++) {
        if (t > 600) throw new Error(`only ${[...lastByte.keys()].filter((k) => seen.has(k)).length} of ${n} results after 60 s`);
        await sleep(100);
      }
      const delays = [...lastByte].map(([k, at]) => seen.get(k)! - at);
      const p50 = percentile(delays, 50);
      const p95 = percentile(delays, 95);
      const limit = SETTLE_S * 1000 + LATENCY_MS + 500;
      rows.push({
        id: '13a', name: 'watch: last byte → results line',
        figure: `p50 ${f0(p50)} ms, p95 ${f0(p95)} ms (max ${f0(Math.max(...delays))})`,
        target: `p95 ≤ settle + latency + 0.5 s = ${f0(limit)} ms`,
        status: p95 <= limit ? 'pass' : 'miss',
        inputs: `${n} distinct 320×240 JPEGs at 2/s, renamed into the folder; --settle ${SETTLE_S}, -c 4, fake ${LATENCY_MS} ms ±10 %; results.jsonl polled every 10 ms; file system events (inotify); ${loadArrival}`,
      });

      // Idle: nothing arrives. The window opens once the live reports have caught up with the last photo (their
      // coalesced rewrite of report.html and cost-report.json is the last photo's work, not idle cost).
      await settled(path.join(out, 'report.html'));
      const loadIdle = uptime();
      log(`b13: idle ${idleS} s (events) · ${loadIdle}`);
      const idle = await idleWindow(child.pid!, idleS);
      const growthKb = idle.rss.at(-1)! - idle.rss[0]!;
      rows.push({
        id: '13b', name: 'watch: idle (file system events)',
        figure: `CPU ${f2(idle.cpuPct)} % of a core (${idle.ticks} ticks in ${idleS} s); RSS ${f1(idle.rss[0]! / 1024)} → ${f1(idle.rss.at(-1)! / 1024)} MB`,
        target: 'no measurable CPU (≤ 0.1 %), flat memory (≤ 1 MB growth)',
        status: idle.cpuPct <= 0.1 && growthKb <= 1024 ? 'pass' : 'miss',
        inputs: `${idleS} s window${idleS < 600 ? " (not the issue's 10 min)" : ''}, after ${n + 1} photos; /proc/PID/stat utime+stime at ${CLK_TCK} Hz, VmRSS every 5 s: ${idle.rss.map((k) => f1(k / 1024)).join(' ')} MB; ${loadIdle}`,
      });
      const code = await stopWatch(child);
      stopTail();
      const lines = readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n').length;
      if (code !== 0 || lines !== n + 1) ctx.notes.push(`13: watch exited ${code} with ${lines} results for ${n + 1} photos`);

      // The network-share mode: polling every second over the same folder.
      const out2 = freshDir(path.join(WORK, 'tmp', 'watch-out-poll'));
      const seen2 = new Map<string, number>();
      const stopTail2 = tailResults(path.join(out2, 'results.jsonl'), seen2);
      const polled = await startWatch(hot, out2, fake.url, ['--poll', '1s']);
      for (let t = 0; seen2.size < n + 1; t++) {
        if (t > 1200) throw new Error('--poll watch did not take the existing photos in 120 s');
        await sleep(100);
      }
      const loadPoll = uptime();
      log(`b13: idle ${pollIdleS} s (--poll 1s over ${n + 1} files) · ${loadPoll}`);
      const idlePoll = await idleWindow(polled.pid!, pollIdleS);
      await stopWatch(polled);
      stopTail2();
      rows.push({
        id: '13c', name: 'watch --poll 1s: idle (network-share mode)',
        figure: `CPU ${f2(idlePoll.cpuPct)} % of a core; RSS ${f1(idlePoll.rss[0]! / 1024)} → ${f1(idlePoll.rss.at(-1)! / 1024)} MB`,
        target: '≤ 1 % of a core',
        status: idlePoll.cpuPct <= 1 ? 'pass' : 'miss',
        inputs: `${pollIdleS} s window, ${n + 1} files polled (stat) every 1 s; ${loadPoll}`,
      });
      ctx.details.b13 = { delays, idle, idlePoll, loadArrival, loadIdle, loadPoll };
      return rows;
    } finally {
      await fake.close();
    }
  },
};
