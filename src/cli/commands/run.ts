import path from 'node:path';
import { ConfigError, UsageError } from '../../core/errors.js';
import { PHOTO_EXTENSIONS, scanInputs } from '../../core/scan.js';
import { readRecords, RESULTS_FILE } from '../../core/journal.js';
import { historyStats } from '../../core/history.js';
import { style, useColor, useProgress, type CliIO } from '../io.js';
import { parseRunOptions } from '../run-options.js';
import { exitCodeForRun, ExitCode } from '../exit-codes.js';
import { renderRunSummary } from '../render-summary.js';
import { renderDryRun } from '../render-dry-run.js';
import { redactKey } from '../../core/openrouter/redact.js';
import { pathTemplateVars } from '../../core/template.js';
import { StdoutClosedError } from '../../core/safety/env-errors.js';
import { jsonLine, terminalSafe, terminalSafeLine } from '../terminal-text.js';
import { allowsInsecureHttp } from '../io.js';

export async function runCommand(inputs: string[], flags: Record<string, unknown>, io: CliIO): Promise<number> {
  const opts = parseRunOptions(flags, io);
  const color = useColor(io);
  const s = style(color);
  const showProgress = useProgress(io, opts);
  const info = (line: string) => {
    if (!opts.quiet) io.stderr.write(line + '\n');
  };

  const photos = await withSpinner(io, showProgress, 'Scanning for photos…', () =>
    scanInputs(inputs, {
      outDir: opts.outDir,
      cwd: io.cwd,
      readStdinPaths: async () => splitPathList(await io.readStdin(), flags.null === true),
      onSkip: (input, reason) => io.stderr.write(s.yellow(`Skipped ${terminalSafeLine(input)}: ${reason}`) + '\n'),
    }),
  );
  if (photos.length === 0) {
    const exts = [...PHOTO_EXTENSIONS].map((e) => e.slice(1)).join(', ');
    throw new UsageError(`No photos found in ${inputs.join(', ')} (looked for ${exts}); check the path.`);
  }

  const history = readRecords(path.join(opts.outDir, RESULTS_FILE));
  const stats = historyStats(history, opts.config.model);
  const { loadPrices, findPrice } = await import('../../core/pricing/prices.js');

  if (opts.dryRun) {
    const prices = await loadPrices({ offline: true, env: io.env });
    const { estimateDryRun } = await import('../../core/dry-run.js');
    const estimate = await withSpinner(io, showProgress, `Reading ${photos.length} image headers…`, () =>
      estimateDryRun({
        photos, model: opts.config.model, prompt: (photo) => opts.plan.prompt(pathTemplateVars(photo)), maxTokens: opts.maxTokens, maxEdge: opts.config.maxEdge,
        maxEdgeExplicit: opts.config.maxEdgeExplicit, concurrency: opts.concurrency, price: findPrice(prices.models, opts.config.model),
        ...(stats.avgCompletionTokens === undefined ? {} : { historyOutputTokens: stats.avgCompletionTokens }),
        ...(stats.avgSecondsPerRequest === undefined ? {} : { historySecondsPerRequest: stats.avgSecondsPerRequest }),
      }),
    );
    if (opts.json) io.stdout.write(JSON.stringify({ ...estimate, prices: { source: prices.source, date: prices.date } }, null, 2) + '\n');
    if (!opts.quiet) io.stderr.write(renderDryRun(estimate, { source: prices.source, date: prices.date }, opts, color));
    return ExitCode.ok;
  }

  const apiKey = opts.config.apiKey;
  if (!apiKey) {
    throw new ConfigError('No API key: set OPENROUTER_API_KEY in .env or the environment (see .env.example), or try --dry-run, which needs none.');
  }
  const { keyFormatWarning, checkKey } = await import('../../core/preflight.js');
  const formatWarning = keyFormatWarning(apiKey);
  if (formatWarning) io.stderr.write(s.yellow(`Warning: ${formatWarning}`) + '\n');

  const { OpenRouterClient } = await import('../../core/openrouter/client.js');
  const client = new OpenRouterClient({ apiKey, baseURL: opts.config.baseURL, timeoutMs: opts.timeoutMs, allowInsecureHttp: flags.allowInsecureHttp === true || allowsInsecureHttp(io.env) });
  try {
    const key = await checkKey(client);
    if (key.warning) io.stderr.write(s.yellow(`Warning: ${terminalSafe(key.warning)}`) + '\n');
    const remaining = key.info?.limit_remaining;
    info(
      s.dim(`Key ${redactKey(apiKey)} · model ${terminalSafeLine(opts.config.model)}` + (typeof remaining === 'number' ? ` · $${remaining.toFixed(2)} left under the key's limit` : '')),
    );

    const prices = await loadPrices({ fetchModels: () => client.listModels(), env: io.env });
    if (prices.warning) info(s.dim(terminalSafe(prices.warning)));
    const price = findPrice(prices.models, opts.config.model);
    if (opts.maxCostUsd !== undefined && (price === undefined || price.prompt === null || price.completion === null)) {
      throw new UsageError(`--max-cost needs the price of ${opts.config.model}, which is unknown; pick a model listed by \`photobatch models\`.`);
    }

    const { OutputManifest } = await import('../../core/safety/output-manifest.js');
    const manifest = new OutputManifest(opts.outDir, photos.map((p) => p.path));
    const sidecars = opts.sidecars.kinds.length === 0
      ? undefined
      : (await import('../../core/sidecars/index.js')).createSidecarWriter({ ...opts.sidecars, outDir: opts.outDir, photos, manifest });
    return await runWithSignals(io, async (stopSignal, abortSignal, stdoutClosed) => {
      const { runBatch } = await import('../../core/batch.js');
      const progress = showProgress ? await (await import('../progress.js')).createRunProgress(io, photos.length, opts.concurrency) : undefined;
      const warnings: string[] = [];
      try {
        const result = await runBatch({
          photos, outDir: opts.outDir, client, model: opts.config.model, fallbackModels: opts.fallbackModels,
          prompt: opts.plan, maxTokens: opts.maxTokens, contactSheet: opts.contactSheet,
          ...(sidecars ? { sidecars } : {}),
          ...(opts.modalities ? { requestExtra: { modalities: opts.modalities } } : {}), concurrency: opts.concurrency, retries: opts.retries,
          quality: opts.quality, maxEdge: opts.config.maxEdge, maxEdgeExplicit: opts.config.maxEdgeExplicit, force: opts.force,
          ...(opts.rpm === undefined ? {} : { rpm: opts.rpm }),
          ...(opts.maxCostUsd === undefined ? {} : { maxCostUsd: opts.maxCostUsd }),
          ...(opts.waitForCreditsMs === undefined ? {} : { waitForCreditsMs: opts.waitForCreditsMs }),
          ...(opts.waitLockMs === undefined ? {} : { lockWaitMs: opts.waitLockMs }),
          ...(price === undefined ? {} : { price }),
          ...(stats.avgCompletionTokens === undefined ? {} : { expectedOutputTokens: stats.avgCompletionTokens }),
          stopSignal, abortSignal, manifest,
          onEvent: (event) => {
            progress?.onEvent(event);
            if (opts.json && !stdoutClosed() && (event.type === 'record' || event.type === 'skipped')) {
              io.stdout.write(jsonLine(event.type === 'skipped' ? { ...event.record, skipped: true } : event.record) + '\n');
            }
            if (event.type === 'stopping' && !progress && event.reason !== 'stdout_closed') io.stderr.write(s.yellow(terminalSafe(event.message)) + '\n');
            // Under a progress bar a warning would be drawn over; keep them for after the bar.
            if (event.type === 'warning') (progress ? warnings.push(event.message) : io.stderr.write(s.yellow(`Warning: ${terminalSafe(event.message)}`) + '\n'));
          },
        });
        progress?.stop();
        for (const w of warnings) io.stderr.write(s.yellow(`Warning: ${terminalSafe(w)}`) + '\n');
        if (result.unsaved) io.stderr.write(describeUnsaved(result.unsaved) + '\n');
        if (!opts.quiet) io.stderr.write(renderRunSummary(result, displayPath(io.cwd, opts.outDir), color));
        else if (result.stopped && result.stopped.reason !== 'interrupted') io.stderr.write(s.yellow(`Stopped: ${terminalSafe(result.stopped.message)}`) + '\n');
        // --reconcile: an audit of the inline costs against /generation. It never changes the exit code: the run's outcome stands.
        if (flags.reconcile === true && result.stopped?.reason !== 'interrupted') {
          const { reconcileCosts, writeReconcileFile, summarizeReconcile } = await import('../../core/reconcile.js');
          try {
            const reconciled = await reconcileCosts({ client, records: result.records, signal: abortSignal });
            const file = await writeReconcileFile(opts.outDir, reconciled);
            if (!opts.quiet || reconciled.differing > 0) io.stderr.write(summarizeReconcile(reconciled, displayPath(io.cwd, file)) + '\n');
          } catch (err) {
            io.stderr.write(s.yellow(`Reconcile skipped: ${terminalSafe((err as Error).message)}`) + '\n');
          }
        }
        return exitCodeForRun(result);
      } finally {
        progress?.stop();
        await sidecars?.close();
      }
    });
  } finally {
    await client.close();
  }
}

