/**
 * A small hostile OpenRouter on 127.0.0.1: /key and /models answer normally (shapes of
 * test/helpers/fake-openrouter.ts, which cites its sources), and every chat request gets what the
 * attack under test sends: oversized, endless, slow, escaped keys, deep nesting, control
 * characters, formula cells, redirects. It counts what a real account would be billed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostileServer {
  url: string;
  /** Chat requests received. */
  chats: number;
  /** Chat answers that carried a cost (what the account would be charged). */
  billed: number;
  close(): Promise<void>;
}

export type ChatAttack = (res: http.ServerResponse, n: number, server: HostileServer) => void | Promise<void>;

/** The OpenRouter success envelope (openrouter-api.md §3), with any content, model and extra fields. */
export function answer(content: unknown, opts: { model?: string; cost?: number; extra?: Record<string, unknown> } = {}): string {
  return JSON.stringify({
    id: `gen-hostile-${Math.random().toString(36).slice(2)}`, object: 'chat.completion', created: 1767225600,
    model: opts.model ?? 'google/gemini-2.5-flash', provider: 'Google',
    choices: [{ index: 0, finish_reason: 'stop', native_finish_reason: 'STOP', message: { role: 'assistant', content, refusal: null } }],
    usage: { prompt_tokens: 1000, completion_tokens: 20, total_tokens: 1020, cost: opts.cost ?? 0.0001, is_byok: false },
    ...opts.extra,
  });
}

/** Sends a JSON body (already serialised) and counts it as billed. */
export function sendBilled(res: http.ServerResponse, server: HostileServer, body: string, headers: Record<string, string> = {}): void {
  server.billed++;
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

export async function startHostileServer(attack: ChatAttack): Promise<HostileServer> {
  const sockets = new Set<import('node:net').Socket>();
  const state: HostileServer = { url: '', chats: 0, billed: 0, close: async () => undefined };
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.startsWith('/api/v1/key')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ data: { label: 'sk-or-v1-abc...', limit: null, limit_remaining: null, usage: 0, is_free_tier: false } }));
      }
      if (url.startsWith('/api/v1/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ data: [] }));
      }
      if (url.startsWith('/api/v1/chat/completions')) {
        state.chats++;
        void Promise.resolve(attack(res, state.chats, state)).catch(() => res.destroy());
        return;
      }
      res.writeHead(404).end();
    });
  });
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/api/v1`;
  state.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  };
  return state;
}
