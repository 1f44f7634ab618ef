/**
 * Behaviours the README promises that had no test: a photo the provider refuses as an image is
 * re-compressed smaller and sent once more; a second Ctrl-C aborts the requests in flight.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { errorReplies, startFakeOpenRouter, type FakeRequest, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makeJpeg, tempDir } from '../helpers/images.js';
import { waitFor } from '../helpers/wait-for.js';

const KEY = 'sk-or-v1-' + 'c3d4'.repeat(16);
let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server!.url });
const sent = async (req: FakeRequest) => {
  const url: string = req.body.messages[0].content.find((c: any) => c.type === 'image_url').image_url.url;
  const data = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  const meta = await sharp(data).metadata();
  return { edge: Math.max(meta.width!, meta.height!), bytes: data.length };
};

describe('second chances', () => {
  it('an image the provider refuses is re-compressed (half the edge, at least 512 px) and sent once more', async () => {
    // Refuses any image over 1500 px on its long edge, the way a provider with a pixel limit does.
    server = await startFakeOpenRouter({
      handler: async (req) => ((await sent(req)).edge > 1500 ? errorReplies.imageError('invalid_image', 400) : undefined),
    });
    const dir = await tempDir('photobatch-big-');
    await makeJpeg(path.join(dir, 'big.jpg'), { width: 2400, height: 1600, seed: 5 });
    const out = await tempDir('photobatch-out-');
    const run = await runCli(['run', dir, '-o', out, '--max-edge', '2048'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const [first, second] = await Promise.all(server.chatRequests().map(sent));
    expect(server.chatRequests()).toHaveLength(2);
    expect(first!.edge).toBe(2048);
    expect(second!.edge).toBe(1024);
    const [line] = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    expect(line.status).toBe('ok');
    expect(line.sent.width).toBe(1024);
  });

  it('a refused image gets one second chance only: then it fails with the provider\'s kind', async () => {
    server = await startFakeOpenRouter({ handler: () => errorReplies.imageError('invalid_image', 400) });
    const dir = await tempDir('photobatch-big-');
    await makeJpeg(path.join(dir, 'big.jpg'), { width: 2400, height: 1600, seed: 6 });
    const out = await tempDir('photobatch-out-');
    const run = await runCli(['run', dir, '-o', out, '--max-edge', '2048'], { env: env() });
    expect(run.code).toBe(3);
    expect(server.chatRequests()).toHaveLength(2);
    const [line] = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    expect([line.status, line.error.kind]).toEqual(['failed', 'invalid_image']);
  });

  it('run: a second Ctrl-C aborts the requests in flight at once (exit 130, nothing recorded as answered)', async () => {
    server = await startFakeOpenRouter({ handler: () => ({ hang: true }) });
    const dir = await tempDir('photobatch-hang-');
    for (let i = 0; i < 3; i++) await makeJpeg(path.join(dir, `p${i}.jpg`), { seed: 50 + i });
    const out = await tempDir('photobatch-out-');
    let send: (s: string) => void = () => {};
    const pending = runCli(['run', dir, '-o', out, '-c', '2'], { env: env(), signals: (s) => (send = s) });
    await waitFor('two requests in flight', () => server!.inFlight === 2 || undefined);
    send('SIGINT');
    send('SIGINT');
    const run = await pending;
    expect(run.code).toBe(130);
    const text = await readFile(path.join(out, 'results.jsonl'), 'utf8').catch(() => '');
    expect(jsonLines(text).filter((l) => l.status === 'ok')).toHaveLength(0);
  });
});