/**
 * First Ctrl-C (or SIGTERM, SIGHUP): finish what is in flight. Second: abort it.
 * stdout closed by its reader (EPIPE) is a first stop too, and nothing more is written to it.
 */
async function runWithSignals(
  io: CliIO,
  body: (stop: AbortSignal, abort: AbortSignal, stdoutClosed: () => boolean) => Promise<number>,
): Promise<number> {
  const stop = new AbortController();
  const abort = new AbortController();
  let closed = false;
  const unsubscribe = io.onSignal(() => {
    if (!stop.signal.aborted) stop.abort();
    else abort.abort();
  });
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') return;
    closed = true;
    if (!stop.signal.aborted) stop.abort(new StdoutClosedError());
  };
  io.stdout.on('error', onStdoutError);
  try {
    return await body(stop.signal, abort.signal, () => closed);
  } finally {
    unsubscribe();
    io.stdout.off('error', onStdoutError);
  }
}

/** Where paid answers went when results.jsonl could not take them; never silently dropped. */
function describeUnsaved(unsaved: { file?: string; records: unknown[] }): string {
  const n = unsaved.records.length;
  if (unsaved.file) return `${n} paid answer${n === 1 ? '' : 's'} could not be added to results.jsonl; saved in ${unsaved.file} (append it to results.jsonl once there is room).`;
  return `${n} paid answer${n === 1 ? '' : 's'} could not be saved anywhere; here they are, one JSON line each:\n` + unsaved.records.map((r) => jsonLine(r)).join('\n');
}

async function withSpinner<T>(io: CliIO, enabled: boolean, text: string, work: () => Promise<T>): Promise<T> {
  if (!enabled) return work();
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: io.stderr as NodeJS.WriteStream, discardStdin: false }).start();
  try {
    return await work();
  } finally {
    spinner.stop();
  }
}

function displayPath(cwd: string, p: string): string {
  const rel = path.relative(cwd, p);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? p : `./${rel}`;
}

/**
 * Paths from stdin: NUL-separated with -0/--null (`find -print0`, any byte but NUL allowed in a name),
 * else one per line. Lines are not trimmed beyond their line ending: a name may begin or end with a space.
 */
export function splitPathList(text: string, nul: boolean): string[] {
  const parts = nul ? text.split('\0') : text.split(/\r?\n/);
  return parts.filter((p) => p.trim() !== '');
}
