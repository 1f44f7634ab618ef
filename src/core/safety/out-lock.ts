import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PhotobatchError } from '../errors.js';

export const LOCK_FILE = '.photobatch.lock';

/** Who holds an output folder. */
export interface LockHolder {
  pid: number;
  host: string;
  started: string;
}

/** Another run is writing to the same output folder: two writers would pay twice and tear results.jsonl. */
export class OutDirLockedError extends PhotobatchError {
  readonly holder: LockHolder | undefined;
  constructor(message: string, holder: LockHolder | undefined) {
    super(message, { code: 'PHOTOBATCH_OUT_LOCKED' });
    this.holder = holder;
  }
}

export interface OutLock {
  readonly file: string;
  release(): void;
}

export interface LockOptions {
  /** Wait up to this long for the other run to finish (--wait-lock); 0 = fail at once. */
  waitMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  /** Told once when the folder is busy and we wait. */
  onWait?: (holder: LockHolder | undefined) => void;
  /** Injected for tests. */
  isAlive?: (pid: number) => boolean;
  host?: string;
}

/**
 * One run per output folder. The lock is a file created with O_EXCL inside the folder itself, so
 * the folder is recognised however it is reached (symlink, bind mount, relative path). It holds the
 * PID and host; a lock whose process is gone on this host is stale and taken over.
 */
export async function acquireOutLock(outDir: string, opts: LockOptions = {}): Promise<OutLock> {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, LOCK_FILE);
  const host = opts.host ?? os.hostname();
  const isAlive = opts.isAlive ?? processAlive;
  const deadline = Date.now() + (opts.waitMs ?? 0);
  let told = false;
  for (;;) {
    const mine: LockHolder = { pid: process.pid, host, started: new Date().toISOString() };
    if (tryCreate(file, mine)) return { file, release: () => releaseIfMine(file, mine) };
    const holder = readHolder(file);
    if (isStale(file, holder, host, isAlive)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline || opts.signal?.aborted) throw lockedError(outDir, holder, opts.waitMs ?? 0);
    if (!told) opts.onWait?.(holder);
    told = true;
    await new Promise((r) => setTimeout(r, Math.min(opts.pollMs ?? 1000, Math.max(1, deadline - Date.now()))));
  }
}

function tryCreate(file: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(holder) + '\n');
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') return { pid: v.pid, host: v.host, started: String(v.started ?? '') };
  } catch {
    // unreadable or half-written: judged by its age below
  }
  return undefined;
}

function isStale(file: string, holder: LockHolder | undefined, host: string, isAlive: (pid: number) => boolean): boolean {
  if (!holder) {
    // A lock being written right now is a few microseconds old; one that stays unreadable was torn by a crash.
    try {
      return Date.now() - statSync(file).mtimeMs > 10_000;
    } catch {
      return true; // gone meanwhile
    }
  }
  // Another machine's process cannot be checked from here: only its owner (or the user) may clear it.
  if (holder.host !== host) return false;
  if (holder.pid === process.pid) return false;
  return !isAlive(holder.pid) || startedAfter(holder);
}

/**
 * After a crash and a reboot the lock's PID may belong to an unrelated process. On Linux the
 * process start time is in /proc/<pid>/stat (field 22, in USER_HZ ticks of 1/100 s since boot,
 * the `btime` of /proc/stat): a process that started after the lock was taken is not its holder.
 * Elsewhere (or when /proc cannot be read) the PID alone decides.
 */
function startedAfter(holder: LockHolder): boolean {
  const locked = Date.parse(holder.started);
  if (!Number.isFinite(locked)) return false;
  try {
    const stat = readFileSync(`/proc/${holder.pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(boot)) return false;
    return boot * 1000 + ticks * 10 > locked + 5_000;
  } catch {
    return false;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfMine(file: string, mine: LockHolder): void {
  const current = readHolder(file);
  if (current && current.pid === mine.pid && current.host === mine.host && current.started === mine.started) rmSync(file, { force: true });
}

function lockedError(outDir: string, holder: LockHolder | undefined, waitedMs: number): OutDirLockedError {
  const who = holder ? `process ${holder.pid} on ${holder.host}${holder.started ? `, started ${holder.started}` : ''}` : 'another run';
  const waited = waitedMs > 0 ? ` (waited ${Math.round(waitedMs / 1000)}s)` : '';
  const remote = holder && holder.host !== os.hostname() ? ` If that run is gone, delete ${path.join(outDir, LOCK_FILE)}.` : '';
  return new OutDirLockedError(
    `${outDir} is in use by ${who}${waited}; wait for it, pass --wait-lock to queue behind it, or use another --out.${remote}`,
    holder,
  );
}
