import type { BatchResult } from '../core/session/run-batch.js';
import type { CostReport } from '../core/outputs/report.js';
import { duration, int, percentDiff, plural, usd } from './format.js';
import { style } from './io.js';
import { terminalSafe, terminalSafeLine } from './terminal-text.js';

/** The human summary of a run, for stderr. */
export function renderRunSummary(
  result: Pick<BatchResult, 'report' | 'reportFile' | 'stopped'>,
  outDirShown: string,
  color: boolean,
  /** report.html was written: the contact sheet is where a photographer looks first. */
  files: { contactSheet?: boolean } = {},
): string {
  const s = style(color);
  const r = result.report;
  const lines: string[] = [];
  const p = r.photos;
  const counts = [
    s.green(`${int(p.ok)} ok`),
    p.failed > 0 ? s.red(`${int(p.failed)} failed`) : `${int(p.failed)} failed`,
    `${int(p.skipped)} skipped`,
    ...(p.pending > 0 ? [s.yellow(`${int(p.pending)} not started`)] : []),
  ];
  lines.push(`${s.bold('photobatch:')} ${counts.join(' · ')} of ${plural(p.total, 'photo')} in ${duration(r.elapsed_ms)}`);
  lines.push(...renderCostLines(r));
  if (Object.keys(r.failures_by_kind).length > 0) {
    const kinds = Object.entries(r.failures_by_kind).map(([k, n]) => `${terminalSafeLine(k)} ${n}`).join(', ');
    lines.push(terminalSafeLine(`Failures: ${kinds}  (each one's message: photobatch results ${outDirShown} --failed)`));
  }
  const sheet = files.contactSheet ? ` · contact sheet: ${outDirShown}/report.html` : '';
  lines.push(s.dim(terminalSafeLine(`Results: ${outDirShown}/results.jsonl (photobatch results ${outDirShown})${sheet} · bill: ${outDirShown}/cost-report.json, cost-report.csv`)));
  if (result.stopped && result.stopped.reason !== 'interrupted') lines.push(s.yellow(`Stopped: ${terminalSafe(result.stopped.message)}`));
  if (result.stopped?.reason === 'interrupted') lines.push(s.yellow('Interrupted: finished results are saved. Re-run the same command to continue.'));
  return lines.join('\n') + '\n';
}

export function renderCostLines(r: CostReport): string[] {
  const lines: string[] = [];
  const est = r.cost_usd.estimated;
  const estPart = est === null ? 'estimate unknown' : `estimated ${usd(est)}, bill ${percentDiff(r.cost_usd.billed, est)} vs estimate`;
  lines.push(`Billed ${usd(r.cost_usd.billed)} (${estPart}) · ${int(r.tokens.prompt)} prompt + ${int(r.tokens.completion)} completion tokens`);
  if (r.cost_usd.failed_billed) lines.push(`Of which ${usd(r.cost_usd.failed_billed)} paid for unusable answers (refused, empty, invalid); they are in the bill and the budget.`);
  if (r.cost_usd.byok_upstream) lines.push(`Bring-your-own-key: ${usd(r.cost_usd.byok_upstream)} billed by the provider on your key (included above).`);
  const b = r.budget;
  if (b?.cap_usd !== undefined) lines.push(`Budget: ${usd(b.spent_usd)} / ${usd(b.cap_usd)} spent (--max-cost, all runs into this folder)`);
  if (b?.day_cap_usd !== undefined) lines.push(`Today (${b.day}): ${usd(b.day_spent_usd ?? 0)} / ${usd(b.day_cap_usd)} spent (--max-cost-per-day)`);
  if (r.cost_usd.unreported > 0 && r.cost_usd.billed === 0) {
    lines.push(`Cost: not priced: ${r.cost_usd.unreported} answers came without a cost (local servers report none; --price-in/--price-out price them).`);
  } else if (r.cost_usd.unreported > 0) lines.push(`Note: ${r.cost_usd.unreported} answers came without a billed cost; they are not in the total.`);
  if (r.per_photo_usd !== null) {
    lines.push(
      `Average ${usd(r.per_photo_usd)} per photo · 100 photos like these ≈ ${usd(r.projection_usd.photos_100, 2)} · 1,000 photos like these ≈ ${usd(r.projection_usd.photos_1000, 2)}`,
    );
  }
  const models = Object.entries(r.by_model);
  if (models.length > 0) {
    lines.push('By model: ' + models.map(([m, t]) => `${terminalSafeLine(m)} ${plural(t.photos, 'photo')} ${usd(t.cost_usd)}`).join(' · '));
  }
  return lines;
}
