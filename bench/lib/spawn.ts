import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { built, fileUrl, WORK } from './util.js';

export interface ChildUsage {
  maxRSSKb: number;
  userUs: number;
  systemUs: number;
  uptimeMs: number;
  /** Peaks of process.memoryUsage() (bytes), sampled every 200 ms. */
  peak?: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  /** [ms, rss MB, heapUsed MB, external MB] every 200 ms. */
  series?: [number, number, number, number][];
}

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** From the usage probe, when the child is node and `probe` was set. */
  usage?: ChildUsage;
  /** Whole machine while the child ran (from /proc/stat): cores busy, of which stolen by the hypervisor. */
  machine?: { busyCores: number; stealCores: number };
  /** CPU seconds this (the parent, fake server) process used while the child ran. */
  parentCpuS: number;
  /** VmRSS samples of the child (kB) with ms since spawn, when `sampleRssMs` was set. */
  rss?: { t: number; kb: number }[];
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Killed (SIGKILL, by pid) after this long. Every child is bounded. */
  timeoutMs: number;
  /** `node` children only: preload the usage probe. */
  probe?: boolean;
  sampleRssMs?: number;
  stdin?: string;
  /** Keep at most this many chars of stdout (default 50 MB). */
  maxStdout?: number;
}

/** Jiffies of all CPUs from /proc/stat: [busy, steal, total]. */
function procStat(): [number, number, number] | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
    const total = user + nice + system + idle + iowait + irq + softirq + steal;
    return [total - idle - iowait - steal, steal, total];
  } catch {
    return undefined;
  }
}

let seq = 0;
const active = new Set<number>();

/** Kills (by pid) every child this process started that is still running: used by the run-wide watchdog. */
export function killActiveChildren(): void {
  for (const pid of active) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  active.clear();
}

/** Spawns `cmd args`; for node children pass cmd = process.execPath and put node flags first in args. */
export function run(cmd: string, args: string[], opts: SpawnOptions): Promise<ChildRun> {
  const usageFile = path.join(WORK, 'tmp', `usage-${process.pid}-${++seq}.json`);
  rmSync(usageFile, { force: true });
  const finalArgs = opts.probe ? ['--import', fileUrl(built('lib/usage-probe.js')), ...args] : args;
  const env = { ...opts.env, ...(opts.probe ? { BENCH_USAGE_FILE: usageFile } : {}) };
  const maxStdout = opts.maxStdout ?? 50_000_000;
  return new Promise<ChildRun>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const stat0 = procStat();
    const cpu0 = process.cpuUsage();
    const child = spawn(cmd, finalArgs, { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid) active.add(child.pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const rss: { t: number; kb: number }[] = [];
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < maxStdout) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 1_000_000) stderr += d.toString();
    });
    child.stdin.on('error', () => {});
    if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
    else child.stdin.end();
    const killer = setTimeout(() => {
      timedOut = true;
      if (child.pid) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }, opts.timeoutMs);
    let sampler: NodeJS.Timeout | undefined;
    if (opts.sampleRssMs && child.pid) {
      const statusFile = `/proc/${child.pid}/status`;
      sampler = setInterval(() => {
        try {
          const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(statusFile, 'utf8'));
          if (m) rss.push({ t: Number(process.hrtime.bigint() - started) / 1e6, kb: Number(m[1]) });
        } catch {
          /* exited */
        }
      }, opts.sampleRssMs);
    }
    child.on('error', (e) => {
      clearTimeout(killer);
      if (sampler) clearInterval(sampler);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (child.pid) active.delete(child.pid);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const cpu = process.cpuUsage(cpu0);
      const stat1 = procStat();
      const cores = os.availableParallelism();
      const machine = stat0 && stat1 && stat1[2] > stat0[2]
        ? { busyCores: ((stat1[0] - stat0[0]) / (stat1[2] - stat0[2])) * cores, stealCores: ((stat1[1] - stat0[1]) / (stat1[2] - stat0[2])) * cores }
        : undefined;
      clearTimeout(killer);
      if (sampler) clearInterval(sampler);
      let usage: ChildUsage | undefined;
      if (opts.probe && existsSync(usageFile)) {
        try {
          usage = JSON.parse(readFileSync(usageFile, 'utf8')) as ChildUsage;
        } catch {
          usage = undefined;
        }
        rmSync(usageFile, { force: true });
      }
      resolve({ code, signal, wallMs, stdout, stderr, timedOut, parentCpuS: (cpu.user + cpu.system) / 1e6, ...(machine ? { machine } : {}), ...(usage ? { usage } : {}), ...(opts.sampleRssMs ? { rss } : {}) });
    });
  });
}

export const cpuSeconds = (u: ChildUsage | undefined): number => (u ? (u.userUs + u.systemUs) / 1e6 : Number.NaN);
