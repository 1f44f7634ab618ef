import type { CostReport } from '../report.js';
import type { ResultRecord } from '../../types.js';
import { CSP, CSS, SCRIPT } from './page-assets.js';
import { escapeHtml, formatUsd, renderOutput } from './render-output.js';

export interface ContactSheetInput {
  /** Latest record per photo (see latestByPath). */
  records: readonly ResultRecord[];
  report: CostReport;
  title?: string;
  /** URL of the photo's thumbnail relative to report.html, or undefined when there is none. */
  thumbnailFor: (r: ResultRecord) => string | undefined;
  /** A live gallery (photobatch watch): the page reloads itself every `refreshSeconds`. */
  live?: { refreshSeconds: number };
}

const int = (n: number): string => n.toLocaleString('en-US');
const readableTime = (iso: string): string => iso.replace(/^(\d{4}-\d\d-\d\d)T(\d\d:\d\d).*Z$/, '$1 $2 UTC');

// Beyond the first screenfuls, lazy loading keeps a sheet of thousands of photos from decoding them all at once.
const EAGER_THUMBS = 24;

function renderCard(r: ResultRecord, index: number, thumb: string | undefined): string {
  const failed = r.status === 'failed';
  const img = thumb
    ? `<img src="${escapeHtml(thumb)}" alt="${escapeHtml(r.file)}" loading="${index < EAGER_THUMBS ? 'eager' : 'lazy'}" decoding="async">`
    : '<span class="none">no preview</span>';
  const meta: string[] = [];
  if (r.model) meta.push(`<span data-s>${escapeHtml(r.model)}</span>`);
  if (r.usage) {
    meta.push(`<span class="cost">${r.usage.cost_usd === null ? 'cost not reported' : formatUsd(r.usage.cost_usd)}</span>`);
    meta.push(`<span>${int(r.usage.prompt_tokens)} in / ${int(r.usage.completion_tokens)} out tokens</span>`);
  } else if (!failed && r.duplicate_of === undefined) {
    meta.push('<span>no usage reported</span>');
  }
  if (typeof r.estimated_cost_usd === 'number') meta.push(`<span>est. ${formatUsd(r.estimated_cost_usd)}</span>`);
  if (r.attempts > 1) meta.push(`<span>${r.attempts} attempts</span>`);
  if (typeof r.ms === 'number') meta.push(`<span>${(r.ms / 1000).toFixed(1)} s</span>`);
  // Images an image-output model returned (a photobooth portrait), saved beside report.html.
  const ai = (r.images ?? []).filter((rel) => !/^[a-z]+:|^\/|(^|\/)\.\.(\/|$)/i.test(rel))
    .map((rel) => `<a class="ai" href="${escapeHtml(rel)}"><img src="${escapeHtml(rel)}" alt="AI image for ${escapeHtml(r.file)}" loading="lazy" decoding="async"></a>`).join('');
  const duplicate = r.duplicate_of === undefined ? '' : `<p class="dup" data-s>Same photo as ${escapeHtml(r.duplicate_of)} (not billed again)</p>`;
  const error = r.error
    ? `<div class="err" data-s><b>${escapeHtml(r.error.kind)}${r.error.http_status === null ? '' : ` (HTTP ${escapeHtml(r.error.http_status)})`}</b> ${escapeHtml(r.error.message)}</div>`
    : '';
  return `<article class="card ${failed ? 'failed' : 'ok'}" data-status="${failed ? 'failed' : 'ok'}">
<div class="thumb">${img}</div>
<div class="body"><h2 class="name" data-s>${escapeHtml(r.file)}${failed ? ' <span class="badge">failed</span>' : ''}</h2>
${error}${ai}${renderOutput((r as { output?: unknown }).output)}${duplicate}<p class="meta">${meta.join(' · ')}</p></div>
</article>`;
}

function stat(key: string, label: string, value: number | null, shown: string, bad = false): string {
  return `<div class="stat${bad ? ' bad' : ''}" data-stat="${key}" data-value="${value ?? ''}"><b>${shown}</b><span>${label}</span></div>`;
}

