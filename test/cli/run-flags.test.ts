/**
 * Every flag of `run` (and so of `watch`, which takes them all) parsed by the real commander program
 * into the resolved options, without running anything: a flag whose value goes nowhere fails here.
 * A flag added to `run` without a row below fails the completeness test.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { parseRunOptions, type RunOptions } from '../../src/cli/run-options.js';
import { parseWatchFlags } from '../../src/cli/watch-program.js';
import type { CliIO } from '../../src/cli/io.js';

const cwd = mkdtempSync(path.join(os.tmpdir(), 'photobatch-flags-'));
writeFileSync(path.join(cwd, 'prompt.txt'), 'Describe {filename} for {context}\n');
writeFileSync(path.join(cwd, 'vocab.txt'), 'Wedding\n\tCeremony\nTết\n');
writeFileSync(path.join(cwd, 'schema.json'), JSON.stringify({ type: 'object', properties: { title: { type: 'string' } } }));
const io: CliIO = {
  stdout: process.stdout, stderr: process.stderr, readStdin: async () => '', env: {}, cwd, onSignal: () => () => {},
};

/** Parses argv with the real program; the run/watch action is replaced so nothing runs. */
async function parse(command: 'run' | 'watch', args: string[]): Promise<{ opts: RunOptions; flags: Record<string, unknown> }> {
  const program = createProgram(io, { exitCode: 0 });
  let captured: Record<string, unknown> | undefined;
  program.commands.find((c) => c.name() === command)!.action((_inputs: unknown, flags: Record<string, unknown>) => {
    captured = flags;
  });
  await program.parseAsync([command, 'photos', ...args], { from: 'user' });
  return { opts: parseRunOptions(captured!, io), flags: captured! };
}

/** [flag, argv, what to read, expected, argv without the flag (default: none)] */
type Row = [flag: string, args: string[], check: (o: RunOptions) => unknown, expected: unknown, base?: string[]];
const ROWS: Row[] = [
  ['--out', ['-o', 'o1'], (o) => o.outDir, path.join(cwd, 'o1')],
  ['--model', ['-m', 'acme/vision'], (o) => o.config.model, 'acme/vision'],
  ['--fallback-model', ['--fallback-model', 'a/b, c/d'], (o) => o.fallbackModels, ['a/b', 'c/d']],
  ['--prompt', ['-p', 'Say {filename}'], (o) => o.plan.template, 'Say {filename}'],
  ['--prompt-file', ['--prompt-file', 'prompt.txt'], (o) => o.plan.template, 'Describe {filename} for {context}'],
  ['--preset', ['--preset', 'keywords'], (o) => /keyword/i.test(o.plan.template), true],
  ['--lang', ['--preset', 'caption', '--lang', 'vi'], (o) => /vietnamese|\bvi\b/i.test(o.plan.template), true, ['--preset', 'caption']],
  ['--context', ['-p', 'X {context}', '--context', 'Tết 2027'], (o) => o.plan.prompt({ filename: 'a.jpg', folder: '', date: '', camera: '' } as never), 'X Tết 2027', ['-p', 'X {context}']],
  ['--max-keywords', ['--preset', 'keywords', '--max-keywords', '7'], (o) => /\b7\b/.test(o.plan.template), true, ['--preset', 'keywords']],
  ['--schema', ['--schema', 'schema.json'], (o) => JSON.stringify(o.plan.extra ?? {}).includes('title'), true],
  ['--sidecar', ['--sidecar', 'xmp', '--sidecar', 'txt'], (o) => o.sidecars.kinds, ['xmp', 'txt']],
  ['--sidecar-in-place', ['--sidecar-in-place'], (o) => o.sidecars.inPlace, true],
  ['--sidecar-naming', ['--sidecar-naming', 'darktable'], (o) => o.sidecars.naming, 'darktable'],
  ['--min-keywords', ['--min-keywords', '9'], (o) => o.delivery.minKeywords, 9],
  ['--vocabulary', ['--vocabulary', 'vocab.txt'], (o) => o.delivery.vocabulary !== undefined, true],
  ['--vocabulary-mode', ['--vocabulary', 'vocab.txt', '--vocabulary-mode', 'strict'], (o) => o.delivery.vocabularyMode, 'strict', ['--vocabulary', 'vocab.txt']],
  ['--vocabulary-hint-tokens', ['--vocabulary-hint-tokens', '120'], (o) => o.delivery.vocabularyHintTokens, 120],
  ['--context-from-metadata', ['--context-from-metadata'], (o) => o.delivery.contextFromMetadata, true],
  ['--deliver', ['--deliver', 'd1'], (o) => o.delivery.deliverDir, path.join(cwd, 'd1')],
  ['--modalities', ['--modalities', 'image,text'], (o) => o.modalities, ['image', 'text']],
  ['--no-contact-sheet', ['--no-contact-sheet'], (o) => o.contactSheet, false],
  ['--max-tokens', ['--max-tokens', '77'], (o) => [o.maxTokens, o.maxTokensExplicit], [77, true]],
  ['--concurrency', ['-c', '9'], (o) => o.concurrency, 9],
  ['--max-concurrency', ['-c', 'auto', '--max-concurrency', '12'], (o) => [o.autoConcurrency, o.concurrency], [true, 12], ['-c', 'auto']],
  ['--shard', ['--shard', '2/8'], (o) => o.shard, { index: 1, count: 8 }],
  ['--max-edge', ['--max-edge', '1024'], (o) => [o.config.maxEdge, o.config.maxEdgeExplicit], [1024, true]],
  ['--quality', ['--quality', '55'], (o) => o.quality, 55],
  ['--max-cost', ['--max-cost', '1.5'], (o) => o.maxCostUsd, 1.5],
  ['--max-cost-per-day', ['--max-cost-per-day', '0.25'], (o) => o.maxCostPerDayUsd, 0.25],
  ['--reasoning', ['--reasoning', 'low'], (o) => [o.reasoning, o.reasoningExplicit], ['low', true]],
  ['--rpm', ['--rpm', '30'], (o) => o.rpm, 30],
  ['--retries', ['--retries', '2'], (o) => o.retries, 2],
  ['--timeout', ['--timeout', '7'], (o) => o.timeoutMs, 7000],
  ['--wait-for-credits', ['--wait-for-credits', '2h'], (o) => o.waitForCreditsMs, 7_200_000],
  ['--dry-run', ['--dry-run'], (o) => o.dryRun, true],
  ['--json', ['--json'], (o) => o.json, true],
  ['--force', ['--force'], (o) => o.force, true],
  ['--reconcile', ['--reconcile'], (o) => o.reconcile, true],
  ['--null', ['-0'], (o) => o.nullSeparated, true],
  ['--overwrite', ['--overwrite'], (o) => o.sidecars.overwrite, true],
  ['--wait-lock', ['--wait-lock', '30m'], (o) => o.waitLockMs, 1_800_000],
  ['--quiet', ['-q'], (o) => o.quiet, true],
  ['--no-progress', ['--no-progress'], (o) => o.progress, false],
  ['--api-key', ['--api-key', 'sk-or-v1-flag'], (o) => o.config.apiKey, 'sk-or-v1-flag'],
  ['--base-url', ['--base-url', 'http://127.0.0.1:9/v1/'], (o) => o.config.baseURL, 'http://127.0.0.1:9/v1'],
  ['--server', ['--server', 'ollama'], (o) => o.endpoint.serverKind, 'ollama'],
  ['--price-in', ['--price-in', '0.5', '--price-out', '1'], (o) => o.endpoint.priceIn, 0.5],
  ['--price-out', ['--price-in', '0.5', '--price-out', '1'], (o) => o.endpoint.priceOut, 1],
  ['--allow-insecure-http', ['--base-url', 'http://192.0.2.10/v1', '--allow-insecure-http'], (o) => o.config.baseURL, 'http://192.0.2.10/v1'],
  ['--no-vision-check', ['--no-vision-check'], (o) => o.endpoint.visionCheck, false],
  ['--tier', ['--tier', 'flex'], (o) => o.endpoint.tier.tier, 'flex'],
  ['--tier-fallback', ['--tier-fallback', 'wait'], (o) => o.endpoint.tier.fallback, 'wait'],
];

