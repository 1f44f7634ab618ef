/**
 * Does the model see images? A text-only model behind Ollama silently ignores the photo and invents a caption
 * (openrouter-api.md §16), which would be recorded as a success. So before any photo is sent, ask the server
 * where it can say, and otherwise send one generated test image whose answer a blind model cannot guess.
 */
import sharp from 'sharp';
import { InlineImage } from '../openrouter/json-body.js';
import type { ChatBody, ChatSuccess } from '../openrouter/client.js';
import { probe, rec, type ProbeOptions } from './probe-http.js';
import type { ServerInfo } from './kind.js';

export interface VisionVerdict {
  /** true sees images, false does not, null the server could not say. */
  vision: boolean | null;
  /** Where the verdict came from, e.g. "Ollama /api/show capabilities". */
  source: string;
  /** What was found, for the refusal message. */
  detail?: string;
  /** Usage of the probe request, when one was sent (it may be billed). */
  probe?: { answer: string; colours: [string, string]; usage: ChatSuccess['usage'] };
}

/**
 * The server's own word on the model, where it has one:
 * - Ollama `POST /api/show {model}` → `capabilities: ["completion", "vision"]` (ollama/ollama docs/api.md "Show Model
 *   Information"; types/model/capability.go `CapabilityVision = "vision"`)
 * - llama.cpp `GET /props` → `modalities: {vision: bool}` (ggml-org/llama.cpp tools/server/README.md "GET /props")
 * - LM Studio `GET /api/v0/models/{model}` → `type: "vlm" | "llm"` (lmstudio-ai/docs 1_developer/2_rest/endpoints.mdx)
 */
export async function serverSaysVision(server: ServerInfo, model: string, opts: ProbeOptions = {}): Promise<VisionVerdict> {
  if (server.kind === 'ollama') {
    const ans = await probe(`${server.root}/api/show`, { ...opts, method: 'POST', body: { model } });
    const caps = rec(ans?.json)?.capabilities;
    if (ans && ans.status === 200 && Array.isArray(caps)) {
      return { vision: caps.includes('vision'), source: 'Ollama /api/show capabilities', detail: `capabilities: ${caps.filter((c) => typeof c === 'string').join(', ') || 'none'}` };
    }
    if (ans?.status === 404) return { vision: false, source: 'Ollama /api/show', detail: `model "${model}" is not pulled (try \`ollama pull ${model}\`)` };
  }
  if (server.kind === 'llamacpp') {
    const modalities = rec(rec((await probe(`${server.root}/props`, opts))?.json)?.modalities);
    if (modalities && typeof modalities.vision === 'boolean') {
      return { vision: modalities.vision, source: 'llama.cpp /props modalities', detail: modalities.vision ? 'vision: true' : 'vision: false (start llama-server with --mmproj)' };
    }
  }
  if (server.kind === 'lmstudio') {
    const m = rec((await probe(`${server.root}/api/v0/models/${encodeURIComponent(model)}`, opts))?.json);
    if (m && typeof m.type === 'string' && m.error === undefined) {
      return { vision: m.type === 'vlm', source: 'LM Studio /api/v0/models type', detail: `type: ${m.type}` };
    }
  }
  return { vision: null, source: `${server.name} has no capability endpoint` };
}

/** Flat colours far apart in RGB, with everyday names every vision model knows. */
export const PROBE_COLOURS: Record<string, [number, number, number]> = {
  red: [220, 20, 20], green: [20, 170, 40], blue: [20, 40, 220], yellow: [240, 220, 20], black: [10, 10, 10], white: [245, 245, 245],
};

export const PROBE_PROMPT =
  'This test image has two horizontal bands of flat colour. Name the colour of the top band and of the bottom band, ' +
  `using only these words: ${Object.keys(PROBE_COLOURS).join(', ')}. Answer exactly like "top: <colour>, bottom: <colour>".`;

/** Two different colours, top and bottom; `random` is injectable so tests can pin them. */
export function pickProbeColours(random: () => number = Math.random): [string, string] {
  const names = Object.keys(PROBE_COLOURS);
  const top = names[Math.floor(random() * names.length) % names.length]!;
  const rest = names.filter((n) => n !== top);
  return [top, rest[Math.floor(random() * rest.length) % rest.length]!];
}

/** A 256×256 JPEG: `top` colour above, `bottom` below. */
export async function probeImage([top, bottom]: [string, string]): Promise<Buffer> {
  const band = (c: string) => sharp({ create: { width: 256, height: 128, channels: 3, background: { r: PROBE_COLOURS[c]![0], g: PROBE_COLOURS[c]![1], b: PROBE_COLOURS[c]![2] } } }).png().toBuffer();
  return sharp({ create: { width: 256, height: 256, channels: 3, background: '#000' } })
    .composite([{ input: await band(top), top: 0, left: 0 }, { input: await band(bottom), top: 128, left: 0 }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * Passes only when the answer names exactly the two colours shown (order is not checked: small models mix up
 * top and bottom, and that is not blindness). A model that echoes the word list names all six and fails; one that
 * refuses names none and fails. A blind guess of two of the six passes 1 time in 15: the probe lowers the risk of
 * recording invented captions, it cannot remove it.
 */
export function judgeProbeAnswer(answer: string, colours: [string, string]): boolean {
  const named = new Set(Object.keys(PROBE_COLOURS).filter((c) => new RegExp(`\\b${c}\\b`, 'i').test(answer)));
  return named.size === 2 && named.has(colours[0]) && named.has(colours[1]);
}

/** Sends the probe through `chat` (the run's client) and judges the answer. */
export async function probeVision(
  chat: (body: ChatBody) => Promise<ChatSuccess>,
  model: string,
  opts: { random?: () => number; maxTokens?: number } = {},
): Promise<VisionVerdict> {
  const colours = pickProbeColours(opts.random);
  const jpeg = await probeImage(colours);
  const result = await chat({
    model,
    messages: [{ role: 'user', content: [
      { type: 'text', text: PROBE_PROMPT },
      { type: 'image_url', image_url: { url: new InlineImage('image/jpeg', jpeg) } },
    ] }],
    max_tokens: opts.maxTokens ?? 64,
  });
  // Shown on the terminal: no control characters from the server, bounded length.
  const answer = result.content.replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim().slice(0, 200);
  const pass = judgeProbeAnswer(answer, colours);
  return {
    vision: pass, source: 'one-image probe',
    detail: `shown ${colours[0]} over ${colours[1]}, answered "${answer}"`,
    probe: { answer, colours, usage: result.usage },
  };
}
