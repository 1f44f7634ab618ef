/**
 * The output folder under attack: two runs at once, stale locks, a disk that fills up mid-run, a
 * read-only folder. Each test says what the user sees, and checks that every answer the server
 * billed is on disk somewhere the message names, and that nothing is paid twice.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, runCli, spawnCli } from '../helpers/run-cli.js';
import { makePhotoFolder, tempDir } from '../helpers/images.js';
import { waitFor } from '../helpers/wait-for.js';

const KEY = 'sk-or-v1-' + 'f00d'.repeat(16);
let server: FakeServer | undefined;
const mounts: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const m of mounts.splice(0)) {
    try {
      execFileSync('umount', ['-l', m]);
    } catch {
      // already gone
    }
  }
});
/** Whether this machine lets a test mount a tmpfs (root in a container does; most CI users do not). */
const CAN_MOUNT = (() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'photobatch-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();
const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server!.url });
const results = (out: string) => jsonLines(readFileSync(path.join(out, 'results.jsonl'), 'utf8'));

/** A real tmpfs of `size`, where the machine lets us mount one (root in a container, CI as root); else undefined. */
async function tmpfs(size: string): Promise<string | undefined> {
  const dir = await tempDir('photobatch-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    mounts.push(dir);
    return dir;
  } catch {
    return undefined;
  }
}

describe('one run per out folder', () => {
  it('a second run on the same --out exits 2 naming the first; nothing is billed twice and no line is torn', async () => {
    // The first run's answers are held until the second has given up: it is busy then, however loaded the machine.
    server = await startFakeOpenRouter({ hold: () => true });
    const dir = await makePhotoFolder(8);
    const out = await tempDir();
    const args = ['run', dir, '-o', out, '-c', '2', '--quiet'];
    const first = spawnCli(args, { env: env() });
    await waitFor('the first run to send a photo', () => server!.chatRequests().length > 0);
    const second = await spawnCli(args, { env: env() }).done;
    server.release();

    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`is in use by process ${first.child.pid} on ${os.hostname()}.*--wait-lock`));
    expect((await first.done).code).toBe(0);
    expect(server.chatRequests()).toHaveLength(8);
    const lines = results(out);
    expect(lines.filter((l) => l.status === 'ok')).toHaveLength(8);
    expect(existsSync(path.join(out, '.photobatch.lock'))).toBe(false);
  });

  it('--wait-lock queues behind the first run, then finds everything done and pays for nothing', async () => {
    // The first run's answers are held until the second says it is waiting: the queue is what is tested, not a race.
    server = await startFakeOpenRouter({ hold: () => true });
    const dir = await makePhotoFolder(6);
    const out = await tempDir();
    const args = ['run', dir, '-o', out, '-c', '2'];
    const first = spawnCli(args, { env: env() });
    await waitFor('the first run to send a photo', () => server!.chatRequests().length > 0);
    const waiting = spawnCli([...args, '--wait-lock', '2m'], { env: env() });
    await waiting.stderrMatches(new RegExp(`in use by process ${first.child.pid} .*waiting for it`));
    // Only the first run's photos (two at -c 2) have been sent: the queued run sends nothing while it waits.
    expect(server.chatRequests().length).toBeLessThanOrEqual(2);
    server.release();
    const second = await waiting.done;

    expect((await first.done).code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/0 ok · 0 failed · 6 skipped/);
    expect(server.chatRequests()).toHaveLength(6);
  });

  it('a lock left by a dead process on this host is taken over; one from another host is not', async () => {
    server = await startFakeOpenRouter();
    const dir = await makePhotoFolder(1);
    const out = await tempDir();
    writeFileSync(path.join(out, '.photobatch.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), started: '2026-01-01T00:00:00Z' }));
    expect((await runCli(['run', dir, '-o', out], { env: env() })).code).toBe(0);

    writeFileSync(path.join(out, '.photobatch.lock'), JSON.stringify({ pid: 4242, host: 'studio-mac.local', started: '2026-01-01T00:00:00Z' }));
    const blocked = await runCli(['run', dir, '-o', out, '--force'], { env: env() });
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/in use by process 4242 on studio-mac\.local.*If that run is gone, delete .*\.photobatch\.lock/);
    expect(server.chatRequests()).toHaveLength(1);
  });
});

