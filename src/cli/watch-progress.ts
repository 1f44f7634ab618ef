import type { ResultRecord } from '../core/types.js';
import type { CliIO } from './io.js';
import { usd } from './format.js';

export interface WatchCounts {
  waiting: number;
  inFlight: number;
  done: number;
  failed: number;
  spentUsd: number;
  last?: ResultRecord;
  status?: string;
}

/** One status line: what a booth operator glances at. */
export function watchStatusLine(c: WatchCounts, width = 100): string {
  const last = c.last
    ? ` · last: ${c.last.file} ${c.last.status === 'ok' ? '✓' : `✗ ${c.last.error?.kind ?? ''}`}${c.last.status === 'ok' ? ` ${preview(c.last.output)}` : ''}`
    : '';
  const failed = c.failed > 0 ? ` (${c.failed} failed)` : '';
  const line = `watching · ${c.waiting} waiting · ${c.inFlight} in flight · ${c.done} done${failed} · ${usd(c.spentUsd, 4)}${c.status ? ` · ${c.status}` : ''}${last}`;
  return line.length > width ? line.slice(0, Math.max(10, width - 1)) + '…' : line;
}

function preview(output: ResultRecord['output']): string {
  if (output === undefined) return '';
  const text = typeof output === 'string' ? output : Object.values(output).find((v) => typeof v === 'string') ?? '';
  // Server text on a terminal: no control characters.
  return `"${String(text).replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, 60)}"`;
}

/**
 * Redraws the line on stderr when something changes, never on a timer: an idle watch
 * (nothing arriving for hours) costs no CPU for its progress line.
 */
export function createWatchProgress(io: CliIO): { draw(c: WatchCounts): void; clear(): void } {
  let shown = '';
  return {
    draw(c) {
      const line = watchStatusLine(c, Math.max(40, (io.stderr.columns ?? 100) - 1));
      if (line === shown) return;
      shown = line;
      io.stderr.write(`\r\u001b[K${line}`);
    },
    clear() {
      if (shown) io.stderr.write('\r\u001b[K');
      shown = '';
    },
  };
}
