import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { Writable } from 'node:stream';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** A private price cache per test process: tests never read or write the developer's ~/.cache. */
const TEST_CACHE = mkdtempSync(path.join(os.tmpdir(), 'photobatch-cache-'));
export const BIN = path.join(REPO_ROOT, 'bin/photobatch.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** Runs the CLI in-process with a clean environment and an empty cwd: the developer's real key or .env never leaks into a test. */
export async function runCli(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; stdin?: string; signals?: (send: (s: string) => void) => void } = {},
): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  let handler: ((s: string) => void) | undefined;
  const io: CliIO = {
    stdout,
    stderr,
    readStdin: async () => opts.stdin ?? '',
    env: { XDG_CACHE_HOME: TEST_CACHE, ...opts.env },
    // An empty folder of its own, never the repository: a developer's .env or photobatch-out must not leak in.
    cwd: opts.cwd ?? mkdtempSync(path.join(os.tmpdir(), 'photobatch-cwd-')),
    onSignal: (h) => {
      handler = h;
      return () => {
        handler = undefined;
      };
    },
  };
  opts.signals?.((s) => handler?.(s));
  const code = await main(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Spawns the built bin (dist/ must be built): for start-up, signals and kill -9. */
export function spawnCli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; stdin?: string } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: TEST_CACHE, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  /** Checks of stderrMatches still waiting, run on each chunk. */
  const watchers = new Set<() => void>();
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const w of [...watchers]) w();
  });
  if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
  else child.stdin.end();
  let exited = false;
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) => {
      exited = true;
      resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : -1), stdout, stderr });
    });
  });
  /**
   * Resolves as soon as stderr matches: a test waits for what the process says (e.g. "waiting for it") rather
   * than for a time. Bounded: rejects if the process ends first or after `timeoutMs`, quoting stderr.
   */
  const stderrMatches = (pattern: RegExp, timeoutMs = 30_000) => new Promise<string>((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      watchers.delete(check);
      child.off('close', ended);
    };
    const check = () => {
      if (!pattern.test(stderr)) return false;
      stop();
      resolve(stderr);
      return true;
    };
    const fail = (why: string) => {
      stop();
      reject(new Error(`${why} before stderr matched ${pattern}; stderr was:\n${stderr}`));
    };
    const ended = () => check() || fail('The process exited');
    const timer = setTimeout(() => fail(`Waited ${timeoutMs} ms`), timeoutMs);
    watchers.add(check);
    child.on('close', ended);
    if (!check() && exited) fail('The process had exited');
  });
  return { child, done, output: () => ({ stdout, stderr }), stderrMatches };
}

/** Parses results.jsonl-style text into objects. */
export function jsonLines(text: string): any[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}
