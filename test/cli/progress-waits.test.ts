/** The progress line shows every wait (rate limit, credits) with when it ends and how long is left. */
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createRunProgress } from '../../src/cli/progress.js';
import type { CliIO } from '../../src/cli/io.js';

function ttyIO(): { io: CliIO; text: () => string } {
  let out = '';
  const stream = Object.assign(
    new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } }),
    { isTTY: true, columns: 240, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, clearScreenDown: () => true },
  );
  const io = { stdout: stream, stderr: stream, readStdin: async () => '', env: {}, cwd: '/', onSignal: () => () => {} } as unknown as CliIO;
  return { io, text: () => out };
}

describe('progress line waits', () => {
  test('a rate-limit wait shows its resume time and the time left', async () => {
    const { io, text } = ttyIO();
    const p = await createRunProgress(io, 10, 4);
    p.onEvent({ type: 'sender', event: { type: 'gate', untilMs: Date.now() + 95_000, reason: 'rate_limited' } });
    p.stop();
    expect(text()).toMatch(/rate limited, resuming at \d{2}:\d{2}:\d{2} \(in 9[45] s\)/);
  });

  test('a credit wait shows when it gives up', async () => {
    const { io, text } = ttyIO();
    const p = await createRunProgress(io, 10, 4);
    p.onEvent({ type: 'sender', event: { type: 'waiting_for_credits', untilMs: Date.now() + 2 * 3600_000 } });
    p.stop();
    expect(text()).toMatch(/waiting for credits \(top up at openrouter\.ai\/settings\/credits\), giving up at \d{2}:\d{2}:\d{2} \(in (1 h 59|2 h 0) min\)/);
  });
});