describe('planted links', () => {
  it('results.jsonl planted as a symlink to the user\'s file: nothing is appended to it, exit 5 naming the link, nothing sent', async () => {
    server = await startFakeOpenRouter();
    const dir = await makePhotoFolder(1);
    const out = await tempDir();
    const victim = path.join(await tempDir(), 'thesis.txt');
    writeFileSync(victim, 'chapter one\n');
    symlinkSync(victim, path.join(out, 'results.jsonl'));
    const run = await runCli(['run', dir, '-o', out], { env: env() });
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/a symbolic link stands where photobatch writes its own file/);
    expect(readFileSync(victim, 'utf8')).toBe('chapter one\n');
    expect(server.chatRequests()).toHaveLength(0);
  });
});

describe('disk full and read-only', () => {
  it.skipIf(!CAN_MOUNT)('the disk (a real tmpfs) fills up mid-run: no new request starts, every billed answer is kept (results.jsonl, then a named file), exit 5 naming ENOSPC', async () => {
    const mounted = (await tmpfs('512k'))!;
    const out = path.join(mounted, 'out');
    // After the 3rd answer is billed and before it arrives, the file system is filled to the last byte.
    const fill = () => {
      for (const size of [65536, 4096, 1]) {
        try {
          for (let i = 0; ; i++) writeFileSync(path.join(mounted, `filler-${size}-${i}`), Buffer.alloc(size));
        } catch {
          // ENOSPC at this size: try smaller pieces
        }
      }
    };
    // Answers of 8 KB: each line needs new blocks, as on a real disk with big answers.
    server = await startFakeOpenRouter({
      content: (req) => `Caption ${req.n} ` + 'x'.repeat(8000),
      handler: (req) => {
        if (req.n === 3) fill();
        return undefined;
      },
    });
    const dir = await makePhotoFolder(8);
    mkdirSync(out, { recursive: true });
    const run = await runCli(['run', dir, '-o', out, '-c', '1', '--no-contact-sheet'], { env: env() });

    // What the user sees: the cause in words, where the unsaved answers are, and the exit code for "output failed".
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/disk is full \(ENOSPC\)/);
    expect(run.stderr).not.toMatch(/a bug|at .*\.js:\d+/);
    const saved = results(out).filter((l) => l.status === 'ok');
    const where = /saved in (\S+\.jsonl)/.exec(run.stderr)?.[1];
    expect(where, run.stderr).toBeDefined();
    const rescued = jsonLines(await readFile(where!, 'utf8'));
    rmSync(where!);
    // Every answer the server billed is in results.jsonl or in the file the message names. No request starts once
    // the failure is known; at -c 1 the next photo may already have been sent while the 3rd answer's sidecars and
    // line were being written (its slot is free as soon as its answer arrives), so at most one more is paid, and kept.
    expect(saved).toHaveLength(2);
    expect(rescued.length).toBeGreaterThanOrEqual(1);
    expect(rescued.length).toBeLessThanOrEqual(2);
    expect(server.chatRequests()).toHaveLength(saved.length + rescued.length);
    expect(new Set([...saved, ...rescued].map((l) => l.generation_id))).toEqual(new Set(server.billed.map((b) => b.id)));
  });

  it('a read-only --out stops before anything is sent, with exit 5 and the cause named', async () => {
    const mounted = await tmpfs('1m');
    const out = mounted ?? (await tempDir());
    if (mounted) execFileSync('mount', ['-o', 'remount,ro', mounted]);
    else if (process.getuid?.() !== 0) execFileSync('chmod', ['555', out]);
    else return; // root without mount: neither a read-only mount nor permissions can be had here
    server = await startFakeOpenRouter();
    const dir = await makePhotoFolder(2);
    const run = await runCli(['run', dir, '-o', out], { env: env() });
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(new RegExp(`Cannot write to the output folder ${out}: (the file system is read-only \\(EROFS\\)|permission denied \\(EACCES\\))`));
    expect(server.chatRequests()).toHaveLength(0);
  });
});
