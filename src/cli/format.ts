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

export function percentDiff(actual: number, estimate: number): string {
  if (actual === 0) return estimate === 0 ? '±0%' : 'n/a';
  const p = ((estimate - actual) / actual) * 100;
  return `${p >= 0 ? '+' : '−'}${Math.abs(p).toFixed(1)}%`;
}

export function plural(n: number, noun: string): string {
  return `${int(n)} ${noun}${n === 1 ? '' : 's'}`;
}
