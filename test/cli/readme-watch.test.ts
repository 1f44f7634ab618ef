/**
 * The `photobatch watch` commands of the README section "Live events and photobooths", run as written
 * in a working folder holding ./hot, ./booth and a stand-in for /mnt/nas/event: each takes the photo
 * already there, keeps watching, and ends with exit 0 on Ctrl-C.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageOutputReply, startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { makeJpeg, tempDir } from '../helpers/images.js';
import { waitFor } from '../helpers/wait-for.js';

const KEY = 'sk-or-v1-' + '5e5e'.repeat(16);
const NAS = '/mnt/nas/event';
let server: FakeServer;
let cwd: string;

async function readmeWatchCommands(): Promise<string[]> {
  const text = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = text.indexOf('## Live events and photobooths');
  expect(start).toBeGreaterThan(-1);
  const body = text.slice(start, text.indexOf('\n## ', start + 5));
  return (body.match(/```sh\n([\s\S]*?)```/g) ?? []).flatMap((b) => b.split('\n').filter((l) => l.startsWith('photobatch watch ')));
}

/** Splits a README command line into argv (double quotes only, as the README writes them). */
const argv = (line: string) => (line.match(/"[^"]*"|\S+/g) ?? []).map((a) => a.replace(/^"|"$/g, '')).slice(1);

beforeAll(async () => {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c00' } }).png().toBuffer();
  server = await startFakeOpenRouter({
    models: [{ id: 'google/gemini-2.5-flash', pricing: { prompt: '0.0000003', completion: '0.0000025' }, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } }],
    // Presets ask for JSON: answer in that shape.
    content: (req) => (req.body?.response_format ? JSON.stringify({ caption: 'Guests arrive at the door', keywords: ['wedding', 'guests', 'door', 'evening', 'hanoi'] }) : 'A caption'),
    handler: (req) => (req.body?.modalities?.includes('image') ? imageOutputReply(req.n, `data:image/png;base64,${png.toString('base64')}`) : undefined),
  });
  cwd = await tempDir('photobatch-readme-watch-');
  for (const dir of ['hot', 'booth', 'nas']) {
    await mkdir(path.join(cwd, dir));
    await makeJpeg(path.join(cwd, dir, dir === 'booth' ? 'guest 01.jpg' : 'IMG_0001.jpg'), { seed: ['hot', 'booth', 'nas'].indexOf(dir) + 1 });
  }
});
afterAll(async () => {
  await server?.close();
});

describe('README: Live events and photobooths', () => {
  it('has the three commands', async () => {
    expect(await readmeWatchCommands()).toHaveLength(3);
  });

  it.each([0, 1, 2])('command %i runs as written', async (i) => {
    const line = (await readmeWatchCommands())[i]!;
    const args = argv(line).map((a) => (a === NAS ? path.join(cwd, 'nas') : a));
    const out = path.join(cwd, args[args.indexOf('-o') + 1]!);
    let send: (s: string) => void = () => {};
    const pending = runCli(args, { cwd, env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url }, signals: (s) => (send = s) });
    const results = path.join(out, 'results.jsonl');
    const mine = path.basename(args[1]!) === 'nas' ? 'IMG_0001.jpg' : undefined;
    const [first] = await waitFor(`a result of: ${line}`, async () => {
      const lines = existsSync(results) ? jsonLines(await readFile(results, 'utf8')).filter((l) => !mine || l.path.includes(`${path.sep}nas${path.sep}`)) : [];
      return lines.length > 0 ? lines : undefined;
    });
    send('SIGINT');
    expect(first.status, JSON.stringify(first.error)).toBe('ok');
    const run = await pending;
    expect(run.code, run.stderr).toBe(0);
    if (line.includes('image,text')) expect(existsSync(path.join(out, 'guest 01.jpg.ai-1.png'))).toBe(true);
  });
});
