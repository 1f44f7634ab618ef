/**
 * The common part of the emulated local servers (fake-ollama.ts, fake-lmstudio.ts, fake-vllm.ts, fake-llamacpp.ts,
 * fake-litellm.ts): an HTTP server on 127.0.0.1 with a route table, a request log, and two model behaviours. Each
 * server's own file holds its real response shapes, with the source of each.
 *
 * - A vision model really looks: it decodes the sent JPEG and names the colours of its top and bottom halves, so
 *   the probe of src/core/send/endpoints/vision.ts and the captions of a comparison depend on the photo.
 * - A text-only model ignores the image, as Ollama does with one (openrouter-api.md §16): it answers from the prompt.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export interface LocalRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

export interface LocalReply {
  status?: number;
  headers?: Record<string, string>;
  /** JSON body, or a string sent as text/plain. */
  body?: unknown;
}

export type Route = (req: LocalRequest) => LocalReply | undefined | Promise<LocalReply | undefined>;

export interface LocalServer {
  /** Server root, e.g. http://127.0.0.1:PORT (the OpenAI base is root + /v1). */
  root: string;
  /** root + /v1 */
  url: string;
  requests: LocalRequest[];
  chatRequests(): LocalRequest[];
  close(): Promise<void>;
}

/** Starts a server answering each request with the first route that returns a reply, else `notFound`. */
export async function startLocalServer(routes: Route[], notFound: (req: LocalRequest) => LocalReply): Promise<LocalServer> {
  const requests: LocalRequest[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const lr: LocalRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
    requests.push(lr);
    let reply: LocalReply | undefined;
    try {
      for (const route of routes) {
        reply = await route(lr);
        if (reply) break;
      }
    } catch (err) {
      reply = { status: 500, body: { error: String(err) } };
    }
    reply ??= notFound(lr);
    const isText = typeof reply.body === 'string';
    res.writeHead(reply.status ?? 200, { 'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json', ...reply.headers });
    res.end(isText ? (reply.body as string) : JSON.stringify(reply.body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const root = `http://127.0.0.1:${port}`;
  return {
    root, url: `${root}/v1`, requests,
    chatRequests: () => requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/chat/completions')),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `METHOD /path` (query ignored) → handler. */
export function route(method: string, path: string | RegExp, handler: (req: LocalRequest) => LocalReply | Promise<LocalReply>): Route {
  return (req) => {
    const p = req.path.split('?')[0]!.replace(/\/+$/, '') || '/';
    const match = typeof path === 'string' ? p === path : path.test(p);
    return req.method === method && match ? handler(req) : undefined;
  };
}

const NAMED: Record<string, [number, number, number]> = {
  red: [220, 20, 20], green: [20, 170, 40], blue: [20, 40, 220], yellow: [240, 220, 20], black: [10, 10, 10], white: [245, 245, 245],
};

function nearest([r, g, b]: number[]): string {
  let best = 'black';
  let dist = Infinity;
  for (const [name, [R, G, B]] of Object.entries(NAMED)) {
    const d = (r! - R) ** 2 + (g! - G) ** 2 + (b! - B) ** 2;
    if (d < dist) [best, dist] = [name, d];
  }
  return best;
}

/** The text and the first image of the last user message of a chat body. */
export function promptAndImage(body: any): { text: string; image?: Buffer } {
  const content = body?.messages?.at(-1)?.content;
  if (typeof content === 'string') return { text: content };
  const parts: any[] = Array.isArray(content) ? content : [];
  const text = parts.filter((p) => p?.type === 'text').map((p) => p.text).join('\n');
  const url = parts.find((p) => p?.type === 'image_url')?.image_url;
  const data = typeof url === 'string' ? url : url?.url;
  const m = typeof data === 'string' ? /^data:image\/[a-z]+;base64,(.*)$/s.exec(data) : null;
  return m ? { text, image: Buffer.from(m[1]!, 'base64') } : { text };
}

/** What a vision model sees: the nearest named colour of the top and bottom halves. */
export async function seeBands(image: Buffer): Promise<[string, string]> {
  const { data } = await sharp(image).resize(1, 2, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return [nearest([data[0]!, data[1]!, data[2]!]), nearest([data[3]!, data[4]!, data[5]!])];
}

/** A vision model's answer: the probe's format when asked for bands, else a short caption from what it sees. */
export async function visionAnswer(body: any): Promise<string> {
  const { text, image } = promptAndImage(body);
  if (!image) return 'I see no image in this message.';
  const [top, bottom] = await seeBands(image);
  if (/horizontal bands/i.test(text)) return `top: ${top}, bottom: ${bottom}`;
  return `A photo with a ${top} upper part and a ${bottom} lower part.`;
}

/** A text-only model: the image never reaches it, so it answers from the words alone. */
export function blindAnswer(body: any): string {
  const { text } = promptAndImage(body);
  if (/horizontal bands/i.test(text)) return "I'm sorry, but I can't see any image in your message; please describe it.";
  return 'A joyful crowd celebrates under warm evening light.';
}

/** Token counts a server would report: ~1 token per 4 characters of text, a flat count per image. */
export function countTokens(body: any, answer: string, imageTokens = 256): { prompt: number; completion: number } {
  const { text, image } = promptAndImage(body);
  return { prompt: Math.ceil(text.length / 4) + (image ? imageTokens : 0) + 8, completion: Math.max(1, Math.ceil(answer.length / 4)) };
}
