import { StdoutClosedError } from '../core/safety/env-errors.js';
import type { CliIO } from './io.js';
import { jsonLine } from './terminal-text.js';

/**
 * First Ctrl-C (or SIGTERM, SIGHUP): finish what is in flight. Second: abort it.
 * stdout closed by its reader (EPIPE) is a first stop too, and nothing more is written to it.
 */
export async function runWithSignals(
  io: CliIO,
  body: (stop: AbortSignal, abort: AbortSignal, stdoutClosed: () => boolean) => Promise<number>,
): Promise<number> {
  const stop = new AbortController();
  const abort = new AbortController();
  let closed = false;
  const unsubscribe = io.onSignal(() => {
    if (!stop.signal.aborted) stop.abort();
    else abort.abort();
  });
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') return;
    closed = true;
    if (!stop.signal.aborted) stop.abort(new StdoutClosedError());
  };
  io.stdout.on('error', onStdoutError);
  try {
    return await body(stop.signal, abort.signal, () => closed);
  } finally {
    unsubscribe();
    io.stdout.off('error', onStdoutError);
  }
}

/** Where paid answers went when results.jsonl could not take them; never silently dropped. */
export function describeUnsaved(unsaved: { file?: string; records: unknown[] }): string {
  const n = unsaved.records.length;
  if (unsaved.file) return `${n} paid answer${n === 1 ? '' : 's'} could not be added to results.jsonl; saved in ${unsaved.file} (append it to results.jsonl once there is room).`;
  return `${n} paid answer${n === 1 ? '' : 's'} could not be saved anywhere; here they are, one JSON line each:\n` + unsaved.records.map((r) => jsonLine(r)).join('\n');
}