describe('every run flag reaches the resolved options', () => {
  test('the table covers every flag of run', () => {
    const run = createProgram(io, { exitCode: 0 }).commands.find((c) => c.name() === 'run')!;
    expect(run.options.map((o) => o.long).sort()).toEqual(ROWS.map((r) => r[0]).sort());
  });

  test.each(ROWS)('%s', async (_flag, args, check, expected, baseArgs = []) => {
    const base = await parse('run', baseArgs);
    const { opts } = await parse('run', args);
    expect(check(opts)).toEqual(expected);
    // The flag changed something: its absence resolves to another value (the default).
    expect(check(base.opts)).not.toEqual(expected);
  });

  test.each(ROWS.filter((r) => r[0] !== '--dry-run' && r[0] !== '--null'))('watch %s', async (_flag, args, check, expected) => {
    expect(check((await parse('watch', args)).opts)).toEqual(expected);
  });

  test('--allow-insecure-http is what lets a plain-http --base-url on another machine through', async () => {
    await expect(parse('run', ['--base-url', 'http://192.0.2.10/v1'])).rejects.toThrow(/http/i);
  });

  test('defaults, resolved once', async () => {
    const { opts } = await parse('run', []);
    expect({ out: opts.outDir, maxTokens: opts.maxTokens, c: opts.concurrency, q: opts.quality, retries: opts.retries, timeoutMs: opts.timeoutMs, sheet: opts.contactSheet })
      .toEqual({ out: path.join(cwd, 'photobatch-out'), maxTokens: 512, c: 4, q: 80, retries: 5, timeoutMs: 120_000, sheet: true });
  });

  test('watch flags: --settle, --poll, --refresh', async () => {
    expect(parseWatchFlags((await parse('watch', [])).flags)).toEqual({ settleMs: 1000, poll: 'auto', refreshSeconds: 3 });
    expect(parseWatchFlags((await parse('watch', ['--settle', '2.5', '--poll', '500ms', '--refresh', '10'])).flags))
      .toEqual({ settleMs: 2500, poll: true, pollIntervalMs: 500, refreshSeconds: 10 });
    expect(parseWatchFlags((await parse('watch', ['--poll'])).flags)).toMatchObject({ poll: true });
    expect(() => parseWatchFlags({ settle: '0' })).toThrow(/--settle/);
  });
});
