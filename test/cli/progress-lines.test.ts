import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressLines } from '../../src/cli/progress-lines.js';
import type { CliIO } from '../../src/cli/io.js';
import type { ResultRecord } from '../../src/core/types.js';

function capture(): { io: CliIO; text: () => string } {
  let text = '';
  const stderr = new Writable({ write(chunk, _e, cb) { text += chunk.toString(); cb(); } });
  return { io: { stderr, stdout: stderr, env: {}, cwd: '/', readStdin: async () => '', onSignal: () => () => {} } as CliIO, text: () => text };
}
const ok = { type: 'record', record: { status: 'ok', usage: { cost_usd: 0.001 } } as ResultRecord } as const;

describe('progress lines off a terminal', () => {
  it('prints every tenth of the batch, and sooner when a photo finishes after a long quiet spell', () => {
    let t = 0;
    const { io, text } = capture();
    const p = createProgressLines(io, 100, { now: () => t, everyMs: 30_000 });
    for (let i = 0; i < 25; i++) p.onEvent(ok);
    expect(text().trim().split('\n').map((l) => l.split(' · ')[0])).toEqual(['progress: 10/100 photos', 'progress: 20/100 photos']);
    t = 31_000;
    p.onEvent(ok);
    p.stop();
    const last = text().trim().split('\n').at(-1)!;
    expect(last).toBe('progress: 26/100 photos · ok 26 · failed 0 · skipped 0 · $0.0260 · 31s elapsed');
  });
});
