import type { BatchEvent } from '../core/session/run-batch.js';
import { duration, int, usd } from './format.js';
import type { CliIO } from './io.js';
import { ProgressTally, type RunProgress } from './progress.js';

export interface ProgressLineOptions {
  /** A line after every this many photos (default: a tenth of the batch, 1 to 100). */
  everyPhotos?: number;
  /** …and at least this often while photos are in flight (default 30 s). */
  everyMs?: number;
  now?: () => number;
}

/**
 * Progress for stderr that is not a terminal (nohup, CI, a log file): no bar redrawn in place,
 * one plain line every N photos or every 30 s, whichever comes first.
 */
export function createProgressLines(io: CliIO, total: number, opts: ProgressLineOptions = {}): RunProgress {
  const now = opts.now ?? Date.now;
  const everyPhotos = opts.everyPhotos ?? Math.min(100, Math.max(1, Math.ceil(total / 10)));
  const everyMs = opts.everyMs ?? 30_000;
  const started = now();
  const t = new ProgressTally();
  let lastDone = 0;
  let lastAt = started;
  let status = '';
  const done = () => t.done;
  const print = () => {
    lastDone = done();
    lastAt = now();
    const parts = [`${int(done())}/${int(total)} photos`, `ok ${int(t.ok)}`, `failed ${int(t.failed)}`, `skipped ${int(t.skipped)}`, usd(t.spent, 4), `${duration(lastAt - started)} elapsed`];
    io.stderr.write(`progress: ${parts.join(' · ')}${status ? ` · ${status}` : ''}\n`);
  };
  // The timer covers long waits (rate limits, a slow model) when no photo finishes for a while.
  const timer = setInterval(() => {
    if (now() - lastAt >= everyMs && done() < total) print();
  }, Math.min(everyMs, 5_000));
  timer.unref();
  return {
    onEvent(event: BatchEvent) {
      if (t.count(event)) {
        // counted
      } else if (event.type === 'sender' && event.event.type === 'waiting_for_credits') {
        status = 'waiting for credits';
      } else if (event.type === 'sender' && event.event.type === 'credits_back') {
        status = '';
      } else {
        return;
      }
      if (done() - lastDone >= everyPhotos || (done() > lastDone && now() - lastAt >= everyMs)) print();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
