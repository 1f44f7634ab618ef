/**
 * compare.html: one row per sample photo, one column per model (answer, cost, latency), the per-model figures on
 * top. Self-contained: inline CSS, no script, thumbnails as relative files beside it, so it works offline and from
 * a zip. Every value from a model or a file name is escaped.
 */
import { escapeHtml, formatUsd, renderOutput } from '../outputs/contact-sheet/render-output.js';
import type { ResultRecord, PhotoRef } from '../types.js';
import type { ModelStats } from './stats.js';

export interface CompareHtmlInput {
  sample: readonly PhotoRef[];
  models: readonly string[];
  stats: readonly ModelStats[];
  /** Model → photo path → its record. */
  answers: Map<string, Map<string, ResultRecord>>;
  thumbFor: (photo: PhotoRef) => string | undefined;
  notes: Record<string, string>;
  overlap: { a: string; b: string; overlap: number | null }[];
  generatedAt: string;
}

const ms = (x: number | null | undefined) => (typeof x === 'number' ? `${(x / 1000).toFixed(1)} s` : '—');

export function renderCompareHtml(input: CompareHtmlInput): string {
  const head = input.models.map((m) => {
    const s = input.stats.find((x) => x.model === m);
    const note = input.notes[m] ? `<p class="note">${escapeHtml(input.notes[m])}</p>` : '';
    return `<th scope="col"><span class="model">${escapeHtml(m)}</span>${s ? `<dl>
<dt>billed</dt><dd>${formatUsd(s.billed_usd)}</dd><dt>per photo</dt><dd>${formatUsd(s.cost_per_photo_usd)}</dd>
<dt>all ${s.projected_all_inputs_usd.photos} photos</dt><dd>${formatUsd(s.projected_all_inputs_usd.standard)} · flex ${formatUsd(s.projected_all_inputs_usd.flex)}</dd>
<dt>latency p50 / p95</dt><dd>${ms(s.latency_ms.p50)} / ${ms(s.latency_ms.p95)}</dd><dt>failures</dt><dd>${s.failures}</dd>
<dt>avg length</dt><dd>${s.output_length.words ?? '—'} words</dd></dl>` : ''}${note}</th>`;
  }).join('');
  const rows = input.sample.map((photo) => {
    const thumb = input.thumbFor(photo);
    const cells = input.models.map((m) => {
      const r = input.answers.get(m)?.get(photo.path);
      if (!r) return '<td class="none">not answered</td>';
      if (r.status !== 'ok') return `<td class="failed"><p class="err">${escapeHtml(r.error?.kind ?? 'failed')}: ${escapeHtml(r.error?.message ?? '')}</p></td>`;
      return `<td class="ok"><div class="answer">${renderOutput(r.output)}</div><p class="meta">${formatUsd(r.usage?.cost_usd)} · ${ms(r.ms)}${r.service_tier ? ` · ${escapeHtml(r.service_tier)}` : ''}</p></td>`;
    }).join('');
    const img = thumb ? `<img src="${escapeHtml(thumb)}" alt="${escapeHtml(photo.file)}" loading="lazy">` : '';
    return `<tr><th scope="row" class="photo">${img}<span class="file">${escapeHtml(photo.file)}</span></th>${cells}</tr>`;
  }).join('\n');
  const pairs = input.overlap.map((o) => `<li>${escapeHtml(o.a)} ↔ ${escapeHtml(o.b)}: ${o.overlap === null ? '—' : `${Math.round(o.overlap * 100)} %`}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'">
<title>photobatch compare: ${input.models.map(escapeHtml).join(' vs ')}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:1rem;color:#222;background:#fafafa}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th,td{border:1px solid #ddd;padding:.5rem;vertical-align:top;background:#fff;overflow-wrap:anywhere}
thead th{position:sticky;top:0;background:#f0f0f0;text-align:left}
.model{font-weight:600;display:block}
dl{display:grid;grid-template-columns:auto 1fr;gap:0 .5rem;margin:.3rem 0 0;font-weight:400;font-size:12px}
dt{color:#666}dd{margin:0}
.photo img{max-width:100%;display:block;border-radius:4px}.file{font-size:12px;color:#555}
.meta{color:#666;font-size:12px;margin:.3rem 0 0}.failed{background:#fff4f4}.err{color:#a00}.note{color:#a60;font-weight:400}
.k{font-weight:600;margin-right:.3rem}.chips{display:inline;padding:0;margin:0}.chips li{display:inline-block;background:#eef;border-radius:3px;padding:0 .3rem;margin:.1rem}
</style></head><body>
<h1>Which model? ${input.sample.length} photos, ${input.models.length} models</h1>
<p>Costs are what each server billed (— = not priced); projections multiply the cost per photo by every input photo. Keyword overlap between models: <ul class="pairs">${pairs}</ul></p>
<table><thead><tr><th scope="col" style="width:16%">photo</th>${head}</tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="meta">Generated ${escapeHtml(input.generatedAt)} by photobatch compare. Answers are journaled in models/&lt;model&gt;/results.jsonl.</p>
</body></html>
`;
}
