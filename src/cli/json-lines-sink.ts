import type { OutputSink } from '../core/session/sinks/sink.js';
import type { CliIO } from './io.js';
import { jsonLine } from './terminal-text.js';

/** `--json`: one line per photo on stdout as its record is written (a skipped photo's earlier record, marked so). */
export function jsonLinesSink(io: CliIO, stdoutClosed: () => boolean): OutputSink {
  const line = (value: object) => {
    if (!stdoutClosed()) io.stdout.write(jsonLine(value) + '\n');
  };
  return {
    onRecord: (record) => line(record),
    onSkip: (record) => line({ ...record, skipped: true }),
  };
}
