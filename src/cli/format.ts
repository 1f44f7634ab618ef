/** Small formatters shared by the human renderers. */

export function usd(x: number | null | undefined, digits?: number): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'unknown';
  const d = digits ?? (Math.abs(x) >= 1 ? 2 : Math.abs(x) >= 0.01 ? 4 : 6);
  return `$${x.toFixed(d)}`;
}

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/**
 * How far the bill is from the estimate, read the natural way: positive when the bill is above the estimate
 * ("bill +3.0% vs estimate"), negative when below.
 */
export function percentDiff(actual: number, estimate: number): string {
  if (estimate === 0) return actual === 0 ? '±0%' : 'n/a';
  const p = ((actual - estimate) / estimate) * 100;
  return `${p >= 0 ? '+' : '−'}${Math.abs(p).toFixed(1)}%`;
}

export function plural(n: number, noun: string): string {
  return `${int(n)} ${noun}${n === 1 ? '' : 's'}`;
}
