/**
 * The commands of the README sections "Run locally", "Pay less: flex and :floor" and "Which model? photobatch
 * compare", run as written: localhost ports are mapped to the emulated servers, OpenRouter to its fake (with a
 * key), and ./event-photos to a folder of photos in the working directory.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama } from '../helpers/fake-ollama.js';
import { startFakeLmStudio } from '../helpers/fake-lmstudio.js';
import { startFakeVllm } from '../helpers/fake-vllm.js';
import { startFakeLlamaCpp } from '../helpers/fake-llamacpp.js';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import type { LocalServer } from '../helpers/fake-local.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { makeJpeg, tempDir } from '../helpers/images.js';

const SECTIONS = ['## Run locally (Ollama, LM Studio, vLLM, llama.cpp)', '## Pay less: flex and :floor', '## Which model? photobatch compare'];

async function readmeCommands(): Promise<string[]> {
  const text = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const out: string[] = [];
  for (const heading of SECTIONS) {
    const start = text.indexOf(heading);
    expect(start, heading).toBeGreaterThan(-1);
    const end = text.indexOf('\n## ', start + heading.length);
    const body = text.slice(start, end === -1 ? undefined : end);
    for (const block of body.match(/```sh\n([\s\S]*?)```/g) ?? []) {
      for (const line of block.split('\n')) if (line.startsWith('photobatch ')) out.push(line.trim());
    }
    for (const m of body.matchAll(/`(photobatch [^`]+)`/g)) out.push(m[1]!);
  }
  return out;
}

const listed = (id: string, p: string, c: string) => ({ id, pricing: { prompt: p, completion: c }, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } });
const KEY = 'sk-or-v1-' + '77aa'.repeat(16);
let servers: Record<string, LocalServer>;
let openrouter: FakeServer;
let cwd: string;
let xdg: string;

beforeAll(async () => {
  servers = {
    'localhost:11434': await startFakeOllama(), 'localhost:1234': await startFakeLmStudio(),
    'localhost:8000': await startFakeVllm(), 'localhost:8080': await startFakeLlamaCpp(),
  };
  openrouter = await startFakeOpenRouter({
    models: [listed('google/gemini-2.5-flash', '0.0000003', '0.0000025'), listed('openai/gpt-4o-mini', '0.00000015', '0.0000006'), listed('anthropic/claude-haiku-4.5', '0.000001', '0.000005')],
    flex: { ratio: 0.5 }, cost: () => 0.0002,
  });
  cwd = await tempDir('photobatch-readme-');
  xdg = await tempDir('photobatch-xdg-');
  await mkdir(path.join(cwd, 'event-photos'));
  for (let i = 0; i < 4; i++) await makeJpeg(path.join(cwd, 'event-photos', `IMG_${i}.jpg`), { width: i % 2 ? 300 : 400, height: i % 2 ? 400 : 300, seed: i + 3 });
});
afterAll(async () => {
  for (const s of Object.values(servers ?? {})) await s.close();
  await openrouter?.close();
});

describe('README recipes for endpoints, tiers and compare', () => {
  it('every command works as written', async () => {
    const commands = await readmeCommands();
    expect(commands.length).toBeGreaterThanOrEqual(12);
    await runCli(['models', '--refresh'], { cwd, env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: openrouter.url, XDG_CACHE_HOME: xdg } });
    for (const command of commands) {
      const local = Object.keys(servers).find((host) => command.includes(`http://${host}/v1`));
      const args = command.replace(/^photobatch /, '').split(/\s+/)
        .map((a) => (local && a === `http://${local}/v1` ? servers[local]!.url : a));
      const env = local ? { XDG_CACHE_HOME: xdg } : { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: openrouter.url, XDG_CACHE_HOME: xdg };
      const run = await runCli(args, { cwd, env });
      expect(run.code, `${command}\n${run.stderr}`).toBe(0);
    }
  }, 120_000);
});
