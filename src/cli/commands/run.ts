import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { PHOTO_EXTENSIONS, scanPhotoList } from '../../core/source/scan.js';
import { RESULTS_FILE } from '../../core/record/journal.js';
import { historyStatsFromFile } from '../../core/record/history.js';
import { style, useColor, useProgress, writePaced, type CliIO } from '../io.js';
import { parseRunOptions } from '../run-options.js';
import { exitCodeForRun, ExitCode } from '../exit-codes.js';
import { renderRunSummary } from '../render-summary.js';
import { renderDryRun } from '../render-dry-run.js';
import { dryRunCostLine, dryRunJson } from '../dry-run-output.js';
import { pathTemplateVars } from '../../core/prompt/template.js';
import { describeUnsaved, runWithSignals } from '../run-signals.js';
import { formatShard, selectShard } from '../../core/source/shard.js';
import { escapeJsonControls, terminalSafe, terminalSafeLine } from '../terminal-text.js';

export async function runCommand(inputs: string[], flags: Record<string, unknown>, io: CliIO): Promise<number> {
  const opts = parseRunOptions(flags, io);
  // HEIC: the native libheif tools are looked up on this environment's PATH (PHOTOBATCH_HEIC_DECODER=wasm|native overrides).
  (await import('../../core/images/heic-native.js')).configureHeicDecoder(io.env);
  const color = useColor(io);
  const s = style(color);
  const showProgress = useProgress(io, opts);
  const info = (line: string) => {
    if (!opts.quiet) io.stderr.write(line + '\n');
  };

  // A real run asks for the key check and the price list now, while the folders are scanned.
  const pending = opts.dryRun ? undefined : (await import('../run-setup.js')).startRunEndpoint(opts, io, s);
  try {
    return await runScanned(inputs, opts, io, s, color, showProgress, info, pending);
  } catch (err) {
    pending?.discard();
    throw err;
  }
}

