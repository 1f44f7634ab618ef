/**
 * Per-photo cost of each local step of photobatch's pipeline, measured one photo at a time with photobatch's own
 * built modules (dist/): read, sha256, preparePhoto (sharp), base64 (buildChatBody), JSON.stringify of the request,
 * JSON.parse of an answer, and the journal append (write + fdatasync). CPU is process-wide (process.cpuUsage covers
 * libvips' threads too).
 *
 *   node stages.js <photo-dir> <n> <scratch-dir>   → prints JSON
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, nArg, scratch] = process.argv.slice(2);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');
const dist = (p: string) => import(pathToFileURL(path.join(root, 'dist', p)).href);
const { preparePhoto } = await dist('core/images/prepare.js');
const { buildChatBody } = await dist('core/prompt/request-body.js');
const { sha256Hex } = await dist('core/record/job.js');
const { openJournal } = await dist('core/record/journal.js');
const { familyFor, modelTargetSize } = await dist('core/pricing/image-tokens.js');
const { DEFAULT_MODEL, DEFAULT_PROMPT, DEFAULT_MAX_IMAGE_SIZE } = await dist('core/run/config.js');
// The contact sheet's thumbnail (written per photo during a run, when it exists in this build).
const writeThumbnail: ((outDir: string, sha: string, jpeg: Buffer, size?: { width: number; height: number }) => Promise<string>) | undefined =
  await dist('core/outputs/contact-sheet/thumbnail.js').then((m) => m.writeThumbnail, () => undefined);

const family = familyFor(DEFAULT_MODEL);
const target = (w: number, h: number) => modelTargetSize(family, w, h, DEFAULT_MAX_IMAGE_SIZE);
const files = (await readdir(dir!)).filter((f) => f.endsWith('.jpg')).sort().slice(0, Number(nArg));
const journal = await openJournal(scratch!);
const answer = JSON.stringify({
  id: 'gen-1', object: 'chat.completion', created: 1, model: DEFAULT_MODEL, provider: 'FakeProvider',
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'A caption for request 1' } }],
  usage: { prompt_tokens: 1000, completion_tokens: 20, total_tokens: 1020, cost: 0.0001 },
});

type Stage = 'read' | 'sha256' | 'sharp' | 'thumbnail' | 'base64' | 'jsonStringify' | 'jsonParse' | 'journal';
const acc: Record<Stage, { cpu: number; wall: number }> = {
  read: { cpu: 0, wall: 0 }, sha256: { cpu: 0, wall: 0 }, sharp: { cpu: 0, wall: 0 }, thumbnail: { cpu: 0, wall: 0 }, base64: { cpu: 0, wall: 0 },
  jsonStringify: { cpu: 0, wall: 0 }, jsonParse: { cpu: 0, wall: 0 }, journal: { cpu: 0, wall: 0 },
};
async function time<T>(stage: Stage, fn: () => T | Promise<T>): Promise<T> {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const v = await fn();
  const c = process.cpuUsage(c0);
  acc[stage].wall += performance.now() - w0;
  acc[stage].cpu += (c.user + c.system) / 1000;
  return v;
}
let bodyBytes = 0;
let jpegBytes = 0;
// Warm-up (sharp's first call loads libvips' JPEG code).
await preparePhoto(await readFile(path.join(dir!, files[0]!)), { maxEdge: DEFAULT_MAX_IMAGE_SIZE, quality: 80, target });
for (const f of files) {
  const original = await time('read', () => readFile(path.join(dir!, f)));
  const sha = await time('sha256', () => sha256Hex(original));
  const prepared = await time('sharp', () => preparePhoto(original, { maxEdge: DEFAULT_MAX_IMAGE_SIZE, quality: 80, target }));
  // As runBatch calls it (the size lets a thumbnail-sized photo skip the second encode, where supported).
  if (writeThumbnail) await time('thumbnail', () => writeThumbnail(scratch!, sha, prepared.data, prepared));
  const body = await time('base64', () => buildChatBody({ model: DEFAULT_MODEL, fallbackModels: [], maxTokens: 512 }, DEFAULT_PROMPT, prepared.data));
  const text = await time('jsonStringify', () => JSON.stringify(body));
  await time('jsonParse', () => JSON.parse(answer));
  bodyBytes += text.length;
  jpegBytes += prepared.bytes;
  await time('journal', () => journal.append({
    file: f, path: path.join(dir!, f), sha256: sha, status: 'ok', model: DEFAULT_MODEL, output: 'A caption for request 1',
    usage: { prompt_tokens: 1000, completion_tokens: 20, cost_usd: 0.0001 }, attempts: 1, generation_id: 'gen-1', ms: 300,
    sent: { width: prepared.width, height: prepared.height, bytes: prepared.bytes }, image_tokens: 258, estimated_cost_usd: 0.0001,
    job: 'bench', at: new Date().toISOString(),
  }));
}
journal.close();
const n = files.length;
if (!writeThumbnail) delete (acc as Partial<typeof acc>).thumbnail;
const perPhoto = Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, { cpuMs: v.cpu / n, wallMs: v.wall / n }]));
process.stdout.write(JSON.stringify({ n, perPhoto, avgBodyBytes: bodyBytes / n, avgJpegBytes: jpegBytes / n }) + '\n');
