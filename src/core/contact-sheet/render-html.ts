import { createHash } from 'node:crypto';
import type { CostReport } from '../report.js';
import type { ResultRecord } from '../types.js';
import { deeperThan } from '../safety/json-depth.js';
import { wholeFence } from '../markdown-fence.js';

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

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in text and in quoted attributes alike, so one function covers every interpolation. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Per-photo costs are fractions of a cent, so small amounts keep six decimals. */
export function formatUsd(x: number | null | undefined): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  return `$${x.toFixed(x === 0 || Math.abs(x) >= 0.01 ? 4 : 6)}`;
}

const int = (n: number): string => n.toLocaleString('en-US');
const readableTime = (iso: string): string => iso.replace(/^(\d{4}-\d\d-\d\d)T(\d\d:\d\d).*Z$/, '$1 $2 UTC');

/** Models asked for JSON often wrap it in a Markdown fence; an object may also arrive already parsed. */
export function structuredOutput(output: unknown): Record<string, unknown> | undefined {
  if (typeof output === 'string') {
    const text = (wholeFence(output) ?? output).trim();
    if (!text.startsWith('{')) return undefined;
    try {
      const value = JSON.parse(text) as unknown;
      // Shown as text rather than walked: a 100,000-deep answer would overflow every recursive renderer.
      return deeperThan(value) ? undefined : structuredOutput(value);
    } catch {
      return undefined; // prose that happens to start with a brace
    }
  }
  return output !== null && typeof output === 'object' && !Array.isArray(output) ? (output as Record<string, unknown>) : undefined;
}

// The fields a photographer reads first lead; anything else the schema asked for follows in its own order.
const FIELD_ORDER = ['title', 'caption', 'alt_text', 'description', 'keywords', 'tags'];

function renderField(key: string, value: unknown): string {
  const label = `<span class="k">${escapeHtml(key.replace(/_/g, ' '))}</span>`;
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) {
    return `<div class="f" data-s>${label}<ul class="chips">${value.map((v) => `<li>${escapeHtml(v)}</li>`).join('')}</ul></div>`;
  }
  if (value !== null && typeof value === 'object') {
    return `<div class="f" data-s>${label}<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre></div>`;
  }
  return `<div class="f" data-s>${label}<p class="text">${escapeHtml(value)}</p></div>`;
}

export function renderOutput(output: unknown): string {
  if (output === undefined || output === null || output === '') return '';
  const fields = structuredOutput(output);
  if (fields) {
    const keys = Object.keys(fields);
    const ordered = [...FIELD_ORDER.filter((k) => k in fields), ...keys.filter((k) => !FIELD_ORDER.includes(k))];
    return `<div class="out">${ordered.map((k) => renderField(k, fields[k])).join('')}</div>`;
  }
  if (typeof output === 'string') return `<div class="out" data-s><p class="text">${escapeHtml(output)}</p></div>`;
  if (deeperThan(output)) return '<div class="out" data-s><p class="text">(answer nested too deeply to show; see results.jsonl)</p></div>';
  return `<div class="out" data-s><pre>${escapeHtml(JSON.stringify(output, null, 2))}</pre></div>`;
}

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

