import { chooseHeicDecoder } from '../../src/core/images/heic-native.js';
/**
 * `photobatch models` and `photobatch doctor`, called as command functions with an in-memory CliIO and
 * the same error boundary main() applies (exitCodeFor), so exit codes are the ones a user would see.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { doctorCommand, type DoctorFlags } from '../../src/cli/commands/doctor.js';
import { modelsCommand, type ModelsFlags } from '../../src/cli/commands/models.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import type { CliIO } from '../../src/cli/io.js';
import { DEFAULT_PROMPT } from '../../src/core/run/config.js';
import { familyFor, modelTargetSize } from '../../src/core/pricing/image-tokens.js';
import { estimatePhoto } from '../../src/core/pricing/estimate.js';
import { parseModelPrice } from '../../src/core/pricing/prices.js';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { makePhotoFolder, tempDir } from '../helpers/images.js';
import { runCli } from '../helpers/run-cli.js';

const KEY = 'sk-or-v1-' + 'ab12'.repeat(16);
const CLOSED = 'http://127.0.0.1:9/api/v1';

class Capture extends Writable {
  text = '';
  constructor(public isTTY = false) { super(); }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void { this.text += chunk.toString(); cb(); }
}

/** Like runCli, for calling the command functions directly: errors go through exitCodeFor as in main(). */
async function call(command: (io: CliIO) => Promise<number>, opts: { env?: Record<string, string | undefined>; cwd?: string; tty?: boolean } = {}) {
  const [stdout, stderr] = [new Capture(opts.tty), new Capture(opts.tty)];
  const cwd = opts.cwd ?? (await tempDir('photobatch-cwd-'));
  const io: CliIO = { stdout, stderr, readStdin: async () => '', env: { ...opts.env }, cwd, onSignal: () => () => {} };
  const code = await command(io).catch((err: Error) => (stderr.write(`photobatch: ${err.message}\n`), exitCodeFor(err)));
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const models = (flags: ModelsFlags, opts: Parameters<typeof call>[1]) => call((io) => modelsCommand(flags, io), opts);
const doctor = (flags: DoctorFlags, opts: Parameters<typeof call>[1]) => call((io) => doctorCommand(flags, io), opts);

const entry = (id: string, prompt: string, completion: string, input = ['text', 'image'], extra: Record<string, unknown> = {}) => ({
  id, name: `Fake ${id}`, pricing: { prompt, completion, ...extra }, architecture: { input_modalities: input, output_modalities: ['text'] }, context_length: 128000,
});
const FAKE_MODELS = [
  entry('openrouter/auto', '-1', '-1'),
  entry('anthropic/claude-sonnet-4.5', '0.000003', '0.000015'),
  entry('openai/gpt-4o', '0.0000025', '0.00001', ['text', 'image', 'file'], { image: '0.003613' }),
  entry('openai/gpt-3.5-turbo', '0.0000005', '0.0000015', ['text']),
  entry('google/gemini-2.5-flash', '0.0000003', '0.0000025'),
];

/** What the issue defines as the per-photo figure: a 4032×3024 photo at default compression. */
function expectedPerPhoto(raw: unknown): number | null {
  const price = parseModelPrice(raw);
  const family = familyFor(price.id);
  const sent = modelTargetSize(family, 4032, 3024, 2048);
  return estimatePhoto({ price, family, ...sent, promptText: DEFAULT_PROMPT, expectedOutputTokens: 60, maxTokens: 512 }).expectedUsd;
}

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('photobatch models', () => {
  it('lists vision models only, cheapest photo first, unknown prices last, with the dry-run estimate per photo', async () => {
    server = await startFakeOpenRouter({ models: FAKE_MODELS });
    const cache = await tempDir('photobatch-xdg-');
    const run = await models({ json: true }, { env: { XDG_CACHE_HOME: cache, OPENROUTER_BASE_URL: server.url } });
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout);
    expect(rows.map((r: { id: string }) => r.id)).toEqual(['google/gemini-2.5-flash', 'openai/gpt-4o', 'anthropic/claude-sonnet-4.5', 'openrouter/auto']);
    for (const row of rows) {
      const raw = FAKE_MODELS.find((m) => m.id === row.id)!;
      expect(row.per_photo_usd, row.id).toBe(expectedPerPhoto(raw));
    }
    const gpt = rows[1];
    expect(gpt).toMatchObject({ prompt_usd_per_million: 2.5, completion_usd_per_million: 10, image_usd: 0.003613, reference: { width: 4032, height: 3024 }, expected_output_tokens: 60 });
    expect(gpt.per_1000_photos_usd).toBeCloseTo(gpt.per_photo_usd * 1000, 12);
    expect(rows[3]).toMatchObject({ per_photo_usd: null, per_1000_photos_usd: null, prompt_usd_per_million: null });
    expect(run.stderr).toMatch(/Prices: live from http:\/\/127\.0\.0\.1:\d+\/api\/v1, \d{4}-\d\d-\d\d/);
  });

  it('prints a table on stdout ("unknown" for router models) and notes on stderr; --search filters by id or name', async () => {
    server = await startFakeOpenRouter({ models: FAKE_MODELS });
    const env = { XDG_CACHE_HOME: await tempDir('photobatch-xdg-'), OPENROUTER_BASE_URL: server.url };
    const table = await models({}, { env });
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^MODEL\s+IN \/1M\s+OUT \/1M\s+IMG TOKENS\s+PER PHOTO\s+PER 1,000\s+FLEX\/PHOTO\s+NOTES$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['google/gemini-2.5-flash', 'openai/gpt-4o', 'anthropic/claude-sonnet-4.5', 'openrouter/auto']);
    expect(lines[2]).toMatch(/\$2\.50\s+\$10\.00/);
    expect(lines[4]).toMatch(/unknown\s+unknown\s+\?\s+image pricing unknown; tier support unknown$/);
    expect(table.stdout).not.toContain('gpt-3.5');
    expect(table.stderr).toMatch(/Per photo: a 4032×3024 photo/);

    const claude = await models({ search: 'CLAUDE', json: true }, { env });
    expect(JSON.parse(claude.stdout).map((r: { id: string }) => r.id)).toEqual(['anthropic/claude-sonnet-4.5']);
    const byName = await models({ search: 'fake openai/gpt-4o' }, { env });
    expect(byName.stdout.trimEnd().split('\n')).toHaveLength(2);
    const none = await models({ search: 'no-such-model' }, { env });
    expect(none).toMatchObject({ code: 0, stdout: '' });
    expect(none.stderr).toMatch(/No vision model matches "no-such-model"/);
  });

  it('offline: falls back to the bundled snapshot with a note, and still lists models', async () => {
    const run = await models({ json: true }, { env: { XDG_CACHE_HOME: await tempDir('photobatch-xdg-'), OPENROUTER_BASE_URL: CLOSED } });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Could not fetch current prices .*using the bundled price list of \d{4}-\d\d-\d\d/);
    const rows = JSON.parse(run.stdout);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.map((r: { id: string }) => r.id)).toContain('google/gemini-2.5-flash');
    expect(rows.at(-1).id).toBe('openrouter/auto');
    const known = rows.filter((r: { per_photo_usd: number | null }) => r.per_photo_usd !== null).map((r: { per_photo_usd: number }) => r.per_photo_usd);
    expect(known).toEqual([...known].sort((a, b) => a - b));
  });

  it('uses a fresh cache without the network, and --refresh fetches again', async () => {
    server = await startFakeOpenRouter({ models: FAKE_MODELS });
    const cache = await tempDir('photobatch-xdg-');
    await models({ json: true }, { env: { XDG_CACHE_HOME: cache, OPENROUTER_BASE_URL: server.url } });
    const fetches = () => server!.requests.filter((r) => r.path.startsWith('/api/v1/models')).length;
    expect(fetches()).toBe(1);
    const cached = await models({ json: true }, { env: { XDG_CACHE_HOME: cache, OPENROUTER_BASE_URL: server.url } });
    expect(fetches()).toBe(1);
    expect(cached.stderr).toMatch(/Prices: cached on \d{4}-\d\d-\d\d/);
    expect(JSON.parse(cached.stdout)).toHaveLength(4);
    // The cache is keyed by base URL: another server never gets these prices.
    const other = await models({ json: true }, { env: { XDG_CACHE_HOME: cache, OPENROUTER_BASE_URL: CLOSED } });
    expect(other.stderr).not.toMatch(/Prices: cached/);
    const refreshed = await models({ json: true, refresh: true }, { env: { XDG_CACHE_HOME: cache, OPENROUTER_BASE_URL: server.url } });
    expect(fetches()).toBe(2);
    expect(refreshed.stderr).toMatch(/Prices: live/);
  });
});

