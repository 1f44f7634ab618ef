/**
 * Every row of the flag tables, for every command that takes it, parsed by the real commander program into the
 * resolved options without running anything: a flag whose value goes nowhere fails here. The proofs are keyed by
 * table row, so a row added without a proof fails the typecheck and the test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseCompareOptions } from '../../src/cli/compare-options.js';
import { DOCTOR_FLAGS, MODELS_FLAGS } from '../../src/cli/flags/account-flags.js';
import { COMPARE_FLAGS } from '../../src/cli/flags/compare-flags.js';
import { longName, specFor, type FlagCommand, type FlagTable } from '../../src/cli/flags/flag.js';
import { EXPORT_FLAGS, REPORT_FLAGS, RESULTS_FLAGS } from '../../src/cli/flags/folder-flags.js';
import { resolveFlags } from '../../src/cli/flags/resolve.js';
import { RUN_FLAGS } from '../../src/cli/flags/run-flags.js';
import { WATCH_FLAGS } from '../../src/cli/flags/watch-flags.js';
import type { CliIO } from '../../src/cli/io.js';
import { createProgram } from '../../src/cli/program.js';
import { parseRunOptions, type RunOptions } from '../../src/cli/run-options.js';
import { parseWatchFlags, type WatchFlags } from '../../src/cli/watch-program.js';

const cwd = mkdtempSync(path.join(os.tmpdir(), 'photobatch-flags-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
writeFileSync(path.join(cwd, 'prompt.txt'), 'Describe {filename} for {context}\n');
writeFileSync(path.join(cwd, 'vocab.txt'), 'Wedding\n\tCeremony\nTết\n');
writeFileSync(path.join(cwd, 'schema.json'), JSON.stringify({ type: 'object', properties: { title: { type: 'string' } } }));
const io: CliIO = {
  // commander's usage errors (the bad-value cases) go to a sink, not the test output.
  stdout: process.stdout, stderr: new PassThrough().resume(), readStdin: async () => '', env: {}, cwd, onSignal: () => () => {},
};

/** What a command resolves: the run options, plus watch's and compare's own; the other commands' flag values (`tool`). */
type Resolved = RunOptions & { watch?: WatchFlags; models?: string[]; sample?: number; sampleSeed?: number; tool?: Record<string, unknown> };
const COMMANDS: FlagCommand[] = ['run', 'watch', 'compare', 'report', 'results', 'export', 'models', 'doctor'];
const RUN_COMMANDS: FlagCommand[] = ['run', 'watch', 'compare'];
/** The table each other command is built from and resolves its flags with (program.ts). */
const TOOL_TABLES: Partial<Record<FlagCommand, FlagTable>> = {
  report: REPORT_FLAGS, results: RESULTS_FLAGS, export: EXPORT_FLAGS, models: MODELS_FLAGS, doctor: DOCTOR_FLAGS,
};
// The arguments each command needs before its flags (compare cannot start without its models).
const REQUIRED: Record<FlagCommand, string[]> = {
  run: ['photos'], watch: ['photos'], compare: ['photos', '-m', 'a/x,b/y'], report: ['out'], results: ['out'], export: ['out'], models: [], doctor: [],
};

/** Parses argv with the real program; the command's action is replaced so nothing runs. */
async function parse(command: FlagCommand, args: string[]): Promise<Resolved> {
  const program = createProgram(io, { exitCode: 0 });
  let flags: Record<string, unknown> | undefined;
  // commander passes the arguments, then the options, then the command.
  program.commands.find((c) => c.name() === command)!.action((...a: unknown[]) => {
    flags = a.at(-2) as Record<string, unknown>;
  });
  await program.parseAsync([command, ...REQUIRED[command], ...args], { from: 'user' });
  const tool = TOOL_TABLES[command];
  if (tool) return { tool: resolveFlags(tool, flags!, command).values } as Resolved;
  if (command === 'compare') return parseCompareOptions(flags!, io);
  const opts: Resolved = parseRunOptions(flags!, io, command);
  if (command === 'watch') opts.watch = parseWatchFlags(flags!);
  return opts;
}

