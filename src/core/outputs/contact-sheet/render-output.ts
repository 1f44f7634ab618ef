/** A model's answer and the numbers around it as safe HTML: shared by the contact sheet and the compare page. */
import { deeperThan } from '../../safety/json-depth.js';
import { wholeFence } from '../../prompt/markdown-fence.js';

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