const CSS = `:root{--bg:#f5f6f8;--fg:#1d2330;--muted:#5d6675;--card:#fff;--line:#dde1e7;--bad:#c62828;--badbg:#fdecea;--chip:#eef1f5;--accent:#2f5bd3;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#14171c;--fg:#e6e9ee;--muted:#9aa3b2;--card:#1d2128;--line:#2e343d;--bad:#ef5350;--badbg:#3a1d1d;--chip:#2a3039;--accent:#7aa2ff}}
*{box-sizing:border-box}[hidden]{display:none!important}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header,main{max-width:1400px;margin:0 auto;padding:16px}
h1{font-size:20px;margin:0}.sub{color:var(--muted);margin:2px 0 12px}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 10px}
.stat b{display:block;font-size:20px;font-variant-numeric:tabular-nums}.stat span{color:var(--muted);font-size:12px}
.stat.bad b{color:var(--bad)}
.more{display:flex;flex-wrap:wrap;gap:8px 32px;margin-top:12px;align-items:flex-start}
.models{border-collapse:collapse;font-variant-numeric:tabular-nums}
.models th,.models td{text-align:left;padding:2px 16px 2px 0;border-bottom:1px solid var(--line)}.models .n{text-align:right}.models :last-child{padding-right:0}
.notes{color:var(--muted);margin:0;flex:1 1 240px}
.banner{background:var(--badbg);border:1px solid var(--bad);border-radius:8px;padding:8px 10px;margin:0 0 12px}
.bar{position:sticky;top:0;z-index:1;background:var(--bg);border-bottom:1px solid var(--line)}
.bar div.in{max-width:1400px;margin:0 auto;padding:8px 16px;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.bar input{flex:1 1 240px;min-width:0;font:inherit;padding:8px 10px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:inherit}
.seg{display:flex}.seg button{font:inherit;padding:7px 12px;border:1px solid var(--line);background:var(--card);color:inherit;cursor:pointer}
.seg button:first-child{border-radius:6px 0 0 6px}.seg button:last-child{border-radius:0 6px 6px 0}.seg button+button{border-left:0}
.seg button[aria-pressed=true]{background:var(--accent);border-color:var(--accent);color:#fff}
#shown{color:var(--muted);white-space:nowrap}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,260px),1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden;display:flex;flex-direction:column}
.card.failed{border:2px solid var(--bad)}
.thumb{aspect-ratio:3/2;position:relative;background:#8882;display:flex;align-items:center;justify-content:center;color:var(--muted)}
.thumb img{position:absolute;inset:0;width:100%;height:100%;object-fit:contain}
.thumb.broken img{display:none}.thumb.broken::after{content:"preview missing"}
.body{padding:8px 10px 10px;display:flex;flex-direction:column;gap:6px;flex:1;min-width:0}
.name{font-size:13px;margin:0;font-weight:600;overflow-wrap:anywhere}
.badge{background:var(--bad);color:#fff;border-radius:4px;padding:0 6px;font-size:11px;font-weight:600;text-transform:uppercase;vertical-align:1px}
.out{display:flex;flex-direction:column;gap:6px}.text,.dup{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}.dup{color:var(--muted)}
.k{display:block;font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.chips{list-style:none;margin:2px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px}
.chips li{background:var(--chip);border-radius:999px;padding:1px 8px;font-size:12px}.chips.bad li{background:var(--badbg)}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}
.meta{color:var(--muted);font-size:12px;font-variant-numeric:tabular-nums;margin:auto 0 0}
.err{background:var(--badbg);border-radius:6px;padding:6px 8px;overflow-wrap:anywhere}.err b{color:var(--bad)}
#none{color:var(--muted);text-align:center;padding:32px 0}
.ai img{display:block;width:100%;height:auto;border-radius:6px}
.live{color:var(--accent);font-weight:600}`;

// Plain ES2017 so the sheet also works in the phone browsers photographers hand it to.
const SCRIPT = `(() => {
  const q = document.getElementById('q'), shown = document.getElementById('shown'), none = document.getElementById('none');
  const cards = Array.from(document.querySelectorAll('.card'));
  const texts = cards.map((c) => Array.from(c.querySelectorAll('[data-s]'), (e) => e.textContent).join(' ').toLowerCase());
  const buttons = Array.from(document.querySelectorAll('[data-show]'));
  let mode = 'all';
  // A live gallery reloads itself: keep what the viewer typed and picked across reloads.
  try { q.value = sessionStorage.getItem('pb-q') || ''; mode = sessionStorage.getItem('pb-mode') || 'all'; } catch (e) {}
  buttons.forEach((x) => x.setAttribute('aria-pressed', String(x.dataset.show === mode)));
  const save = () => { try { sessionStorage.setItem('pb-q', q.value); sessionStorage.setItem('pb-mode', mode); } catch (e) {} };
  const apply = () => {
    const terms = q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    let n = 0;
    cards.forEach((c, i) => {
      const match = (mode === 'all' || c.dataset.status === mode) && terms.every((t) => texts[i].includes(t));
      c.hidden = !match;
      if (match) n++;
    });
    shown.textContent = n + ' of ' + cards.length + ' shown';
    none.hidden = n > 0;
  };
  q.addEventListener('input', () => { save(); apply(); });
  buttons.forEach((b) => b.addEventListener('click', () => {
    mode = b.dataset.show;
    save();
    buttons.forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
    apply();
  }));
  document.querySelectorAll('.thumb img').forEach((img) => {
    const broken = () => img.parentElement.classList.add('broken');
    if (img.complete && img.naturalWidth === 0) broken();
    img.addEventListener('error', broken);
  });
  apply();
})();`;

const cspHash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
// Hash-pinned script and style: even a record that slipped past escaping could not run code or fetch anything.
const CSP = `default-src 'none'; img-src 'self' file: data:; style-src ${cspHash(CSS)}; script-src ${cspHash(SCRIPT)}; base-uri 'none'; form-action 'none'`;

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