/** argv with the flag, what to read, the value expected; `base`: argv without it (default none); `rejects`: a bad value. */
interface Proof { args: string[]; check: (o: Resolved) => unknown; expected: unknown; base?: string[]; rejects?: string }
const p = (args: string[], check: Proof['check'], expected: unknown, more: Partial<Proof> = {}): Proof => ({ args, check, expected, ...more });

const RUN_PROOFS: Record<keyof typeof RUN_FLAGS, Proof> = {
  out: p(['-o', 'o1'], (o) => o.outDir, path.join(cwd, 'o1')),
  null: p(['-0'], (o) => o.nullSeparated, true),
  model: p(['-m', 'acme/vision'], (o) => o.config.model, 'acme/vision'),
  fallbackModel: p(['--fallback-model', 'a/b, c/d'], (o) => o.fallbackModels, ['a/b', 'c/d']),
  prompt: p(['-p', 'Say {filename}'], (o) => o.plan.template, 'Say {filename}'),
  promptFile: p(['--prompt-file', 'prompt.txt'], (o) => o.plan.template, 'Describe {filename} for {context}'),
  preset: p(['--preset', 'keywords'], (o) => /keyword/i.test(o.plan.template), true),
  lang: p(['--preset', 'caption', '--lang', 'vi'], (o) => /vietnamese|\bvi\b/i.test(o.plan.template), true, { base: ['--preset', 'caption'] }),
  context: p(['-p', 'X {context}', '--context', 'Tết 2027'], (o) => o.plan.prompt({ filename: 'a.jpg', folder: '', date: '', camera: '' } as never), 'X Tết 2027', { base: ['-p', 'X {context}'] }),
  maxKeywords: p(['--preset', 'keywords', '--max-keywords', '7'], (o) => /\b7\b/.test(o.plan.template), true, { base: ['--preset', 'keywords'], rejects: '0' }),
  minKeywords: p(['--min-keywords', '9'], (o) => o.delivery.minKeywords, 9, { rejects: '101' }),
  vocabulary: p(['--vocabulary', 'vocab.txt'], (o) => o.delivery.vocabulary !== undefined, true),
  vocabularyMode: p(['--vocabulary', 'vocab.txt', '--vocabulary-mode', 'strict'], (o) => o.delivery.vocabularyMode, 'strict', { base: ['--vocabulary', 'vocab.txt'], rejects: 'loose' }),
  vocabularyHintTokens: p(['--vocabulary-hint-tokens', '120'], (o) => o.delivery.vocabularyHintTokens, 120, { rejects: '-1' }),
  contextFromMetadata: p(['--context-from-metadata'], (o) => o.delivery.contextFromMetadata, true),
  deliver: p(['--deliver', 'd1'], (o) => o.delivery.deliverDir, path.join(cwd, 'd1')),
  schema: p(['--schema', 'schema.json'], (o) => JSON.stringify(o.plan.extra ?? {}).includes('title'), true),
  sidecar: p(['--sidecar', 'xmp', '--sidecar', 'txt', '--sidecar', 'xmp'], (o) => o.sidecars.kinds, ['xmp', 'txt'], { rejects: 'jpg' }),
  overwrite: p(['--overwrite'], (o) => o.sidecars.overwrite, true),
  sidecarInPlace: p(['--sidecar-in-place'], (o) => o.sidecars.inPlace, true),
  sidecarNaming: p(['--sidecar-naming', 'darktable'], (o) => o.sidecars.naming, 'darktable', { rejects: 'capture-one' }),
  modalities: p(['--modalities', 'image,text'], (o) => o.modalities, ['image', 'text']),
  contactSheet: p(['--no-contact-sheet'], (o) => o.contactSheet, false),
  maxTokens: p(['--max-tokens', '77'], (o) => [o.maxTokens, o.maxTokensExplicit], [77, true], { rejects: '0' }),
  concurrency: p(['-c', '9'], (o) => o.concurrency, 9, { rejects: '257' }),
  maxConcurrency: p(['-c', 'auto', '--max-concurrency', '12'], (o) => [o.autoConcurrency, o.concurrency], [true, 12], { base: ['-c', 'auto'], rejects: '0' }),
  maxEdge: p(['--max-edge', '1024'], (o) => [o.config.maxEdge, o.config.maxEdgeExplicit], [1024, true], { rejects: '10' }),
  quality: p(['--quality', '55'], (o) => o.quality, 55, { rejects: '101' }),
  maxCost: p(['--max-cost', '1.5'], (o) => o.maxCostUsd, 1.5, { rejects: '-1' }),
  maxCostPerDay: p(['--max-cost-per-day', '0.25'], (o) => o.maxCostPerDayUsd, 0.25, { rejects: 'lots' }),
  reasoning: p(['--reasoning', 'low'], (o) => [o.reasoning, o.reasoningExplicit], ['low', true], { rejects: 'deep' }),
  rpm: p(['--rpm', '30'], (o) => o.rpm, 30, { rejects: '0' }),
  retries: p(['--retries', '2'], (o) => o.retries, 2, { rejects: '101' }),
  timeout: p(['--timeout', '7'], (o) => o.timeoutMs, 7000, { rejects: '0' }),
  waitForCredits: p(['--wait-for-credits', '2h'], (o) => o.waitForCreditsMs, 7_200_000, { rejects: 'soon' }),
  shard: p(['--shard', '2/8'], (o) => o.shard, { index: 1, count: 8 }, { rejects: '9/8' }),
  waitLock: p(['--wait-lock', '30m'], (o) => o.waitLockMs, 1_800_000, { rejects: '1 week' }),
  dryRun: p(['--dry-run'], (o) => o.dryRun, true),
  json: p(['--json'], (o) => o.json, true),
  force: p(['--force'], (o) => o.force, true),
  reconcile: p(['--reconcile'], (o) => o.reconcile, true),
  quiet: p(['-q'], (o) => o.quiet, true),
  progress: p(['--no-progress'], (o) => o.progress, false),
  apiKey: p(['--api-key', 'sk-or-v1-flag'], (o) => o.config.apiKey, 'sk-or-v1-flag'),
  baseUrl: p(['--base-url', 'http://127.0.0.1:9/v1/'], (o) => o.config.baseURL, 'http://127.0.0.1:9/v1', { rejects: 'ftp://x' }),
  server: p(['--server', 'ollama'], (o) => o.endpoint.serverKind, 'ollama', { rejects: 'tgi' }),
  priceIn: p(['--price-in', '0.5', '--price-out', '1'], (o) => o.endpoint.priceIn, 0.5, { base: ['--price-in', '0', '--price-out', '1'] }),
  priceOut: p(['--price-in', '0.5', '--price-out', '1'], (o) => o.endpoint.priceOut, 1, { base: ['--price-in', '0.5', '--price-out', '0'] }),
  visionCheck: p(['--no-vision-check'], (o) => o.endpoint.visionCheck, false),
  allowInsecureHttp: p(['--base-url', 'http://192.0.2.10/v1', '--allow-insecure-http'], (o) => o.config.baseURL, 'http://192.0.2.10/v1'),
  tier: p(['--tier', 'flex'], (o) => o.endpoint.tier.tier, 'flex', { rejects: 'cheap' }),
  tierFallback: p(['--tier-fallback', 'wait'], (o) => o.endpoint.tier.fallback, 'wait', { rejects: 'never' }),
};
const WATCH_PROOFS: Record<keyof typeof WATCH_FLAGS, Proof> = {
  settle: p(['--settle', '2.5'], (o) => o.watch!.settleMs, 2500, { rejects: '0' }),
  poll: p(['--poll', '500ms'], (o) => [o.watch!.poll, o.watch!.pollIntervalMs], [true, 500], { rejects: 'often' }),
  refresh: p(['--refresh', '10'], (o) => o.watch!.refreshSeconds, 10, { rejects: '-3' }),
};
const COMPARE_PROOFS: Record<keyof typeof COMPARE_FLAGS, Proof> = {
  models: p(['-m', 'a/x, b/y, a/x'], (o) => o.models, ['a/x', 'b/y'], { base: ['-m', 'c/z'] }),
  sample: p(['--sample', '5'], (o) => o.sample, 5, { rejects: '0' }),
  sampleSeed: p(['--sample-seed', '42'], (o) => o.sampleSeed, 42, { rejects: '-1' }),
};
const t = (o: Resolved) => o.tool!;
const REPORT_PROOFS: Record<keyof typeof REPORT_FLAGS, Proof> = {
  json: p(['--json'], (o) => t(o).json, true),
  html: p(['--html', 'all.html'], (o) => t(o).html, 'all.html'),
  csv: p(['--csv', 'all.csv'], (o) => t(o).csv, 'all.csv'),
};
const RESULTS_PROOFS: Record<keyof typeof RESULTS_FLAGS, Proof> = {
  failed: p(['--failed'], (o) => t(o).failed, true),
  json: p(['--json'], (o) => t(o).json, true),
};
const EXPORT_PROOFS: Record<keyof typeof EXPORT_FLAGS, Proof> = {
  format: p(['--format', 'adobe-stock'], (o) => t(o).format, 'adobe-stock', { rejects: 'pdf' }),
  output: p(['-o', 'adobe.csv'], (o) => t(o).output, 'adobe.csv'),
  fix: p(['--fix'], (o) => t(o).fix, true),
  force: p(['--force'], (o) => t(o).force, true),
  quiet: p(['-q'], (o) => t(o).quiet, true),
};
const MODELS_PROOFS: Record<keyof typeof MODELS_FLAGS, Proof> = {
  search: p(['--search', 'gemini'], (o) => t(o).search, 'gemini'),
  json: p(['--json'], (o) => t(o).json, true),
  refresh: p(['--refresh'], (o) => t(o).refresh, true),
  baseUrl: p(['--base-url', 'http://127.0.0.1:11434/v1'], (o) => t(o).baseUrl, 'http://127.0.0.1:11434/v1'),
};
const DOCTOR_PROOFS: Record<keyof typeof DOCTOR_FLAGS, Proof> = {
  json: p(['--json'], (o) => t(o).json, true),
  apiKey: p(['--api-key', 'sk-or-v1-flag'], (o) => t(o).apiKey, 'sk-or-v1-flag'),
  baseUrl: p(['--base-url', 'http://127.0.0.1:11434/v1'], (o) => t(o).baseUrl, 'http://127.0.0.1:11434/v1'),
  server: p(['--server', 'ollama'], (o) => t(o).server, 'ollama', { rejects: 'tgi' }),
};
const TABLES: [FlagTable, Record<string, Proof>][] = [
  [RUN_FLAGS, RUN_PROOFS], [WATCH_FLAGS, WATCH_PROOFS], [COMPARE_FLAGS, COMPARE_PROOFS], [REPORT_FLAGS, REPORT_PROOFS],
  [RESULTS_FLAGS, RESULTS_PROOFS], [EXPORT_FLAGS, EXPORT_PROOFS], [MODELS_FLAGS, MODELS_PROOFS], [DOCTOR_FLAGS, DOCTOR_PROOFS],
];

