/**
 * photobatch in a pipeline and a terminal that goes away: `run --json | head -1` (EPIPE) and SIGHUP.
 * The built CLI runs as a real process. Each test says what the user sees, and checks that every
 * answer billed is in results.jsonl and the reports are written.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { BIN, jsonLines, spawnCli } from '../helpers/run-cli.js';
import { makePhotoFolder, tempDir } from '../helpers/images.js';
import { waitFor } from '../helpers/wait-for.js';

const KEY = 'sk-or-v1-' + 'beef'.repeat(16);
let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const results = (out: string) => jsonLines(readFileSync(path.join(out, 'results.jsonl'), 'utf8'));

describe('pipes and signals', () => {
  it('`run --json | head -1`: one line reaches head, the run stops quietly like a Unix filter (141), in-flight answers and the reports are kept', async () => {
    server = await startFakeOpenRouter({ latencyMs: 400 });
    const dir = await makePhotoFolder(12);
    const out = await tempDir();
    const script = `"${process.execPath}" "${BIN}" run "${dir}" -o "${out}" -c 2 --json | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`;
    const child = spawn('bash', ['-c', script], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise((resolve) => child.on('close', resolve));

    // What the user sees: exactly one JSON line, no stack trace, no "bug".
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(stdout).status).toBe('ok');
    expect(stderr).toMatch(/exit=141/);
    expect(stderr).not.toMatch(/EPIPE|a bug|Error:|at .*\.js:\d+/);
    // Nothing paid for is lost: every billed answer is in results.jsonl, and the run stopped early.
    const ok = results(out).filter((l) => l.status === 'ok');
    expect(new Set(ok.map((l) => l.generation_id))).toEqual(new Set(server.billed.map((b) => b.id)));
    expect(server.billed.length).toBeLessThan(12);
    expect(existsSync(path.join(out, 'cost-report.json'))).toBe(true);
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
  });

  it('SIGHUP (the terminal closed) behaves like SIGTERM: the photos in flight finish and are saved, exit 130', async () => {
    // The answers are held until the run says it is finishing: the hang-up lands with two photos in flight, always.
    server = await startFakeOpenRouter({ hold: () => true });
    const dir = await makePhotoFolder(8);
    const out = await tempDir();
    const run = spawnCli(['run', dir, '-o', out, '-c', '2'], { env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url } });
    await waitFor('two photos in flight', () => server!.held === 2);
    run.child.kill('SIGHUP');
    await run.stderrMatches(/Interrupted: finishing the photos in flight/);
    server.release();
    const done = await run.done;

    expect(done.code).toBe(130);
    // The two in flight are finished and saved; no photo is started after the hang-up.
    const ok = results(out).filter((l) => l.status === 'ok');
    expect(ok).toHaveLength(2);
    expect(new Set(ok.map((l) => l.generation_id))).toEqual(new Set(server.billed.map((b) => b.id)));
    expect(existsSync(path.join(out, 'cost-report.json'))).toBe(true);
  });
});
