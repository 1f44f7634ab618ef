import { FIRST_ERRORS, type DryRunSummary } from '../core/run/dry-run.js';
import { duration, int, usd } from './format.js';
import { style } from './io.js';
import { terminalSafeLine } from './terminal-text.js';

/** The human dry-run estimate, for stderr. */
export function renderDryRun(
  e: DryRunSummary,
  prices: { source: string; date: string },
  opts: { maxTokens: number; concurrency: number; json?: boolean },
  color: boolean,
): string {
  const s = style(color);
  const t = e.totals;
  const lines: string[] = [];
  lines.push(`${s.bold('Dry run')} · nothing sent · model ${terminalSafeLine(e.model)} (${e.family} image rule)`);
  if (e.familyNote) lines.push(s.yellow(`Note: ${e.familyNote}`));
  lines.push(`${int(e.count)} photos found: ${int(e.readable)} readable, ${int(e.unreadable)} unreadable`);

  const sizes = e.sentSizes;
  if (sizes.size > 0) {
    const common = [...sizes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, n]) => `${k} (${n})`).join(', ');
    lines.push(`Sent sizes after compression: ${common}${sizes.size > 4 ? ', …' : ''}`);
  }
  lines.push(
    `Tokens: ${int(t.imageTokens)} image + ${int(t.promptTokens - t.imageTokens)} text in · ${int(e.expectedOutputTokens)} out per photo expected (${e.expectedOutputSource === 'history' ? 'average of earlier runs in --out' : e.expectedReasoningTokens > 0 ? `default, incl. ~${int(e.expectedReasoningTokens)} reasoning` : 'default'}), ${int(opts.maxTokens)} at most` +
      (e.requestsPerPhoto > 1.001 ? ` · ${e.requestsPerPhoto.toFixed(2)} billed answers per photo (earlier runs asked again)` : ''),
  );
  lines.push(`Expected cost ${s.bold(usd(t.expectedUsd))} · worst case ${usd(t.worstUsd)} (every answer at --max-tokens) · ${usd(t.perPhotoUsd)} per photo`);
  lines.push(`Duration ≈ ${duration(t.seconds * 1000)} at --concurrency ${opts.concurrency}`);
  lines.push(s.dim(`Prices: ${prices.source === 'snapshot' ? `bundled snapshot of ${prices.date}` : `${prices.source}, ${prices.date}`}; OpenRouter bills what the provider reports, so this is an estimate.`));
  for (const p of e.firstErrors) lines.push(s.red(`  ${terminalSafeLine(`${p.file}: ${p.error!.message}`)}`));
  if (e.unreadable > FIRST_ERRORS) lines.push(s.red(`  … and ${e.unreadable - FIRST_ERRORS} more unreadable`));
  if (!opts.json) lines.push(s.dim('stdout: the expected cost in USD, for scripts (est=$(photobatch run … --dry-run -q)); --json gives every photo'));
  return lines.join('\n') + '\n';
}