function renderSummary(report: CostReport): string {
  const { photos, cost_usd: cost } = report;
  const stats = [
    stat('ok', 'photos OK', photos.ok, int(photos.ok)),
    stat('failed', 'failed', photos.failed, int(photos.failed), photos.failed > 0),
    stat('skipped', 'skipped (done before)', photos.skipped, int(photos.skipped)),
    photos.pending > 0 ? stat('pending', 'not reached', photos.pending, int(photos.pending), true) : '',
    stat('billed', 'billed by OpenRouter', cost.billed, formatUsd(cost.billed)),
    stat('estimated', 'estimated', cost.estimated, formatUsd(cost.estimated)),
    stat('per-photo', 'per photo', report.per_photo_usd, formatUsd(report.per_photo_usd)),
    stat('per-1000', 'per 1,000 photos', report.projection_usd.photos_1000, formatUsd(report.projection_usd.photos_1000)),
  ];
  const models = Object.entries(report.by_model).sort((a, b) => b[1].cost_usd - a[1].cost_usd);
  const byModel = models.length
    ? `<table class="models"><thead><tr><th>Model</th><th class="n">Photos</th><th class="n">Billed</th></tr></thead><tbody>${models
        .map(([m, t]) => `<tr><td>${escapeHtml(m)}</td><td class="n">${int(t.photos)}</td><td class="n">${formatUsd(t.cost_usd)}</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  const kinds = Object.entries(report.failures_by_kind);
  const failures = kinds.length
    ? `<div><span class="k">failures by kind</span><ul class="chips bad">${kinds.map(([k, n]) => `<li>${escapeHtml(k)}: ${int(n)}</li>`).join('')}</ul></div>`
    : '';
  const notes = [
    `${int(report.tokens.prompt)} prompt + ${int(report.tokens.completion)} completion tokens`,
    `${(report.elapsed_ms / 1000).toFixed(1)} s`,
    cost.unreported > 0 ? `${int(cost.unreported)} answer(s) without a reported cost, not in the bill` : '',
    report.all_runs
      ? `all runs in this folder: ${int(report.all_runs.photos)} photos, ${int(report.all_runs.ok)} OK, ${int(report.all_runs.failed)} failed, ${formatUsd(report.all_runs.billed_usd)} billed`
      : '',
  ].filter(Boolean);
  const stopped = report.stopped
    ? `<p class="banner"><b>Run stopped (${escapeHtml(report.stopped.reason)}):</b> ${escapeHtml(report.stopped.message)}</p>`
    : '';
  return `${stopped}<section class="stats" aria-label="Cost summary">${stats.join('')}</section>
<div class="more">${byModel}${failures}<p class="notes">${notes.map(escapeHtml).join(' · ')}</p></div>`;
}

export function renderContactSheet(input: ContactSheetInput): string {
  return [...renderContactSheetChunks(input)].join('');
}

/**
 * The same page in pieces, one card at a time, so thousands of photos are written to disk without
 * ever holding the whole page in memory.
 */
export function* renderContactSheetChunks(input: ContactSheetInput): Generator<string> {
  yield sheetHead(input.title, input.records.length, input.report, input.live);
  for (const [i, r] of input.records.entries()) yield (i === 0 ? '' : '\n') + renderCard(r, i, input.thumbnailFor(r));
  yield SHEET_TAIL;
}

/** The page from a stream of records (read from results.jsonl one at a time); `total` is their number. */
export async function* renderContactSheetStream(input: {
  records: AsyncIterable<{ record: ResultRecord; thumbnail: string | undefined }>;
  total: number;
  report: CostReport;
  title?: string;
  live?: { refreshSeconds: number };
}): AsyncGenerator<string> {
  yield sheetHead(input.title, input.total, input.report, input.live);
  let i = 0;
  for await (const { record, thumbnail } of input.records) {
    yield (i === 0 ? '' : '\n') + renderCard(record, i, thumbnail);
    i++;
  }
  yield SHEET_TAIL;
}

function sheetHead(titleText: string | undefined, total: number, report: CostReport, live?: { refreshSeconds: number }): string {
  const title = titleText ?? 'photobatch contact sheet';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${live ? `<meta http-equiv="refresh" content="${Math.max(1, Math.round(live.refreshSeconds))}">\n` : ''}<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p class="sub">${int(total)} photos · report generated ${escapeHtml(readableTime(report.generated_at))}${live ? ' · <span class="live">live: updates as photos arrive</span>' : ''}</p>
${renderSummary(report)}</header>
<div class="bar" role="search"><div class="in"><input id="q" type="search" placeholder="Filter by file name, text or error" aria-label="Filter photos" autocomplete="off">
<div class="seg" role="group" aria-label="Show"><button type="button" data-show="all" aria-pressed="true">All</button><button type="button" data-show="ok" aria-pressed="false">OK</button><button type="button" data-show="failed" aria-pressed="false">Failed</button></div>
<span id="shown" aria-live="polite">${total} of ${total} shown</span></div></div>
<main><div class="grid" id="grid">
`;
}

const SHEET_TAIL = `
</div><p id="none" hidden>No photos match the filter.</p></main>
<script>${SCRIPT}</script>
</body>
</html>
`;
