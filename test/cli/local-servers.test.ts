/**
 * Any OpenAI-compatible endpoint, no key set: each emulated server (test/helpers/fake-*.ts, real shapes with their
 * sources) through the real CLI — kind detection, no OpenRouter-only calls, the vision check before any photo,
 * "not priced" or self-priced costs, LiteLLM's cost header and budget stop, LM Studio's HTTP 200 errors.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOllama } from '../helpers/fake-ollama.js';
import { startFakeLmStudio } from '../helpers/fake-lmstudio.js';
import { startFakeVllm } from '../helpers/fake-vllm.js';
import { startFakeLlamaCpp } from '../helpers/fake-llamacpp.js';
import { startFakeLiteLlm } from '../helpers/fake-litellm.js';
import type { LocalServer } from '../helpers/fake-local.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makePhotoFolder, tempDir } from '../helpers/images.js';

let server: LocalServer | undefined;
let out: string;
let photos: string;

beforeEach(async () => {
  out = await tempDir('photobatch-out-');
  photos = await makePhotoFolder(3);
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// No OPENROUTER_API_KEY anywhere: the point of these tests.
const env = () => ({ OPENROUTER_BASE_URL: server!.url });
const results = async () => jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
const report = async () => JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
const openRouterOnly = () => server!.requests.filter((r) => /\/(key|generation|credits)\b/.test(r.path));

describe('local and proxy servers, no key', () => {
  it('Ollama: detected, vision confirmed by /api/show, photos answered from what the model sees, not priced', async () => {
    server = await startFakeOllama();
    const run = await runCli(['run', photos, '-o', out, '-m', 'qwen2.5vl:7b', '--no-progress'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Server: Ollama at http:\/\/127\.0\.0\.1:\d+\/v1 · model qwen2\.5vl:7b · not priced/);
    expect(run.stderr).toMatch(/Vision: qwen2\.5vl:7b reads images \(Ollama \/api\/show capabilities\)/);
    expect(run.stderr).toMatch(/Cost: not priced: 3 answers/);
    expect(run.stderr).not.toMatch(/key|credits/i);
    const lines = await results();
    expect(lines.map((l) => l.status)).toEqual(['ok', 'ok', 'ok']);
    for (const l of lines) {
      expect(l.output).toMatch(/^A photo with a \w+ upper part/);
      expect(l.usage.cost_usd).toBeNull();
      expect(server.requests.find((r) => r.path === '/v1/chat/completions')?.headers.authorization).toBeUndefined();
    }
    expect(server.chatRequests()).toHaveLength(3);
    expect(openRouterOnly()).toEqual([]);
  });

  it("Ollama: its errors are told as Ollama's, never as OpenRouter's", async () => {
    server = await startFakeOllama();
    const run = await runCli(['run', photos, '-o', out, '-m', 'missing:1b', '--no-vision-check', '--no-progress'], { env: env() });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/missing:1b is not available on Ollama/);
    expect(run.stderr).not.toMatch(/OpenRouter/);
  });

  it('Ollama: a text-only model is refused before any photo is sent', async () => {
    server = await startFakeOllama();
    const run = await runCli(['run', photos, '-o', out, '-m', 'llama3.2:3b', '--no-progress'], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/llama3\.2:3b on Ollama cannot read images \(Ollama \/api\/show capabilities: capabilities: completion, tools\); no photo was sent/);
    expect(server.chatRequests()).toHaveLength(0);
  });

  it('LM Studio: vlm accepted by /api/v0/models type; an llm refused; its HTTP 200 error is named and not retried', async () => {
    server = await startFakeLmStudio();
    const ok = await runCli(['run', photos, '-o', out, '-m', 'qwen2-vl-7b-instruct', '--no-progress'], { env: env() });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/Server: LM Studio/);
    expect(ok.stderr).toMatch(/LM Studio \/api\/v0\/models type/);

    const refused = await runCli(['run', photos, '-o', await tempDir(), '-m', 'meta-llama-3.1-8b-instruct', '--no-progress'], { env: env() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/cannot read images \(LM Studio \/api\/v0\/models type: type: llm\)/);

    // Forced past the check: the server's 200-with-error stops the run after ONE request, with its words.
    const before = server.chatRequests().length;
    const forcedOut = await tempDir();
    const forced = await runCli(['run', photos, '-o', forcedOut, '-m', 'meta-llama-3.1-8b-instruct', '--no-vision-check', '--no-progress', '-c', '1'], { env: env() });
    expect(forced.code).toBe(4);
    expect(forced.stderr).toMatch(/cannot read images \(HTTP 200: Model does not support images/);
    // Each photo asked once: the stop lands while at most one more request was already under way.
    expect(server.chatRequests().length - before).toBeLessThanOrEqual(2);
    const forcedLines = jsonLines(await readFile(path.join(forcedOut, 'results.jsonl'), 'utf8'));
    expect(forcedLines.length).toBeGreaterThan(0);
    for (const l of forcedLines) expect(l).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'model_unavailable' } });
  });

  it('vLLM: no capability endpoint, so one probe image is sent and its answer checked; a blind model is refused', async () => {
    server = await startFakeVllm();
    const ok = await runCli(['run', photos, '-o', out, '-m', 'Qwen/Qwen2.5-VL-7B-Instruct', '--no-progress'], { env: env() });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/Server: vLLM/);
    expect(ok.stderr).toMatch(/Vision: .* reads images \(one-image probe: shown (\w+) over (\w+), answered "top: \1, bottom: \2"\)/);
    expect(server.chatRequests()).toHaveLength(4); // the probe + 3 photos
    await server.close();

    server = await startFakeVllm({ model: 'meta-llama/Llama-3.1-8B-Instruct', vision: false });
    const blind = await runCli(['run', photos, '-o', await tempDir(), '-m', 'meta-llama/Llama-3.1-8B-Instruct', '--no-progress'], { env: env() });
    expect(blind.code).toBe(2);
    expect(blind.stderr).toMatch(/cannot read images \(one-image probe: shown \w+ over \w+, answered "I'm sorry/);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('vLLM with --api-key: the key is sent when given (and only then)', async () => {
    server = await startFakeVllm({ apiKey: 'local-secret-123' });
    const run = await runCli(['run', photos, '-o', out, '-m', 'Qwen/Qwen2.5-VL-7B-Instruct', '--no-progress', '--api-key', 'local-secret-123'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(server.chatRequests().every((r) => r.headers.authorization === 'Bearer local-secret-123')).toBe(true);
    expect(run.stderr).not.toContain('local-secret-123');
  });

  it('llama.cpp: /props modalities decide; a server without --mmproj is refused', async () => {
    server = await startFakeLlamaCpp();
    const ok = await runCli(['run', photos, '-o', out, '-m', 'gemma', '--no-progress'], { env: env() });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/Server: llama\.cpp server/);
    expect(ok.stderr).toMatch(/llama\.cpp \/props modalities/);
    await server.close();
    server = await startFakeLlamaCpp({ vision: false });
    const no = await runCli(['run', photos, '-o', await tempDir(), '-m', 'gemma', '--no-progress'], { env: env() });
    expect(no.code).toBe(2);
    expect(no.stderr).toMatch(/vision: false \(start llama-server with --mmproj\)/);
    expect(server.chatRequests()).toHaveLength(0);
  });

  it('LiteLLM: the bill is the x-litellm-response-cost headers, and budget_exceeded stops the run (exit 4)', async () => {
    const lite = await startFakeLiteLlm({ apiKey: 'sk-litellm-virtual-key-1', maxBudgetUsd: 1 });
    server = lite;
    const run = await runCli(['run', photos, '-o', out, '-m', 'gpt-4o-mini', '--no-progress', '--no-vision-check', '--api-key', 'sk-litellm-virtual-key-1'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Server: LiteLLM proxy/);
    const lines = await results();
    expect(lines.every((l) => l.cost_source === 'header')).toBe(true);
    expect((await report()).cost_usd.billed).toBeCloseTo(lite.spentUsd(), 12);
    await lite.close();

    const spent = await startFakeLiteLlm({ apiKey: 'k', maxBudgetUsd: 0 });
    server = spent;
    const stopped = await runCli(['run', photos, '-o', await tempDir(), '-m', 'gpt-4o-mini', '--no-progress', '--no-vision-check', '--api-key', 'k', '-c', '1'], { env: env() });
    expect(stopped.code).toBe(4);
    expect(stopped.stderr).toMatch(/LiteLLM says the budget is spent \(429: Budget has been exceeded!/);
    // The stop lands while at most one more request was under way; no photo is retried.
    expect(spent.chatRequests().length).toBeLessThanOrEqual(2);
  });

  it('LiteLLM: the billed vision probe counts against --max-cost', async () => {
    const prices = ['--price-in', '100', '--price-out', '400', '--max-tokens', '50'];
    // What one photo may cost at worst, and what the probe really costs on this proxy.
    const dry = JSON.parse((await runCli(['run', photos, '-m', 'gpt-4o-mini', '--dry-run', '--json', ...prices], { env: { OPENROUTER_BASE_URL: 'http://127.0.0.1:1/v1' } })).stdout);
    const worst = dry.totals.worst_usd / 3;
    const first = await startFakeLiteLlm({ pricePerMillion: { in: 100, out: 400 } });
    server = first;
    await runCli(['run', photos, '-o', await tempDir(), '-m', 'gpt-4o-mini', '--no-progress', ...prices, '--max-cost', '0.0000001'], { env: env() });
    const probe = first.spentUsd();
    expect(first.chatRequests()).toHaveLength(1);
    await first.close();

    // Room for one photo's worst case, but not once the probe is paid: no photo may start.
    const lite = await startFakeLiteLlm({ pricePerMillion: { in: 100, out: 400 } });
    server = lite;
    const run = await runCli(['run', photos, '-o', out, '-m', 'gpt-4o-mini', '--no-progress', ...prices, '--max-cost', (worst + probe / 2).toFixed(9)], { env: env() });
    expect(run.stderr).toMatch(/one-image probe/);
    expect(run.code).toBe(4);
    expect(lite.chatRequests()).toHaveLength(1);
    expect(run.stderr).toMatch(/Budget reached after 0 photos/);
  });

  it('self-priced: --price-in/--price-out price every answer from its tokens, and --max-cost holds', async () => {
    server = await startFakeOllama();
    const many = await makePhotoFolder(8);
    const dry = await runCli(['run', many, '-m', 'qwen2.5vl:7b', '--dry-run', '--price-in', '100', '--price-out', '400', '--json'], { env: env() });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).totals.expected_usd).toBeGreaterThan(0);

    const noPrice = await runCli(['run', many, '-o', out, '-m', 'qwen2.5vl:7b', '--max-cost', '0.1', '--no-progress'], { env: env() });
    expect(noPrice.code).toBe(2);
    expect(noPrice.stderr).toMatch(/--max-cost needs a price, and Ollama reports none; pass --price-in and --price-out/);

    const run = await runCli(['run', many, '-o', out, '-m', 'qwen2.5vl:7b', '--price-in', '100', '--price-out', '400', '--max-cost', '0.2', '-c', '1', '--no-progress'], { env: env() });
    const lines = await results();
    const billed = lines.reduce((a, l) => a + (l.usage?.cost_usd ?? 0), 0);
    for (const l of lines.filter((x) => x.status === 'ok')) {
      expect(l.cost_source).toBe('self_priced');
      expect(l.usage.cost_usd).toBeCloseTo((l.usage.prompt_tokens * 100 + l.usage.completion_tokens * 400) / 1e6, 12);
    }
    expect(billed).toBeLessThanOrEqual(0.2);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/Budget reached after \d+ photos/);
    expect(lines.length).toBeLessThan(8);
  });

  it('nothing listening at --base-url: a one-line config error (exit 2), not an OpenRouter message', async () => {
    const run = await runCli(['run', photos, '-o', out, '-m', 'x', '--base-url', 'http://127.0.0.1:1/v1', '--no-progress'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Nothing answers at http:\/\/127\.0\.0\.1:1\/v1; start the server/);
    expect(run.stderr).not.toMatch(/OpenRouter/);
  });

  it('doctor and models work with no key against a local server', async () => {
    server = await startFakeOllama();
    const doc = await runCli(['doctor'], { env: env() });
    expect(doc.code, doc.stderr).toBe(0);
    expect(doc.stderr).toMatch(/server: Ollama at http:\/\/127\.0\.0\.1:\d+\/v1 \(GET \/api\/version\)/);
    expect(doc.stderr).toMatch(/no API key needed/);
    expect(openRouterOnly()).toEqual([]);

    const models = await runCli(['models', '--json'], { env: env() });
    expect(models.code, models.stderr).toBe(0);
    const rows = JSON.parse(models.stdout);
    expect(rows).toEqual([
      expect.objectContaining({ id: 'qwen2.5vl:7b', vision: true, per_photo_usd: null }),
      expect.objectContaining({ id: 'llama3.2:3b', vision: false, per_photo_usd: null }),
    ]);
    expect(models.stderr).toMatch(/Ollama .* not priced/);
  });
});
