import { flexPrice, flexRatio, mayServeFlex, type TierSummary, type Tier } from '../core/send/flex-tier.js';
import { usd } from './format.js';

/** Dry run: the standard estimate and, where flex may serve, the discounted one. */
export function tierEstimateLine(model: string, tier: Tier, standardUsd: number | null): string | undefined {
  if (!mayServeFlex(model, tier)) return undefined;
  const ratio = flexRatio(model.replace(/:floor$/i, ''));
  if (ratio === null) return `Flex: no published flex price for ${model}; without a flex endpoint it runs at the standard estimate above.`;
  const flex = standardUsd === null ? null : standardUsd * ratio;
  return `Tiers: standard ${usd(standardUsd)} · flex ${usd(flex)} if every photo is served at flex (${Math.round((1 - ratio) * 100)} % off); billing follows the tier that serves, and --max-cost budgets at standard.`;
}

/** Run summary: photos per served tier and what flex saved. */
export function tierSummaryLine(s: TierSummary, flexAsked: boolean): string | undefined {
  const entries = Object.entries(s.photos);
  // Without a flex request, a run served at the default tier has nothing to say about tiers.
  if (entries.length === 0 || (!flexAsked && !s.photos.flex)) return undefined;
  const served = entries.map(([t, n]) => `${n} at ${t === 'default' ? 'standard' : t}`).join(', ');
  const saved = s.photos.flex ? ` · flex saved ${usd(s.savedUsd)} against standard prices (${usd(s.flexBilledUsd)} billed instead of ${usd(s.flexAtStandardUsd)})` : '';
  return `Tiers: ${served}${saved}`;
}

export { flexPrice };
