import type { BatchEvent } from '../core/batch.js';
import type { CliIO } from './io.js';
import { usd } from './format.js';

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
  bar.start(total, 0, { ok: 0, failed: 0, skipped: 0, spend: usd(0, 4), status });
  const update = () => bar.update(t.done, { ok: t.ok, failed: t.failed, skipped: t.skipped, spend: usd(t.spent, 4), status });
  return {
    onEvent(event) {
      if (t.count(event)) {
        // counted
      } else if (event.type === 'stopping') {
        status = `stopping: ${event.reason}`;
      } else if (event.type === 'sender') {
        const e = event.event;
        if (e.type === 'waiting_for_credits') status = 'waiting for credits (top up at openrouter.ai/settings/credits)';
        else if (e.type === 'credits_back') status = '';
        else if (e.type === 'gate') status = `rate limited, resuming in ${Math.max(1, Math.round((e.untilMs - Date.now()) / 1000))}s`;
        // AIMD lowered the in-flight limit after 429s; say so until it has grown back.
        else if (e.type === 'concurrency') status = e.limit < maxConcurrency ? `slowed to ${e.limit}/${maxConcurrency} in flight` : '';
      }
      update();
    },
    stop() {
      bar.stop();
    },
  };
}