async function runScanned(
  inputs: string[], opts: ReturnType<typeof parseRunOptions>, io: CliIO, s: ReturnType<typeof style>, color: boolean, showProgress: boolean,
  info: (line: string) => void, pending: import('../run-setup.js').PendingEndpoint | undefined,
): Promise<number> {
  const scanned = await withSpinner(io, showProgress, 'Scanning for photos…', () =>
    scanPhotoList(inputs, {
      outDir: opts.outDir,
      cwd: io.cwd,
      readStdinPaths: async () => splitPathList(await io.readStdin(), opts.nullSeparated),
      onSkip: (input, reason) => io.stderr.write(s.yellow(`Skipped ${terminalSafeLine(input)}: ${reason}`) + '\n'),
    }),
  );
  // Delivered copies are outputs: a delivery folder inside the input is never read back as photos.
  const deliverDir = opts.delivery.deliverDir;
  (await import('../run-setup.js')).checkDeliverDir(opts);
  const found = deliverDir === undefined ? scanned : scanned.filter((p) => !isInside(deliverDir, p.path));
  if (found.length === 0) {
    const exts = [...PHOTO_EXTENSIONS].map((e) => e.slice(1)).join(', ');
    throw new UsageError(`No photos found in ${inputs.join(', ')} (looked for ${exts}); check the path.`);
  }
  const photos = opts.shard ? selectShard(found, opts.shard) : found;
  if (opts.shard) info(s.dim(`Shard ${formatShard(opts.shard)}: ${photos.length} of ${found.length} photos`));

  const stats = await historyStatsFromFile(path.join(opts.outDir, RESULTS_FILE), opts.config.model);
  const { loadPrices, findPrice } = await import('../../core/pricing/prices.js');
  const historyEstimate = {
    ...(stats.avgCompletionTokens === undefined ? {} : { historyOutputTokens: stats.avgCompletionTokens }),
    ...(stats.requestsPerPhoto === undefined ? {} : { historyRequestsPerPhoto: stats.requestsPerPhoto }),
  };

  if (opts.dryRun) {
    const prices = await loadPrices({ offline: true, env: io.env, baseURL: opts.config.baseURL });
    const { dryRunHead, streamDryRun } = await import('../../core/run/dry-run.js');
    const { selfPrice } = await import('../../core/send/endpoints/self-price.js');
    const own = opts.endpoint.priceIn === undefined ? undefined : selfPrice(opts.config.model, opts.endpoint.priceIn, opts.endpoint.priceOut!);
    const dryPrice = own ?? findPrice(prices.models, opts.config.model);
    const { reasoningFor } = await import('../run-setup.js');
    const reasoning = await reasoningFor(opts, dryPrice);
    // --json: each photo's estimate goes out as soon as it is known; only the sums are kept.
    // Written in pieces of ~64 KB: one write per photo would be 100,000 system calls.
    let pending = '';
    const json = opts.json ? dryRunJson((text) => (pending += text), dryRunHead(opts.config.model)) : undefined;
    const flush = async () => {
      const text = pending;
      pending = '';
      if (text !== '') await writePaced(io.stdout, text);
    };
    // The spinner is drawn only when nothing streams to stdout: the two would overwrite each other on one terminal.
    const estimate = await withSpinner(io, showProgress && !json, `Reading ${photos.length} image headers…`, () =>
      streamDryRun({
        photos, model: opts.config.model, prompt: (photo) => opts.plan.prompt(pathTemplateVars(photo)), maxTokens: reasoning.maxTokens, maxEdge: opts.config.maxEdge,
        maxEdgeExplicit: opts.config.maxEdgeExplicit, concurrency: opts.concurrency, price: dryPrice,
        ...historyEstimate, reasoningTokens: reasoning.plan.on ? reasoning.plan.expectedTokens : 0,
        ...(stats.avgSecondsPerRequest === undefined ? {} : { historySecondsPerRequest: stats.avgSecondsPerRequest }),
      }, async (photo) => {
        if (!json) return;
        json.photo(photo);
        if (pending.length >= 65_536) await flush();
      }),
    );
    const { tierEstimateLine } = await import('../render-tiers.js');
    const { flexRatio, mayServeFlex } = await import('../../core/send/flex-tier.js');
    const ratio = mayServeFlex(opts.config.model, opts.endpoint.tier.tier) ? flexRatio(opts.config.model.replace(/:floor$/i, '')) : null;
    const tiers = { standard_usd: estimate.totals.expectedUsd, flex_usd: ratio === null || estimate.totals.expectedUsd === null ? null : estimate.totals.expectedUsd * ratio };
    // The breakdown first, the data last: on a terminal the number ends the output, under its explanation.
    if (!opts.quiet) {
      if (reasoning.plan.note) io.stderr.write(s.dim(reasoning.plan.note) + '\n');
      io.stderr.write(renderDryRun(estimate, own ? { source: 'your --price-in/--price-out', date: 'now' } : { source: prices.source, date: prices.date }, { ...opts, maxTokens: reasoning.maxTokens }, color));
      const line = tierEstimateLine(opts.config.model, opts.endpoint.tier.tier, estimate.totals.expectedUsd);
      if (line) io.stderr.write(line + '\n');
    }
    if (json) json.end(estimate, { tiers, prices: own ? { source: 'your prices' } : { source: prices.source, date: prices.date } });
    else pending += dryRunCostLine(estimate);
    await flush();
    return ExitCode.ok;
  }

  const { batchSettings, openPhotoOutputs } = await import('../run-setup.js');
  const setup = await pending!.open();
  const { endpoint, openRouter, price } = setup;
  const client = endpoint.client;
  try {
    const classifyHelpers = await import('../../core/time-text.js');

    const outputs = await openPhotoOutputs(opts, photos);
    return await runWithSignals(io, async (stopSignal, abortSignal, stdoutClosed) => {
      const { runBatch } = await import('../../core/session/run-batch.js');
      const progress = showProgress ? await (await import('../progress.js')).createRunProgress(io, photos.length, opts.concurrency) : undefined;
      // Off a terminal (nohup, CI, a log): a plain line every N photos or 30 s instead of a bar.
      const lines = !showProgress && !opts.quiet && opts.progress ? (await import('../progress-lines.js')).createProgressLines(io, photos.length) : undefined;
      const warnings: string[] = [];
      // Without a progress bar a long wait still says what it waits for and until when (never a silent hang).
      let announcedUntil = 0;
      const announceWait = (event: import('../../core/session/run-batch.js').BatchEvent) => {
        if (event.type !== 'sender') return;
        const e = event.event;
        const { clock, waitText } = classifyHelpers;
        if (e.type === 'gate' && e.untilMs - Date.now() >= 10_000 && e.untilMs - announcedUntil >= 10_000) {
          announcedUntil = e.untilMs;
          io.stderr.write(s.dim(`Waiting ${waitText(e.untilMs - Date.now())} (${e.reason === 'in_flight_budget' ? 'in-flight credit budget' : 'rate limit'}); resuming at ${clock(e.untilMs)}.`) + '\n');
        } else if (e.type === 'waiting_for_credits') {
          io.stderr.write(s.dim(`Out of credits: waiting for a top-up at https://openrouter.ai/settings/credits${e.untilMs === undefined ? '' : ` until ${clock(e.untilMs)}, then stopping`}.`) + '\n');
        } else if (e.type === 'credits_back') {
          io.stderr.write(s.dim('Credits are back; going on.') + '\n');
        }
      };
      // Counted as records are written: the run keeps no records (flat memory).
      const tierTally = new (await import('../../core/send/flex-tier.js')).TierTally(price);
      try {
        const result = await runBatch({
          photos, ...batchSettings(opts, setup, stats), ...outputs.batch,
          stopSignal, abortSignal, keepRecords: opts.reconcile,
          ...(opts.json ? { sinks: [(await import('../json-lines-sink.js')).jsonLinesSink(io, stdoutClosed)] } : {}),
          onEvent: (event) => {
            if (event.type === 'record') tierTally.add(event.record);
            progress?.onEvent(event);
            lines?.onEvent(event);
            if (event.type === 'stopping' && !progress && event.reason !== 'stdout_closed') io.stderr.write(s.yellow(terminalSafe(event.message)) + '\n');
            if (!progress && !opts.quiet) announceWait(event);
            // Under a progress bar a warning would be drawn over; keep them for after the bar.
            if (event.type === 'warning') (progress ? warnings.push(event.message) : io.stderr.write(s.yellow(`Warning: ${terminalSafe(event.message)}`) + '\n'));
          },
        });
        progress?.stop();
        for (const w of warnings) io.stderr.write(s.yellow(`Warning: ${terminalSafe(w)}`) + '\n');
        if (result.unsaved) io.stderr.write(describeUnsaved(result.unsaved) + '\n');
        if (!opts.quiet) {
          io.stderr.write(renderRunSummary(result, displayPath(io.cwd, opts.outDir), color, { contactSheet: opts.contactSheet }));
          const { summarizeTiers } = await import('../../core/send/flex-tier.js');
          const { tierSummaryLine } = await import('../render-tiers.js');
          const tiers = tierSummaryLine(tierTally.summary(), opts.endpoint.tier.tier === 'flex' || /:floor$/i.test(opts.config.model));
          if (tiers) io.stderr.write(tiers + '\n');
        }
        else if (result.stopped && result.stopped.reason !== 'interrupted') io.stderr.write(s.yellow(`Stopped: ${terminalSafe(result.stopped.message)}`) + '\n');
        // --reconcile: an audit of the inline costs against /generation. It never changes the exit code: the run's outcome stands.
        if (opts.reconcile && !openRouter) io.stderr.write(s.yellow(`Reconcile skipped: ${endpoint.server.name} has no /generation billing record.`) + '\n');
        if (opts.reconcile && openRouter && result.stopped?.reason !== 'interrupted') {
          const { reconcileCosts, writeReconcileFile, summarizeReconcile } = await import('../../core/run/reconcile.js');
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
        lines?.stop();
        await outputs.close();
      }
    });
  } finally {
    await endpoint.close();
  }
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

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
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
