import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { PHOTO_EXTENSIONS, scanInputs } from '../../core/source/scan.js';
import { ExitCode } from '../exit-codes.js';
import { usd } from '../format.js';
import { style, useColor, type CliIO } from '../io.js';
import { parseCompareOptions } from '../compare-options.js';

/** `photobatch compare <inputs> -m a,b`: a thin layer over core/compare; everything human goes to stderr. */
export async function compareCommand(inputs: string[], flags: Record<string, unknown>, io: CliIO): Promise<number> {
  const opts = parseCompareOptions(flags, io);
  const s = style(useColor(io));
  const info = (line: string) => {
    if (!opts.quiet) io.stderr.write(line + '\n');
  };
  const { models, sample: n, sampleSeed: seed } = opts;

  const photos = await scanInputs(inputs, { outDir: opts.outDir, cwd: io.cwd, readStdinPaths: async () => (await io.readStdin()).split(/\r?\n/).map((l) => l.trim()).filter(Boolean) });
  if (photos.length === 0) {
    throw new UsageError(`No photos found in ${inputs.join(', ')} (looked for ${[...PHOTO_EXTENSIONS].map((e) => e.slice(1)).join(', ')}); check the path.`);
  }
  const { describeCandidates, chooseSample, strataOf } = await import('../../core/compare/sample.js');
  const candidates = await describeCandidates(photos);
  const sample = chooseSample(candidates, n, seed);
  if (sample.length === 0) throw new UsageError('None of the photos could be read; check the files (photobatch run --dry-run lists why).');
  info(s.dim(`Sample: ${sample.length} of ${photos.length} photos (seed ${seed}), covering ${strataOf(candidates, sample).join(', ')}`));

  const { openEndpoint } = await import('../../core/send/endpoints/open-endpoint.js');
  const endpoint = await openEndpoint({
    baseURL: opts.config.baseURL, apiKey: opts.config.apiKey, timeoutMs: opts.timeoutMs, env: io.env,
    ...(opts.endpoint.serverKind ? { serverKind: opts.endpoint.serverKind } : {}),
    ...(opts.endpoint.priceIn === undefined ? {} : { priceIn: opts.endpoint.priceIn, priceOut: opts.endpoint.priceOut! }),
  });
  try {
    for (const w of endpoint.warnings) io.stderr.write(s.yellow(`Warning: ${w}`) + '\n');
    info(s.dim(`Server: ${endpoint.server.name} at ${endpoint.server.baseURL} · ${models.length} models · ${endpoint.priceLabel}`));
    if (opts.maxCostUsd !== undefined) {
      const unpriced = models.filter((m) => {
        const p = endpoint.priceOf(m);
        return !p || p.prompt === null || p.completion === null;
      });
      if (unpriced.length > 0) throw new UsageError(`--max-cost needs a price for every model; unknown for ${unpriced.join(', ')} (pass --price-in/--price-out or pick models listed by \`photobatch models\`).`);
    }
    const { runCompare } = await import('../../core/compare/index.js');
    const result = await runCompare({
      endpoint, models, sample, allInputs: photos.length, outDir: opts.outDir, visionCheck: opts.endpoint.visionCheck,
      ...(opts.maxCostUsd === undefined ? {} : { maxCostUsd: opts.maxCostUsd }),
      batch: {
        prompt: opts.plan, maxTokens: opts.maxTokens, concurrency: opts.concurrency, retries: opts.retries, quality: opts.quality,
        maxEdge: opts.config.maxEdge, maxEdgeExplicit: opts.config.maxEdgeExplicit, force: opts.force,
      },
      onModel: (model, what, note) => info(what === 'start' ? `→ ${model}` : s.yellow(`✗ ${model}: ${note}`)),
      onEvent: (_model, e) => {
        if (e.type === 'warning') io.stderr.write(s.yellow(`Warning: ${e.message}`) + '\n');
      },
    });
    for (const st of result.stats) {
      info(`${st.model}: ${st.ok}/${st.photos} ok · billed ${usd(st.billed_usd)} · ${usd(st.cost_per_photo_usd)} per photo · all ${st.projected_all_inputs_usd.photos} photos ≈ ${usd(st.projected_all_inputs_usd.standard, 2)} (flex ${usd(st.projected_all_inputs_usd.flex, 2)}) · p50 ${fmtMs(st.latency_ms.p50)}`);
    }
    info(`Spent this run ${usd(result.spentUsd)} · ${displayPath(io.cwd, result.htmlFile)} · ${displayPath(io.cwd, result.jsonFile)}`);
    if (result.stopped) io.stderr.write(s.yellow(`Stopped: ${result.stopped.message}`) + '\n');
    if (opts.json) io.stdout.write((await (await import('node:fs/promises')).readFile(result.jsonFile, 'utf8')));
    if (result.stopped) return result.stopped.reason === 'interrupted' ? ExitCode.interrupted : ExitCode.stoppedResumable;
    return result.stats.some((st) => st.failures > 0) || Object.keys(result.notes).length > 0 ? ExitCode.someFailed : ExitCode.ok;
  } finally {
    await endpoint.close();
  }
}

const fmtMs = (x: number | null) => (x === null ? '—' : `${(x / 1000).toFixed(1)} s`);

function displayPath(cwd: string, p: string): string {
  const rel = path.relative(cwd, p);
  return rel.startsWith('..') || path.isAbsolute(rel) ? p : `./${rel}`;
}
