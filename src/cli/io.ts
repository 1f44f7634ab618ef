/** Everything the CLI touches outside itself, injectable so tests run it in-process. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Reads all of stdin (for `-` inputs). */
  readStdin: () => Promise<string>;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Subscribes to Ctrl-C / SIGTERM / SIGHUP; returns an unsubscribe function. */
  onSignal: (handler: (signal: string) => void) => () => void;
}

export function defaultIO(): CliIO {
  // A reader that went away (`photobatch report --json | head -1`) ends the output, not the process with a stack trace.
  if (process.stdout.listenerCount('error') === 0) {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: async () => {
      if (process.stdin.isTTY) return '';
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    env: process.env,
    cwd: process.cwd(),
    onSignal: (handler) => {
      // SIGHUP (the terminal closed) is handled like SIGTERM: finish what is in flight and paid for.
      const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
      const listeners = signals.map((sig) => [sig, () => handler(sig)] as const);
      for (const [sig, fn] of listeners) process.on(sig, fn);
      return () => {
        for (const [sig, fn] of listeners) process.off(sig, fn);
      };
    },
  };
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(io: CliIO): boolean {
  return Boolean(io.stderr.isTTY) && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === '') && io.env.TERM !== 'dumb';
}

/** Progress bars and spinners: a terminal, not CI, not --quiet, not --no-progress. */
export function useProgress(io: CliIO, flags: { quiet?: boolean; progress?: boolean }): boolean {
  return Boolean(io.stderr.isTTY) && !flags.quiet && flags.progress !== false && !io.env.CI;
}

export function style(enabled: boolean) {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), cyan: wrap(36, 39) };
}

/**
 * Writes and, when the reader is slower than the writer, waits for it (a pipe's buffer full): long outputs made as
 * they are computed stay in the pipe, not in photobatch's memory. A reader that went away ends the wait.
 */
export async function writePaced(stream: NodeJS.WritableStream, text: string): Promise<void> {
  const s = stream as NodeJS.WritableStream & { destroyed?: boolean; once: NodeJS.EventEmitter['once']; off: NodeJS.EventEmitter['off'] };
  if (stream.write(text) || s.destroyed || typeof s.once !== 'function') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      s.off('drain', done);
      s.off('error', done);
      s.off('close', done);
      resolve();
    };
    s.once('drain', done);
    s.once('error', done);
    s.once('close', done);
  });
}
