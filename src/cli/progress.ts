import type { BatchEvent } from '../core/batch.js';
import type { CliIO } from './io.js';
import { usd } from './format.js';

export interface RunProgress {
  onEvent(event: BatchEvent): void;
  stop(): void;
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
  let ok = 0;
  let failed = 0;
  let skipped = 0;
  let spent = 0;
  let status = '';
  bar.start(total, 0, { ok, failed, skipped, spend: usd(0, 4), status });
  const update = () => bar.update(ok + failed + skipped, { ok, failed, skipped, spend: usd(spent, 4), status });
  return {
    onEvent(event) {
      if (event.type === 'record') {
        if (event.record.status === 'ok') ok++;
        else failed++;
        spent += event.record.usage?.cost_usd ?? 0;
      } else if (event.type === 'skipped') {
        skipped++;
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
