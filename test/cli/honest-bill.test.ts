/**
 * The bill against the answers OpenRouter really sends (issue 9): billed-but-unusable answers are in the bill and
 * the budget, --max-cost caps the folder across runs, --max-cost-per-day caps a day, BYOK answers are billed at
 * the provider's charge, and each 403 variant gets its own kind and exit code.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { estimateTextTokens } from '../../src/core/pricing/estimate.js';
import { parseModelPrice } from '../../src/core/pricing/prices.js';
import {
  billedReplies, errorReplies, startFakeOpenRouter, type FakeOptions, type FakeReply, type FakeRequest, type FakeServer,
} from '../helpers/fake-openrouter.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makePhotoFolder, tempDir } from '../helpers/images.js';

const KEY = 'sk-or-v1-' + '9a9b'.repeat(16);
const MODEL = 'google/gemini-2.5-flash';
const LISTED = { id: MODEL, pricing: { prompt: '0.000001', completion: '0.000002' }, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } };
const PRICE = parseModelPrice(LISTED);
const MAX_TOKENS = 100;
const COMPLETION = 60;
const IMAGE_TOKENS = 258; // Gemini 2.5: flat per image

const promptTokens = (req: FakeRequest) => estimateTextTokens(req.body?.messages?.[0]?.content?.[0]?.text ?? '') + IMAGE_TOKENS;
const usd = (prompt: number, completion: number) => prompt * PRICE.prompt! + completion * PRICE.completion!;

let server: FakeServer;
let xdg: string;
/** What the fake charged for billed failures (also in server.billed, with the successes). */
let paid: number[];

async function start(opts: FakeOptions = {}) {
  server = await startFakeOpenRouter({
    models: [LISTED], promptTokens, completionTokens: COMPLETION, cost: (req) => usd(promptTokens(req), COMPLETION), ...opts,
  });
}
beforeEach(async () => {
  paid = [];
  xdg = await tempDir('photobatch-xdg-');
});
afterEach(async () => {
  await server?.close();
});

const totalPaid = () => server.billed.reduce((a, b) => a + b.cost, 0);
const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url, XDG_CACHE_HOME: xdg });
const run = (dir: string, out: string, extra: string[] = []) =>
  runCli(['run', dir, '-o', out, '-m', MODEL, '--max-tokens', String(MAX_TOKENS), '-c', '1', '--no-contact-sheet', ...extra], { env: env() });
const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8'));

/** Every third answer is a refusal and every third an empty answer after reasoning: both billed. */
function unusableEveryThird(req: FakeRequest): FakeReply | undefined {
  const prompt = promptTokens(req);
  if (req.n % 3 === 1) {
    const cost = usd(prompt, 12);
    paid.push(cost);
    return billedReplies.refusal(req, prompt, 12, cost);
  }
  if (req.n % 3 === 2) {
    const cost = usd(prompt, MAX_TOKENS);
    paid.push(cost);
    return billedReplies.reasoningExhausted(req, prompt, cost);
  }
  return undefined;
}

describe('billed but unusable answers', () => {
  it('a refusal and an empty answer after reasoning are in results.jsonl, cost-report.json and the CSV', async () => {
    await start({ handler: unusableEveryThird });
    const dir = await makePhotoFolder(6);
    const out = await tempDir('photobatch-out-');
    const r = await run(dir, out);
    expect(r.code).toBe(3);
    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    const refused = lines.filter((l) => l.error?.kind === 'refused');
    const empty = lines.filter((l) => l.error?.kind === 'empty_response');
    expect(refused).toHaveLength(2);
    expect(empty).toHaveLength(2);
    for (const l of [...refused, ...empty]) {
      expect(l.status).toBe('failed');
      expect(l.usage.cost_usd).toBeGreaterThan(0);
      expect(l.error.message).toMatch(/billed/);
      // Billed failures are not retried (a retry re-buys the same failure).
      expect(l.attempts).toBe(1);
    }
    expect(empty[0].usage.reasoning_tokens).toBe(MAX_TOKENS);
    const report = await readJson(path.join(out, 'cost-report.json'));
    expect(report.cost_usd.billed).toBeCloseTo(totalPaid(), 12);
    expect(report.cost_usd.failed_billed).toBeCloseTo(paid.reduce((a, b) => a + b, 0), 12);
    expect(r.stderr).toMatch(/paid for unusable answers/);
    const csv = (await readFile(path.join(out, 'cost-report.csv'), 'utf8')).trim().split('\n').slice(1);
    const csvTotal = csv.reduce((sum, row) => sum + Number(row.split(',')[7]), 0);
    expect(csvTotal).toBeCloseTo(totalPaid(), 12);
    expect(csv.filter((row) => /,refused$|,empty_response$/.test(row))).toHaveLength(4);
  });

  it('they count against a tight --max-cost: the run stops and never bills past the cap', async () => {
    await start({ handler: unusableEveryThird });
    const dir = await makePhotoFolder(12);
    const out = await tempDir('photobatch-out-');
    const cap = 0.0015;
    const r = await run(dir, out, ['--max-cost', String(cap)]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/Budget reached after \d+ photos?: \$[\d.]+ of --max-cost \$0\.0015 is billed into this folder/);
    expect(r.stderr).toMatch(/Budget: \$[\d.]+ \/ \$0\.0015\d* spent/);
    expect(totalPaid()).toBeLessThanOrEqual(cap);
    expect(paid.length).toBeGreaterThan(0);
    const report = await readJson(path.join(out, 'cost-report.json'));
    expect(report.cost_usd.billed).toBeCloseTo(totalPaid(), 12);
    expect(report.budget.spent_usd).toBeCloseTo(totalPaid(), 9);
  });
});