/** [command, flag, proof] for every row every command takes. */
const CASES = COMMANDS.flatMap((command) => TABLES.flatMap(([table, proofs]) => Object.entries(table)
  .filter(([, row]) => row.for.includes(command))
  .map(([key, row]) => [command, longName(specFor(row, command).spelling), proofs[key]!] as const)));

describe('every flag reaches the resolved options', () => {
  test.each(COMMANDS)('%s has exactly the options of its table rows, each with a proof', (command) => {
    const cmd = createProgram(io, { exitCode: 0 }).commands.find((c) => c.name() === command)!;
    const own = cmd.options.map((o) => o.long).filter((l) => l !== '--help').sort();
    expect(own).toEqual(CASES.filter((c) => c[0] === command).map((c) => c[1]).sort());
    for (const [table, proofs] of TABLES) for (const key of Object.keys(table)) expect(proofs[key], key).toBeDefined();
  });

  test.each(CASES)('%s %s', async (command, _flag, { args, check, expected, base = [] }) => {
    expect(check(await parse(command, args))).toEqual(expected);
    // The flag changed something: its absence resolves to another value (the default).
    expect(check(await parse(command, base))).not.toEqual(expected);
  });

  test.each(CASES.filter((c) => c[2].rejects !== undefined))('%s %s rejects a bad value with a one-line error naming it', async (command, flag, { rejects, base = [] }) => {
    const error = await parse(command, [...base, `${flag}=${rejects}`]).then(() => undefined, (err: Error) => err);
    expect(error, `${flag} ${rejects} was taken`).toBeInstanceOf(Error);
    // Commander names the option in its own words; ours name the flag (the base URL names the setting it checks).
    expect(error!.message).toMatch(flag === '--base-url' ? /BASE_URL/ : new RegExp(`${flag}\\b`));
    expect(error!.message.trim()).not.toMatch(/\n/);
  });

  test('--allow-insecure-http is what lets a plain-http --base-url on another machine through', async () => {
    await expect(parse('run', ['--base-url', 'http://192.0.2.10/v1'])).rejects.toThrow(/http/i);
  });

  test('compare takes a number for -c, not auto (each model is sent at a fixed concurrency)', async () => {
    await expect(parse('compare', ['-c', 'auto'])).rejects.toThrow(/fixed concurrency/);
  });
});

