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

describe('watch on a terminal', () => {
  test('one status line, redrawn in place: waiting, in flight, done, spent, the last result; cleared at the end', async () => {
    const { Writable } = await import('node:stream');
    const path = await import('node:path');
    const { main } = await import('../../src/cli/main.js');
    const { startFakeOpenRouter } = await import('../helpers/fake-openrouter.js');
    const { makeJpeg, tempDir } = await import('../helpers/images.js');
    const { waitFor } = await import('../helpers/wait-for.js');
    class Tty extends Writable {
      text = '';
      isTTY = true;
      columns = 160;
      override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
        this.text += chunk.toString();
        cb();
      }
    }
    const server = await startFakeOpenRouter({ cost: () => 0.0002 });
    try {
      const dir = await tempDir('photobatch-hot-');
      const out = await tempDir('photobatch-out-');
      await makeJpeg(path.join(dir, 'guest 01.jpg'), { seed: 91 });
      const stderr = new Tty();
      let handler: ((s: string) => void) | undefined;
      const done = main(['watch', dir, '-o', out, '--settle', '0.2'], {
        stdout: new Tty(), stderr, readStdin: async () => '', cwd: await tempDir('photobatch-cwd-'),
        env: { OPENROUTER_API_KEY: 'sk-or-v1-' + '7c7c'.repeat(16), OPENROUTER_BASE_URL: server.url, NO_COLOR: '1', XDG_CACHE_HOME: await tempDir('photobatch-xdg-') },
        onSignal: (h) => ((handler = h), () => (handler = undefined)),
      });
      await waitFor('the status line with a result', () => /1 done/.test(stderr.text) || undefined);
      handler?.('SIGINT');
      expect(await done).toBe(0);
      const frames = stderr.text.split('\r\u001b[K').filter((f) => f.startsWith('watching'));
      expect(frames.some((f) => /^watching · 0 waiting · 0 in flight · 1 done · \$0\.0002 · last: guest 01\.jpg ✓ "A caption for request \d+"$/.test(f)), frames.join('\n')).toBe(true);
      // Ctrl-C shows on the line before it is cleared.
      expect(frames.at(-1)).toMatch(/stopping: interrupted/);
      expect(stderr.text).toMatch(/\r\u001b\[K(?!watching)/);
    } finally {
      await server.close();
    }
  });
});