describe('--max-cost caps the folder across runs', () => {
  it('the same command run three times never bills past the cap in total', async () => {
    await start();
    const dir = await makePhotoFolder(12);
    const out = await tempDir('photobatch-out-');
    const cap = 0.003;
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await run(dir, out, ['--max-cost', String(cap)])).code);
    expect(totalPaid()).toBeLessThanOrEqual(cap);
    expect(codes[0]).toBe(4);
    // Runs two and three find the cap spent: at most one more photo fits, nothing starts after that.
    expect(codes.slice(1)).toEqual([4, 4]);
    const report = await readJson(path.join(out, 'cost-report.json'));
    expect(report.budget.cap_usd).toBe(cap);
    expect(report.all_runs.billed_usd).toBeCloseTo(totalPaid(), 9);
  });

  it('--max-cost-per-day stops for the day and says when it resumes; a re-run that day sends nothing', async () => {
    await start();
    const dir = await makePhotoFolder(12);
    const out = await tempDir('photobatch-out-');
    const first = await run(dir, out, ['--max-cost-per-day', '0.002']);
    expect(first.code).toBe(4);
    expect(first.stderr).toMatch(/Daily budget reached after \d+ photos?: \$[\d.]+ of --max-cost-per-day \$0\.0020 is billed into this folder on \d{4}-\d{2}-\d{2}\. It resumes at local midnight \(\d{4}-\d{2}-\d{2} 00:00\)/);
    const sent = server.chatRequests().length;
    const second = await run(dir, out, ['--max-cost-per-day', '0.002']);
    expect(second.code).toBe(4);
    expect(server.chatRequests().length).toBe(sent);
    expect(totalPaid()).toBeLessThanOrEqual(0.002);
  });
});

describe('bring your own key', () => {
  it("the bill equals the provider's upstream cost, and both parts are recorded", async () => {
    await start({ byok: true });
    const dir = await makePhotoFolder(4);
    const out = await tempDir('photobatch-out-');
    const r = await run(dir, out);
    expect(r.code).toBe(0);
    const upstream = server.billed.reduce((a, b) => a + b.cost, 0);
    const report = await readJson(path.join(out, 'cost-report.json'));
    expect(report.cost_usd.billed).toBeCloseTo(upstream, 12);
    expect(report.cost_usd.byok_upstream).toBeCloseTo(upstream, 12);
    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    for (const l of lines) expect(l.usage).toMatchObject({ is_byok: true, openrouter_cost_usd: 0, upstream_cost_usd: l.usage.cost_usd });
  });

  it('counts against --max-cost at the real total', async () => {
    await start({ byok: true });
    const dir = await makePhotoFolder(12);
    const out = await tempDir('photobatch-out-');
    const r = await run(dir, out, ['--max-cost', '0.001']);
    expect(r.code).toBe(4);
    expect(server.billed.reduce((a, b) => a + b.cost, 0)).toBeLessThanOrEqual(0.001);
  });
});

describe('every 403 is classified by what it is', () => {
  it.each([
    ['key daily limit', 'key_limit', 4, () => errorReplies.keyLimit403('daily'), /daily spending limit/],
    ['key total limit', 'key_limit', 4, () => errorReplies.keyLimit403('total'), /total spending limit/],
    ['workspace budget', 'workspace_budget', 4, () => errorReplies.workspaceBudget(), /workspace spent its budget/],
    ['guardrail budget', 'guardrail', 4, () => errorReplies.guardrailBudget(), /guardrail blocks these requests/],
    ['provider region block', 'region_blocked', 4, () => errorReplies.regionBlock(), /OpenAI does not serve requests from your region/],
    ['moderation', 'moderation', 3, () => errorReplies.moderation(), /moderation blocked this photo/],
    ['guardrail content', 'guardrail', 3, () => errorReplies.guardrailContent(), /guardrail blocked this photo/],
  ] as const)('%s → kind %s, exit %i', async (_name, kind, code, reply, said) => {
    await start({ handler: () => reply() });
    const dir = await makePhotoFolder(3);
    const out = await tempDir('photobatch-out-');
    const r = await run(dir, out);
    expect(r.code).toBe(code);
    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.error.kind).toBe(kind);
    expect(lines[0].error.message).toMatch(said);
    if (code === 4) {
      // A stop is not about the photo: nothing starts after it (the pipeline holds two photos at -c 1).
      expect(server.chatRequests().length).toBeLessThanOrEqual(2);
      expect(r.stderr).toMatch(said);
    } else {
      expect(lines).toHaveLength(3);
    }
  });

  it('404 "No allowed providers" is an account setting: it stops and says where to change it', async () => {
    await start({ handler: () => errorReplies.noAllowedProviders() });
    const dir = await makePhotoFolder(3);
    const out = await tempDir('photobatch-out-');
    const r = await run(dir, out);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/provider settings allow no provider .*Allowed Providers at https:\/\/openrouter\.ai\/settings\/privacy/);
    expect(server.chatRequests().length).toBeLessThanOrEqual(2);
  });

  it('a wait hint far beyond the bound stops with the time to re-run instead of hanging', async () => {
    await start({ handler: () => errorReplies.bodyOnlyRetryAfter(3 * 3600) });
    const dir = await makePhotoFolder(2);
    const out = await tempDir('photobatch-out-');
    const r = await run(dir, out);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/asks to wait 3 h 0 min .* re-run the same command after (\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}/);
  });
});