describe('defaults, resolved once from the table', () => {
  test.each(RUN_COMMANDS)('%s', async (command) => {
    const o = await parse(command, []);
    expect({ maxTokens: o.maxTokens, c: o.concurrency, q: o.quality, retries: o.retries, timeoutMs: o.timeoutMs, sheet: o.contactSheet, naming: o.sidecars.naming, tier: o.endpoint.tier })
      .toEqual({ maxTokens: 512, c: 4, q: 80, retries: 5, timeoutMs: 120_000, sheet: true, naming: 'auto', tier: { tier: 'standard', fallback: 'standard' } });
    expect(o.outDir).toBe(path.join(cwd, command === 'compare' ? 'photobatch-compare' : 'photobatch-out'));
    expect([o.maxTokensExplicit, o.reasoningExplicit, o.config.maxEdgeExplicit]).toEqual([false, false, false]);
  });

  test('watch: settle 1 s, events (polling where needed), refresh 3 s; a bare --poll polls at the watcher\'s interval', async () => {
    expect((await parse('watch', [])).watch).toEqual({ settleMs: 1000, poll: 'auto', refreshSeconds: 3 });
    expect((await parse('watch', ['--poll'])).watch).toEqual({ settleMs: 1000, poll: true, refreshSeconds: 3 });
  });

  test('compare: a sample of 12, seed 1', async () => {
    expect(await parse('compare', [])).toMatchObject({ sample: 12, sampleSeed: 1 });
  });

  test('export: csv, to stdout; the others: every switch off, nothing named', async () => {
    expect((await parse('export', [])).tool).toEqual({ format: 'csv', output: undefined, fix: false, force: false, quiet: false });
    expect((await parse('report', [])).tool).toEqual({ json: false, html: undefined, csv: undefined });
    expect((await parse('doctor', [])).tool).toEqual({ json: false, apiKey: undefined, baseUrl: undefined, server: undefined });
  });

  test('bare --wait-for-credits and --wait-lock wait 12 h and 1 h', async () => {
    expect(await parse('run', ['--wait-for-credits', '--wait-lock'])).toMatchObject({ waitForCreditsMs: 12 * 3_600_000, waitLockMs: 3_600_000 });
  });

  test.each(COMMANDS)('%s --help shows each default from its row', (command) => {
    const cmd = createProgram(io, { exitCode: 0 }).commands.find((c) => c.name() === command)!;
    const help = cmd.helpInformation().replace(/\s+/g, ' ');
    for (const [table] of TABLES) {
      for (const row of Object.values(table)) {
        if (!row.for.includes(command)) continue;
        const f = specFor(row, command);
        const shown = f.shownDefault === false ? undefined : (f.shownDefault ?? f.default ?? f.bare);
        if (!shown) continue;
        expect(help, f.spelling).toContain(f.help.includes('{default}') ? `default ${shown}` : `default: ${shown}`);
      }
    }
  });
});
