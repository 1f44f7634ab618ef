import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * HEVC decoding with libheif compiled to WebAssembly (libheif-js: a registry package, nothing
 * downloaded at install, no native build). It runs in ONE worker thread, started at the first HEIC
 * and stopped after a minute idle:
 * - off the main thread, because a 12 MP decode is a ~1 s synchronous WASM call that would freeze
 *   progress, Ctrl-C handling and every request in flight;
 * - one at a time, because each WASM instance keeps its heap (~150 MB after a 12 MP photo) for good:
 *   one decoder bounds that, and ~1 s a photo is faster than the vision requests it feeds.
 */

export interface DecodedPixels {
  width: number;
  height: number;
  channels: 3 | 4;
  /** `reserve` bytes left free for a header, then the pixel rows (8 bits a sample, no padding). */
  data: Buffer;
}

export class HeicDecodeError extends Error {
  constructor(message: string, readonly reason: 'load' | 'decode' | 'timeout' | 'crash') {
    super(message);
  }
}

const IDLE_MS = 60_000;

// Plain CommonJS, run with `eval`: the same code works from src (tests) and dist. No console: output
// from the library is silenced through Emscripten's print hooks.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let lib;
const text = (err) => (err && err.message) || String(err);
parentPort.on('message', (job) => {
  try {
    lib = lib || require(workerData.modulePath)({ print() {}, printErr() {} });
  } catch (err) {
    parentPort.postMessage({ error: text(err), reason: 'load' });
    return;
  }
  let ctx, handle, img;
  try {
    ctx = lib.heif_context_alloc();
    const read = lib.heif_context_read_from_memory(ctx, new Uint8Array(job.bytes));
    if (read.code !== lib.heif_error_code.heif_error_Ok) throw new Error(read.message);
    handle = lib.heif_js_context_get_primary_image_handle(ctx);
    if (!handle || handle.code) throw new Error((handle && handle.message) || 'no primary image');
    const channels = lib.heif_image_handle_has_alpha_channel(handle) ? 4 : 3;
    const chroma = channels === 4 ? lib.heif_chroma.heif_chroma_interleaved_RGBA : lib.heif_chroma.heif_chroma_interleaved_RGB;
    img = lib.heif_js_decode_image2(handle, lib.heif_colorspace.heif_colorspace_RGB, chroma);
    if (!img || img.code) throw new Error((img && img.message) || 'decoding failed');
    const plane = img.channels.find((c) => c.id === lib.heif_channel.heif_channel_interleaved);
    if (!plane) throw new Error('no interleaved plane');
    const { width, height, stride, data } = plane;
    const row = width * channels;
    const out = new Uint8Array(job.reserve + row * height);
    if (stride === row) out.set(data.subarray(0, row * height), job.reserve);
    else for (let y = 0; y < height; y++) out.set(data.subarray(y * stride, y * stride + row), job.reserve + y * row);
    parentPort.postMessage({ width, height, channels, data: out.buffer }, [out.buffer]);
  } catch (err) {
    // A WASM trap can leave the instance unusable: start a fresh one for the next photo.
    if (err instanceof WebAssembly.RuntimeError) lib = undefined;
    parentPort.postMessage({ error: text(err), reason: 'decode' });
  } finally {
    try {
      if (img && img.image) lib && lib.heif_image_release(img.image);
      if (handle && !handle.code) lib && lib.heif_image_handle_release(handle);
      if (ctx) lib && lib.heif_context_free(ctx);
    } catch {}
  }
});
`;

interface Job {
  bytes: Uint8Array;
  reserve: number;
  timeoutMs: number;
  resolve: (value: DecodedPixels) => void;
  reject: (err: Error) => void;
}

interface Reply {
  error?: string;
  reason?: 'load' | 'decode';
  width?: number;
  height?: number;
  channels?: 3 | 4;
  data?: ArrayBuffer;
}

let worker: Worker | undefined;
let current: { job: Job; timer: NodeJS.Timeout } | undefined;
const queue: Job[] = [];
let idleTimer: NodeJS.Timeout | undefined;

/**
 * Decodes the primary image of a HEIC to 8-bit RGB(A) with libheif's irot/imir/clap applied (not
 * EXIF orientation). `timeoutMs` counts from when the decode starts, not time spent queued.
 */
export function decodeHeicPixels(heic: Buffer, reserve: number, timeoutMs: number): Promise<DecodedPixels> {
  return new Promise<DecodedPixels>((resolve, reject) => {
    // A copy, transferred to the worker: the caller's buffer may be a slice of a shared pool.
    queue.push({ bytes: new Uint8Array(heic), reserve, timeoutMs, resolve, reject });
    runNext();
  });
}

function runNext(): void {
  if (current || queue.length === 0) return;
  const job = queue.shift()!;
  let w: Worker;
  try {
    w = ensureWorker();
  } catch (err) {
    job.reject(new HeicDecodeError(err instanceof Error ? err.message : String(err), 'load'));
    runNext();
    return;
  }
  if (idleTimer) clearTimeout(idleTimer);
  w.ref(); // keep the process alive while a caller awaits this decode
  const timer = setTimeout(() => {
    finish(new HeicDecodeError(`HEIC decode took longer than ${job.timeoutMs} ms`, 'timeout'));
    void w.terminate(); // the only way to stop a synchronous WASM call; the next job starts a new worker
    worker = undefined;
    runNext();
  }, job.timeoutMs);
  current = { job, timer };
  w.postMessage({ bytes: job.bytes.buffer, reserve: job.reserve }, [job.bytes.buffer as ArrayBuffer]);
}

function finish(result: DecodedPixels | Error): void {
  if (!current) return;
  const { job, timer } = current;
  clearTimeout(timer);
  current = undefined;
  if (result instanceof Error) job.reject(result);
  else job.resolve(result);
}

function ensureWorker(): Worker {
  if (worker) return worker;
  // Resolved here, lazily: nothing of libheif is loaded until a HEIC is met.
  const modulePath = createRequire(import.meta.url).resolve('libheif-js/libheif-wasm/libheif-bundle.js');
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { modulePath } });
  w.on('message', (reply: Reply) => {
    if (w !== worker) return;
    if (reply.error !== undefined) finish(new HeicDecodeError(reply.error, reply.reason ?? 'decode'));
    else finish({ width: reply.width!, height: reply.height!, channels: reply.channels!, data: Buffer.from(reply.data!) });
    settle(w);
  });
  w.on('error', (err) => {
    if (w !== worker) return;
    worker = undefined;
    finish(new HeicDecodeError(err.message, 'crash'));
    runNext();
  });
  w.on('exit', () => {
    if (w !== worker) return;
    worker = undefined;
    finish(new HeicDecodeError('the HEIC decoder stopped unexpectedly', 'crash'));
    runNext();
  });
  worker = w;
  return w;
}

/** After a reply: next job, or let the process exit and stop the worker once it has idled a while. */
function settle(w: Worker): void {
  runNext();
  if (current) return;
  w.unref();
  idleTimer = setTimeout(() => {
    if (w === worker && !current) {
      worker = undefined;
      void w.terminate();
    }
  }, IDLE_MS);
  idleTimer.unref();
}

/** Whether the decoder worker (and with it libheif's WASM) is loaded: only after a HEIC was met. */
export function isHeicDecoderLoaded(): boolean {
  return worker !== undefined;
}