describe('reasoning and waits', () => {
  it('sends an explicit reasoning setting: off where allowed, the lowest effort with headroom where not', async () => {
    const GPT5MINI = { id: 'openai/gpt-5-mini', pricing: { prompt: '0.00000025', completion: '0.000002' }, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } };
    await start({ models: [LISTED, GPT5MINI] });
    const dir = await makePhotoFolder(1);
    const flash = await runCli(['run', dir, '-o', await tempDir('photobatch-out-'), '-m', MODEL, '--no-contact-sheet'], { env: env() });
    expect(flash.code, flash.stderr).toBe(0);
    const gpt = await runCli(['run', dir, '-o', await tempDir('photobatch-out-'), '-m', 'openai/gpt-5-mini', '--no-contact-sheet'], { env: env() });
    expect(gpt.code, gpt.stderr).toBe(0);
    const high = await runCli(['run', dir, '-o', await tempDir('photobatch-out-'), '-m', 'openai/gpt-5-mini', '--reasoning', 'high', '--max-tokens', '4000', '--no-contact-sheet'], { env: env() });
    expect(high.code, high.stderr).toBe(0);
    const [a, b, c] = server.chatRequests().map((r) => r.body);
    expect(a).toMatchObject({ reasoning: { enabled: false }, max_tokens: 512 });
    expect(b).toMatchObject({ reasoning: { effort: 'minimal' }, max_tokens: 512 + 64 });
    expect(c).toMatchObject({ reasoning: { effort: 'high' }, max_tokens: 4000 });
    const bad = await runCli(['run', dir, '--reasoning', 'lots', '--dry-run'], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid --reasoning "lots"/);
  });

  it('the automatic reasoning headroom does not make a folder pay again for photos it already has', async () => {
    const GPT5MINI = { id: 'openai/gpt-5-mini', pricing: { prompt: '0.00000025', completion: '0.000002' }, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } };
    await start({ models: [LISTED, GPT5MINI] });
    const dir = await makePhotoFolder(2);
    const out = await tempDir('photobatch-out-');
    // As an earlier photobatch (no headroom) did: 512 tokens asked for and sent.
    const before = await runCli(['run', dir, '-o', out, '-m', 'openai/gpt-5-mini', '--max-tokens', '512', '--no-contact-sheet'], { env: env() });
    expect(before.code, before.stderr).toBe(0);
    expect(server.chatRequests()).toHaveLength(2);
    const again = await runCli(['run', dir, '-o', out, '-m', 'openai/gpt-5-mini', '--no-contact-sheet'], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('--wait-for-credits gives up at its deadline, saying so, and shows the wait meanwhile', async () => {
    await start({
      handler: () => ({ status: 402, body: { error: { code: 402, message: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits', metadata: { limit_source: 'openrouter_credits' } } } }),
      // The preflight sees credit left; every later look finds none.
      key: (n) => ({ body: { data: { limit: 5, limit_remaining: n === 1 ? 3 : 0 } } }),
    });
    const dir = await makePhotoFolder(2);
    const out = await tempDir('photobatch-out-');
    const t0 = Date.now();
    const r = await run(dir, out, ['--wait-for-credits', '2s']);
    expect(r.code).toBe(4);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.stderr).toMatch(/Out of credits: waiting for a top-up .* until (\d{4}-\d{2}-\d{2} )?\d{2}:\d{2} local time, then stopping/);
    expect(r.stderr).toMatch(/gave up/);
  });
});

describe('prices come from the endpoint they describe', () => {
  it('a model missing from /models is warned about before anything is paid', async () => {
    await start();
    const dir = await makePhotoFolder(1);
    const r = await runCli(['run', dir, '-o', await tempDir('photobatch-out-'), '-m', 'acme/unlisted-vision', '--no-contact-sheet'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const warning = r.stderr.indexOf('acme/unlisted-vision is not listed by');
    expect(warning).toBeGreaterThanOrEqual(0);
    // Before the first photo's result is summarised.
    expect(warning).toBeLessThan(r.stderr.indexOf('photobatch:'));
  });
});
