import { describe, expect, test } from 'vitest';
import { watchStatusLine } from '../../src/cli/watch-progress.js';

describe('watch status line', () => {
  test('waiting, in flight, done, spent and the last result, control characters from the server removed', () => {
    const line = watchStatusLine({
      waiting: 2, inFlight: 3, done: 41, failed: 1, spentUsd: 0.01234,
      last: { file: 'guest 07.jpg', path: '/hot/guest 07.jpg', job: 'j', status: 'ok', attempts: 1, at: '', output: 'Chúc mừng\u001b[31m năm mới' },
    }, 200);
    expect(line).toBe('watching · 2 waiting · 3 in flight · 41 done (1 failed) · $0.0123 · last: guest 07.jpg ✓ "Chúc mừng [31m năm mới"');
  });

  test('fits the terminal width', () => {
    const line = watchStatusLine({ waiting: 0, inFlight: 0, done: 0, failed: 0, spentUsd: 0, status: 'x'.repeat(300) }, 80);
    expect(line.length).toBeLessThanOrEqual(80);
  });
});
