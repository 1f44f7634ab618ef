import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, spawnCli } from '../helpers/run-cli.js';
import { makePhotoFolder, tempDir } from '../helpers/images.js';
import { waitFor } from '../helpers/wait-for.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
});

const imageOf = (req: { body: any }) =>
  createHash('sha256').update(String(req.body.messages[0].content[1].image_url.url)).digest('hex');

describe('kill -9 in the middle of a run', () => {
  it('a re-run of the same command ends with every photo ok exactly once; only in-flight photos are sent twice', async () => {
    // Twelve answers come back; the next ones are held, so the kill lands mid-run however loaded the machine is.
    server = await startFakeOpenRouter({ latencyMs: 80, hold: (req) => req.n > 12 });
    const dir = await makePhotoFolder(40);
    const out = await tempDir();
    const env = { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL: server.url };
    const concurrency = 4;
    const args = ['run', dir, '-o', out, '-c', String(concurrency), '--quiet'];

    const first = spawnCli(args, { env });
    await waitFor('every slot of the first run to wait on a held answer', () => server!.held === concurrency);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).toBe(137);
    server.release();

    const second = await spawnCli(args, { env }).done;
    expect(second.code).toBe(0);

    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    const ok = lines.filter((l) => l.status === 'ok');
    expect(ok).toHaveLength(40);
    expect(new Set(ok.map((l) => l.file)).size).toBe(40);

    const seen = new Map<string, number>();
    for (const req of server.chatRequests()) seen.set(imageOf(req), (seen.get(imageOf(req)) ?? 0) + 1);
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    expect(seen.size).toBe(40);
    expect(duplicates).toBeLessThanOrEqual(concurrency);
  }, 60_000);
});
