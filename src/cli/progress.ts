import type { BatchEvent } from '../core/session/run-batch.js';
import type { CliIO } from './io.js';
import { usd } from './format.js';
import { waitText } from '../core/time-text.js';

function timeOfDay(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

export interface RunProgress {
  onEvent(event: BatchEvent): void;
  stop(): void;
}

/** Counts of finished photos and the spend so far, shared by the bar and the plain progress lines. */
export class ProgressTally {
  ok = 0;
  failed = 0;
  skipped = 0;
  spent = 0;
  get done(): number {
    return this.ok + this.failed + this.skipped;
  }
  /** Counts a finished or skipped photo; false for any other event. */
  count(event: BatchEvent): boolean {
    if (event.type === 'record') {
      if (event.record.status === 'ok') this.ok++;
      else this.failed++;
      this.spent += event.record.usage?.cost_usd ?? 0;
      return true;
    }
    if (event.type === 'skipped') {
      this.skipped++;
      return true;
    }
    return false;
  }
}

/** A cli-progress bar on stderr: done/total, ok/failed, spend so far, ETA, and what it is waiting for. */
export async function createRunProgress(io: CliIO, total: number, maxConcurrency: number): Promise<RunProgress> {
  const { SingleBar } = (await import('cli-progress')).default;
  const bar = new SingleBar(
    {
      stream: io.stderr as NodeJS.WriteStream,
      format: ' {bar} {value}/{total} | ok {ok} · failed {failed} · skipped {skipped} | {spend} | ETA {eta_formatted} {status}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 5,
    },
    { barCompleteChar: '█', barIncompleteChar: '░', format: '' },
  );
  const t = new ProgressTally();
  let status = '';
  // A wait (rate limit or credits) is shown with its resume time and a countdown, never as a silent hang.
  let wait: { label: string; until?: number; giveUp?: boolean } | undefined;
  const waitStatus = () => {
    if (!wait) return status;
    if (wait.until === undefined) return wait.label;
    const left = wait.until - Date.now();
    if (left <= 0) return '';
    return `${wait.label}, ${wait.giveUp ? 'giving up' : 'resuming'} at ${timeOfDay(wait.until)} (in ${waitText(left)})`;
  };
  bar.start(total, 0, { ok: 0, failed: 0, skipped: 0, spend: usd(0, 4), status });
  const update = () => bar.update(t.done, { ok: t.ok, failed: t.failed, skipped: t.skipped, spend: usd(t.spent, 4), status: waitStatus() });
  const ticker = setInterval(() => {
    if (wait) update();
  }, 1000);
  ticker.unref();
  return {
    onEvent(event) {
      if (t.count(event)) {
        // counted
      } else if (event.type === 'stopping') {
        status = `stopping: ${event.reason}`;
      } else if (event.type === 'sender') {
        const e = event.event;
        if (e.type === 'waiting_for_credits') {
          wait = { label: 'waiting for credits (top up at openrouter.ai/settings/credits)', giveUp: true, ...(e.untilMs === undefined ? {} : { until: e.untilMs }) };
        } else if (e.type === 'credits_back') wait = undefined;
        else if (e.type === 'gate') wait = { label: e.reason === 'in_flight_budget' ? 'paused for in-flight credits' : 'rate limited', until: e.untilMs };
        // AIMD lowered the in-flight limit after 429s; say so until it has grown back.
        else if (e.type === 'concurrency') status = e.limit < maxConcurrency ? `slowed to ${e.limit}/${maxConcurrency} in flight` : '';
      }
      update();
    },
    stop() {
      clearInterval(ticker);
      bar.stop();
    },
  };
}