describe('photobatch doctor', () => {
  const keyData = { limit: 10, limit_remaining: 7.5, limit_reset: 'monthly', usage_daily: 0.12, usage_monthly: 3.4, is_free_tier: false, label: 'sk-or-v1-ab1...b12' };

  it('valid key: one ✓/! line per check, limits and usage, exit 0, and only a redacted prefix of the key', async () => {
    server = await startFakeOpenRouter({ validKey: KEY, key: keyData });
    const run = await doctor({}, { env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url, XDG_CACHE_HOME: await tempDir('photobatch-xdg-') } });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^[✓!✗] /);
    expect(run.stderr).toMatch(/^✓ photobatch \d+\.\d+\.\d+\n✓ Node\.js \d+\.\d+/m);
    expect(run.stderr).toMatch(/^✓ API key sk-or-v1-ab1… from the environment/m);
    expect(run.stderr).toMatch(/^✓ key valid: limit \$10\.00, \$7\.50 left \(resets monthly\) · spent \$0\.12 today, \$3\.40 this month · paid account$/m);
    expect(run.stderr).toMatch(/^! no price cache yet: estimates use the bundled list of \d{4}-\d\d-\d\d/m);
    expect(run.stderr).toMatch(/sharp \d+\.\d+\.\d+ \(libvips [\d.]+\) reads jpeg, png/);
    expect(run.stderr).toContain(`✓ base URL ${server.url} (environment) · model google/gemini-2.5-flash (default) · max edge 2048 px (default)\n`);
    expect(run.stderr).toMatch(/^✓ perl [\d.]+: --sidecar xmp can write/m);
    expect(run.stderr).not.toMatch(/\u001b\[/);
    expect(run.stderr + run.stdout).not.toContain(KEY);
    // OpenRouter's own label shows the key's last characters; it is never repeated.
    expect(run.stderr).not.toContain('...b12');
  });

  it('shows a flag over the environment for the model and edge, and warns when no perl is on PATH for XMP', async () => {
    server = await startFakeOpenRouter({ validKey: KEY, key: keyData });
    const emptyPath = await tempDir('photobatch-nopath-');
    const run = await runCli(['doctor', '--base-url', server.url], {
      env: { OPENROUTER_API_KEY: KEY, AI_MODEL: 'anthropic/claude-sonnet-4.5', MAX_IMAGE_SIZE: '1024', PATH: emptyPath, XDG_CACHE_HOME: await tempDir('photobatch-xdg-') },
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`✓ base URL ${server.url} (flag) · model anthropic/claude-sonnet-4.5 (environment) · max edge 1024 px (environment)\n`);
    expect(run.stderr).toMatch(/^! no perl on PATH: --sidecar xmp needs it for ExifTool/m);
  });

  it('--json: one document on stdout with every check, and no key in it', async () => {
    server = await startFakeOpenRouter({ validKey: KEY, key: { ...keyData, is_free_tier: true } });
    const cwd = await tempDir('photobatch-cwd-');
    await writeFile(path.join(cwd, '.env'), `OPENROUTER_API_KEY=${KEY}\nOPENROUTER_BASE_URL=${server.url}\n`);
    const run = await doctor({ json: true }, { cwd, env: { XDG_CACHE_HOME: await tempDir('photobatch-xdg-') } });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const doc = JSON.parse(run.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.checks.map((c: { name: string }) => c.name)).toEqual(['version', 'node', 'dotenv', 'config', 'server', 'key_source', 'key', 'prices', 'images', 'perl']);
    const byName = Object.fromEntries(doc.checks.map((c: { name: string }) => [c.name, c]));
    // Where each setting came from: the base URL from .env, the rest defaults.
    expect(byName.config.data).toEqual({
      base_url: { value: server.url, source: 'dotenv' },
      model: { value: 'google/gemini-2.5-flash', source: 'default' },
      max_edge: { value: 2048, source: 'default' },
    });
    expect(byName.key_source.data).toEqual({ source: 'dotenv', redacted: 'sk-or-v1-ab1…' });
    expect(byName.key).toMatchObject({ status: 'warn', data: { valid: true, limit: 10, limit_remaining: 7.5, usage_daily: 0.12, usage_monthly: 3.4, is_free_tier: true } });
    expect(byName.dotenv.data.exists).toBe(true);
    expect(typeof byName.images.data.heic).toBe('boolean');
    // Which HEIC decoder is active, as the machine has it: native libheif when heif-dec/heif-convert is installed.
    const expected = (await chooseHeicDecoder({ PATH: process.env.PATH })).kind;
    expect(byName.images.data.heic_decoder).toBe(expected);
    expect(byName.images.message).toMatch(expected === 'native' ? /HEIC decoder: native libheif/ : /HEIC decoder: WebAssembly/);
    expect(run.stdout).not.toContain(KEY);
  });

  it('a rejected key (401) exits 4 with ✗ and advice, without the key', async () => {
    server = await startFakeOpenRouter({ validKey: 'sk-or-v1-' + 'ff'.repeat(32) });
    const run = await doctor({}, { env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url, XDG_CACHE_HOME: await tempDir('photobatch-xdg-') } });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^✗ OpenRouter rejected the API key \(401\)/m);
    expect(run.stderr).toMatch(/photobatch: OpenRouter rejected the API key \(401\)\. Check OPENROUTER_API_KEY/);
    expect(run.stderr + run.stdout).not.toContain(KEY);
    const json = await doctor({ json: true }, { env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url, XDG_CACHE_HOME: await tempDir('photobatch-xdg-') } });
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, problem: { kind: 'key_rejected' } });
    expect(json.stdout).not.toContain(KEY);
  });

  it('no key anywhere: exit 2, says where to put it, asks OpenRouter nothing', async () => {
    server = await startFakeOpenRouter();
    const run = await doctor({}, { env: { OPENROUTER_BASE_URL: server.url, XDG_CACHE_HOME: await tempDir('photobatch-xdg-') } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^! no \.env at /m);
    expect(run.stderr).toMatch(/^✗ no API key: set OPENROUTER_API_KEY/m);
    expect(run.stderr).toMatch(/photobatch: No API key/);
    expect(server.requests).toHaveLength(0);
  });

  it('an unreachable API is a config problem (exit 2), not a crash', async () => {
    const run = await doctor({}, { env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: CLOSED, XDG_CACHE_HOME: await tempDir('photobatch-xdg-') } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^✗ could not check the key at http:\/\/127\.0\.0\.1:9\/api\/v1\/key/m);
    expect(run.stderr + run.stdout).not.toContain(KEY);
  });

  it('colour only on a terminal, and never with NO_COLOR', async () => {
    server = await startFakeOpenRouter({ validKey: KEY, key: keyData });
    const env = { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url, XDG_CACHE_HOME: await tempDir('photobatch-xdg-') };
    expect((await doctor({}, { env, tty: true })).stderr).toMatch(/\u001b\[32m✓/);
    expect((await doctor({}, { env: { ...env, NO_COLOR: '1' }, tty: true })).stderr).not.toMatch(/\u001b\[/);
  });
});

// Through main(): these need the program.ts registration (models, doctor, run --reconcile) and the run.ts hook.
describe('registered in the CLI', () => {
  it('models and doctor are commands with help, exit codes and --json', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/^\s+models \[options\][^]*^\s+doctor \[options\]/m);
    server = await startFakeOpenRouter({ models: FAKE_MODELS, validKey: KEY });
    const env = { XDG_CACHE_HOME: await tempDir('photobatch-xdg-'), OPENROUTER_BASE_URL: server.url };
    const list = await runCli(['models', '--search', 'gpt', '--json'], { env });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((r: { id: string }) => r.id)).toEqual(['openai/gpt-4o']);
    const cwd = await tempDir('photobatch-cwd-');
    expect((await runCli(['doctor'], { env, cwd })).code).toBe(2);
    const ok = await runCli(['doctor', '--json'], { env: { ...env, OPENROUTER_API_KEY: KEY }, cwd });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).ok).toBe(true);
    expect(ok.stdout + ok.stderr).not.toContain(KEY);
  });

  it('run --reconcile checks every answer of the run against /generation and writes reconcile.json', async () => {
    server = await startFakeOpenRouter({ cost: (req) => 0.0001 * req.n });
    const dir = await makePhotoFolder(3);
    const out = await tempDir('photobatch-out-');
    const env = { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url, XDG_CACHE_HOME: await tempDir('photobatch-xdg-') };
    const run = await runCli(['run', dir, '-o', out, '--reconcile', '--no-contact-sheet'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const doc = JSON.parse(await readFile(path.join(out, 'reconcile.json'), 'utf8'));
    expect(doc).toMatchObject({ checked: 3, matched: 3, differing: 0, unavailable: 0 });
    expect(run.stderr).toMatch(/Reconcile: checked 3 answers .*3 matched, 0 differ, 0 unavailable/);
    expect(server.requests.filter((r) => r.path.startsWith('/api/v1/generation'))).toHaveLength(3);
    // A re-run sends nothing new, so there is nothing of this run to check.
    const again = await runCli(['run', dir, '-o', out, '--reconcile', '--no-contact-sheet'], { env });
    expect(again.code).toBe(0);
    expect(JSON.parse(await readFile(path.join(out, 'reconcile.json'), 'utf8'))).toMatchObject({ checked: 0 });
  });
});
