import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { PHOTO_EXTENSIONS, scanInputs } from '../../core/scan.js';
import { RESULTS_FILE } from '../../core/journal.js';
import { historyStatsFromFile } from '../../core/history.js';
import { style, useColor, useProgress, type CliIO } from '../io.js';
import { parseRunOptions } from '../run-options.js';
import { exitCodeForRun, ExitCode } from '../exit-codes.js';
import { renderRunSummary } from '../render-summary.js';
import { renderDryRun } from '../render-dry-run.js';
import { dryRunStdout } from '../dry-run-output.js';
import { redactKey } from '../../core/openrouter/redact.js';
import { pathTemplateVars } from '../../core/template.js';
import { formatShard, selectShard } from '../../core/shard.js';
import { StdoutClosedError } from '../../core/safety/env-errors.js';
import { escapeJsonControls, jsonLine, terminalSafe, terminalSafeLine } from '../terminal-text.js';

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

  const scanned = await withSpinner(io, showProgress, 'Scanning for photos…', () =>
    scanInputs(inputs, {
      outDir: opts.outDir,
      cwd: io.cwd,
      readStdinPaths: async () => splitPathList(await io.readStdin(), flags.null === true),
      onSkip: (input, reason) => io.stderr.write(s.yellow(`Skipped ${terminalSafeLine(input)}: ${reason}`) + '\n'),
    }),
  );
  // Delivered copies are outputs: a delivery folder inside the input is never read back as photos.
  const deliverDir = opts.delivery.deliverDir;
  if (deliverDir !== undefined && path.resolve(deliverDir) === path.resolve(opts.outDir)) {
    throw new UsageError('--deliver needs a folder of its own, not the --out folder (sidecars and reports live there); e.g. --deliver ./delivered');
  }
  const found = deliverDir === undefined ? scanned : scanned.filter((p) => !isInside(deliverDir, p.path));
  if (found.length === 0) {
    const exts = [...PHOTO_EXTENSIONS].map((e) => e.slice(1)).join(', ');
    throw new UsageError(`No photos found in ${inputs.join(', ')} (looked for ${exts}); check the path.`);
  }
  const photos = opts.shard ? selectShard(found, opts.shard) : found;
  if (opts.shard) info(s.dim(`Shard ${formatShard(opts.shard)}: ${photos.length} of ${found.length} photos`));

  const stats = await historyStatsFromFile(path.join(opts.outDir, RESULTS_FILE), opts.config.model);
  const { loadPrices, findPrice } = await import('../../core/pricing/prices.js');
  const { planReasoning } = await import('../../core/reasoning.js');
  /** The reasoning plan and the max_tokens that goes with it (headroom for thinking unless --max-tokens was given). */
  const reasoningFor = (price: { reasoning?: import('../../core/reasoning.js').ModelReasoning } | undefined, openRouter = true) => {
    // `reasoning` is OpenRouter's request field; other servers get nothing they might reject.
    const plan = openRouter ? planReasoning(opts.config.model, opts.reasoning, price?.reasoning) : { on: false, expectedTokens: 0, headroomTokens: 0 };
    const maxTokens = opts.maxTokens + (opts.maxTokensExplicit ? 0 : plan.headroomTokens);
    return { plan: plan as import('../../core/reasoning.js').ReasoningPlan, maxTokens };
  };
  const historyEstimate = {
    ...(stats.avgCompletionTokens === undefined ? {} : { historyOutputTokens: stats.avgCompletionTokens }),
    ...(stats.requestsPerPhoto === undefined ? {} : { historyRequestsPerPhoto: stats.requestsPerPhoto }),
  };

  if (opts.dryRun) {
    const prices = await loadPrices({ offline: true, env: io.env, baseURL: opts.config.baseURL });
    const { estimateDryRun } = await import('../../core/dry-run.js');
    const { selfPrice } = await import('../../core/endpoints/self-price.js');
    const own = opts.endpoint.priceIn === undefined ? undefined : selfPrice(opts.config.model, opts.endpoint.priceIn, opts.endpoint.priceOut!);
    const dryPrice = own ?? findPrice(prices.models, opts.config.model);
    const reasoning = reasoningFor(dryPrice);
    const estimate = await withSpinner(io, showProgress, `Reading ${photos.length} image headers…`, () =>
      estimateDryRun({
        photos, model: opts.config.model, prompt: (photo) => opts.plan.prompt(pathTemplateVars(photo)), maxTokens: reasoning.maxTokens, maxEdge: opts.config.maxEdge,
        maxEdgeExplicit: opts.config.maxEdgeExplicit, concurrency: opts.concurrency, price: dryPrice,
        ...historyEstimate, reasoningTokens: reasoning.plan.on ? reasoning.plan.expectedTokens : 0,
        ...(stats.avgSecondsPerRequest === undefined ? {} : { historySecondsPerRequest: stats.avgSecondsPerRequest }),
      }),
    );
    const { tierEstimateLine } = await import('../render-tiers.js');
    const { flexRatio, mayServeFlex } = await import('../../core/tiers/flex.js');
    const ratio = mayServeFlex(opts.config.model, opts.endpoint.tier.tier) ? flexRatio(opts.config.model.replace(/:floor$/i, '')) : null;
    const tiers = { standard_usd: estimate.totals.expectedUsd, flex_usd: ratio === null || estimate.totals.expectedUsd === null ? null : estimate.totals.expectedUsd * ratio };
    // The breakdown first, the data last: on a terminal the number ends the output, under its explanation.
    if (!opts.quiet) {
      if (reasoning.plan.note) io.stderr.write(s.dim(reasoning.plan.note) + '\n');
      io.stderr.write(renderDryRun(estimate, own ? { source: 'your --price-in/--price-out', date: 'now' } : { source: prices.source, date: prices.date }, { ...opts, maxTokens: reasoning.maxTokens }, color));
      const line = tierEstimateLine(opts.config.model, opts.endpoint.tier.tier, estimate.totals.expectedUsd);
      if (line) io.stderr.write(line + '\n');
    }
    io.stdout.write(dryRunStdout(estimate, { tiers, prices: own ? { source: 'your prices' } : { source: prices.source, date: prices.date } }, opts.json));
    return ExitCode.ok;
  }

  const apiKey = opts.config.apiKey;
  const { openEndpoint, ensureVision } = await import('../../core/endpoints/open-endpoint.js');
  const endpoint = await openEndpoint({
    baseURL: opts.config.baseURL, apiKey, timeoutMs: opts.timeoutMs, env: io.env,
    ...(opts.endpoint.serverKind ? { serverKind: opts.endpoint.serverKind } : {}),
    ...(opts.endpoint.priceIn === undefined ? {} : { priceIn: opts.endpoint.priceIn, priceOut: opts.endpoint.priceOut! }),
  });
  const client = endpoint.client;
  const openRouter = endpoint.server.kind === 'openrouter';
  try {
    for (const w of endpoint.warnings) io.stderr.write(s.yellow(`Warning: ${terminalSafe(w)}`) + '\n');
    const remaining = endpoint.keyInfo?.limit_remaining;
    const tierText = opts.endpoint.tier.tier === 'flex' ? ` · tier flex (fallback: ${opts.endpoint.tier.fallback})` : '';
    info(s.dim(openRouter
      ? `Key ${redactKey(apiKey)} · model ${opts.config.model}${tierText}` + (typeof remaining === 'number' ? ` · $${remaining.toFixed(2)} left under the key's limit` : '')
      : `Server: ${endpoint.server.name} at ${endpoint.server.baseURL} · model ${opts.config.model} · ${endpoint.priceLabel}${apiKey ? ` · key ${redactKey(apiKey)}` : ''}`));
    for (const n of endpoint.notes) info(s.dim(n));
    if (!openRouter && opts.endpoint.tier.tier === 'flex') io.stderr.write(s.yellow(`Warning: --tier flex is an OpenRouter option; ${endpoint.server.name} ignores it.`) + '\n');
    // The probe image may be billed (LiteLLM, self-priced): it counts against --max-cost like any request.
    let probeUsd = 0;
    if (opts.endpoint.visionCheck) {
      const verdict = await ensureVision(endpoint, opts.config.model);
      probeUsd = verdict?.probe?.usage.cost_usd ?? 0;
      if (verdict) info(s.dim(`Vision: ${opts.config.model} reads images (${verdict.source}${verdict.probe ? `: ${verdict.detail}` : ''})`));
    }
    const price = endpoint.priceOf(opts.config.model);
    const capFlag = opts.maxCostUsd !== undefined ? '--max-cost' : opts.maxCostPerDayUsd !== undefined ? '--max-cost-per-day' : undefined;
    if (capFlag && (price === undefined || price.prompt === null || price.completion === null)) {
      throw new UsageError(openRouter
        ? `${capFlag} needs the price of ${opts.config.model}, which is unknown; pick a model listed by \`photobatch models\` or pass --price-in/--price-out.`
        : `${capFlag} needs a price, and ${endpoint.server.name} reports none; pass --price-in and --price-out (USD per million tokens).`);
    }
    // Said before anything is paid: without a listed price the estimates and the by-photo cost check are blind.
    if (openRouter && price === undefined && endpoint.prices?.source === 'live') {
      io.stderr.write(s.yellow(`Warning: ${opts.config.model} is not listed by ${opts.config.baseURL}/models, so its price is unknown: estimates will say "unknown" (the bill still uses what is charged). Check the model id with \`photobatch models\`.`) + '\n');
    }
    const reasoning = reasoningFor(price, openRouter);
    if (reasoning.plan.note) info(s.dim(reasoning.plan.note));
    const classifyHelpers = await import('../../core/time-text.js');

    const { OutputManifest } = await import('../../core/safety/output-manifest.js');
    const manifest = new OutputManifest(opts.outDir, photos.map((p) => p.path));
    const sidecars = opts.sidecars.kinds.length === 0
      ? undefined
      : (await import('../../core/sidecars/index.js')).createSidecarWriter({ ...opts.sidecars, outDir: opts.outDir, photos, manifest });
    const deliverer = deliverDir === undefined
      ? undefined
      : (await import('../../core/deliver/deliver.js')).createDeliverer({ dir: deliverDir, naming: opts.sidecars.naming });
    const metadataReader = opts.delivery.contextFromMetadata ? (await import('../../core/metadata-context.js')).createMetadataContextReader() : undefined;
    return await runWithSignals(io, async (stopSignal, abortSignal, stdoutClosed) => {
      const { runBatch } = await import('../../core/batch.js');
      const progress = showProgress ? await (await import('../progress.js')).createRunProgress(io, photos.length, opts.concurrency) : undefined;
      // Off a terminal (nohup, CI, a log): a plain line every N photos or 30 s instead of a bar.
      const lines = !showProgress && !opts.quiet && opts.progress ? (await import('../progress-lines.js')).createProgressLines(io, photos.length) : undefined;
      const warnings: string[] = [];
      // Without a progress bar a long wait still says what it waits for and until when (never a silent hang).
      let announcedUntil = 0;
      const announceWait = (event: import('../../core/batch.js').BatchEvent) => {
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
      const tierTally = new (await import('../../core/tiers/flex.js')).TierTally(price);
      try {
        const result = await runBatch({
          photos, outDir: opts.outDir, client, model: opts.config.model, fallbackModels: opts.fallbackModels,
          prompt: opts.plan, maxTokens: reasoning.maxTokens, jobMaxTokens: opts.maxTokens, contactSheet: opts.contactSheet,
          reasoning: { ...(reasoning.plan.field ? { field: reasoning.plan.field } : {}), expectedTokens: reasoning.plan.on ? reasoning.plan.expectedTokens : 0, inJob: opts.reasoningExplicit },
          ...(opts.maxCostPerDayUsd === undefined ? {} : { maxCostPerDayUsd: Math.max(0, opts.maxCostPerDayUsd - probeUsd) }),
          ...(stats.requestsPerPhoto === undefined ? {} : { expectedRequestsPerPhoto: stats.requestsPerPhoto }),
          ...(sidecars ? { sidecars } : {}),
          ...(deliverer ? { deliverer } : {}),
          ...(metadataReader ? { metadataContext: (photo: import('../../core/types.js').PhotoRef) => metadataReader.read(photo) } : {}),
          ...(opts.modalities ? { requestExtra: { modalities: opts.modalities } } : {}), concurrency: opts.concurrency, autoConcurrency: opts.autoConcurrency, retries: opts.retries,
          quality: opts.quality, maxEdge: opts.config.maxEdge, maxEdgeExplicit: opts.config.maxEdgeExplicit, force: opts.force,
          ...(opts.rpm === undefined ? {} : { rpm: opts.rpm }),
          ...(opts.maxCostUsd === undefined ? {} : { maxCostUsd: Math.max(0, opts.maxCostUsd - probeUsd) }),
          ...(opts.waitLockMs === undefined ? {} : { lockWaitMs: opts.waitLockMs }),
          // Credits are polled on OpenRouter's /key, which no other server has.
          ...(opts.waitForCreditsMs === undefined || !openRouter ? {} : { waitForCreditsMs: opts.waitForCreditsMs }),
          ...(openRouter && opts.endpoint.tier.tier === 'flex' ? { tier: opts.endpoint.tier } : {}),
          ...(price === undefined ? {} : { price }),
          ...(stats.avgCompletionTokens === undefined ? {} : { expectedOutputTokens: stats.avgCompletionTokens }),
          stopSignal, abortSignal, manifest, keepRecords: flags.reconcile === true,
          onEvent: (event) => {
            if (event.type === 'record') tierTally.add(event.record);
            progress?.onEvent(event);
            lines?.onEvent(event);
            if (opts.json && !stdoutClosed() && (event.type === 'record' || event.type === 'skipped')) {
              io.stdout.write(jsonLine(event.type === 'skipped' ? { ...event.record, skipped: true } : event.record) + '\n');
            }
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
          const { summarizeTiers } = await import('../../core/tiers/flex.js');
          const { tierSummaryLine } = await import('../render-tiers.js');
          const tiers = tierSummaryLine(tierTally.summary(), opts.endpoint.tier.tier === 'flex' || /:floor$/i.test(opts.config.model));
          if (tiers) io.stderr.write(tiers + '\n');
        }
        else if (result.stopped && result.stopped.reason !== 'interrupted') io.stderr.write(s.yellow(`Stopped: ${terminalSafe(result.stopped.message)}`) + '\n');
        // --reconcile: an audit of the inline costs against /generation. It never changes the exit code: the run's outcome stands.
        if (flags.reconcile === true && !openRouter) io.stderr.write(s.yellow(`Reconcile skipped: ${endpoint.server.name} has no /generation billing record.`) + '\n');
        if (flags.reconcile === true && openRouter && result.stopped?.reason !== 'interrupted') {
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
        lines?.stop();
        await sidecars?.close();
        await deliverer?.close();
        await metadataReader?.close();
      }
    });
  } finally {
    await endpoint.close();
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
