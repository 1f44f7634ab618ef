import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startFakeOpenRouter, type FakeOptions, type FakeServer } from '../../test/helpers/fake-openrouter.js';

export const CAPTION_RE = /^A caption for request \d+$/;

export interface FakeStats {
  chat: number;
  /** Successful (billed) answers. */
  ok: number;
  /** chat − ok: refused (429s in a rate-limit scenario, faults otherwise). */
  refused: number;
  firstAt: number;
  lastAt: number;
  maxInFlight: number;
  /** Event-loop delay of this (the server's) process while it ran, ms. */
  loopP99Ms: number;
  loopMaxMs: number;
}

export interface BenchFake {
  server: FakeServer;
  url: string;
  stats(): FakeStats;
  close(): Promise<void>;
}

/**
 * The test suite's fake OpenRouter, in this (the parent) process. Request bodies (base64 photos) are tallied and
 * dropped every 250 ms so 10,000 of them don't pile up here.
 */
export async function startFake(opts: FakeOptions): Promise<BenchFake> {
  const server = await startFakeOpenRouter(opts);
  let chat = 0;
  let firstAt = Number.POSITIVE_INFINITY;
  let lastAt = 0;
  const tally = () => {
    for (const r of server.requests) {
      if (r.method === 'POST' && r.path.startsWith('/api/v1/chat/completions')) {
        chat++;
        firstAt = Math.min(firstAt, r.at);
        lastAt = Math.max(lastAt, r.at);
      }
    }
    server.requests.length = 0;
  };
  const timer = setInterval(tally, 250);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  return {
    server,
    url: server.url,
    stats() {
      tally();
      const ok = server.billed.length;
      return {
        chat, ok, refused: chat - ok, firstAt, lastAt, maxInFlight: server.maxInFlight,
        loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6,
      };
    },
    async close() {
      clearInterval(timer);
      loop.disable();
      await server.close();
    },
  };
}
