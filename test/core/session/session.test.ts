/**
 * The session on its own: one photo at a time through prepare, send and record, with a fake client
 * (no server) and a recording sink. Covers what the architecture review found unguarded: the
 * image-refusal shrink (one retry at half the edge, at least 512 px, quality at most 70) and the
 * second stop (a hard abort of what is in flight, here after the grace time, in virtual time).
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, interruptedError } from '../../../src/core/send/openrouter/api-error.js';
import type { ChatSuccess, OpenRouterClient } from '../../../src/core/send/openrouter/client.js';
import { openJournal } from '../../../src/core/record/journal.js';
import { OutputManifest } from '../../../src/core/safety/output-manifest.js';
import { SpendHistory } from '../../../src/core/pricing/spend-caps.js';
import { Session, type SessionOptions } from '../../../src/core/session/session.js';
import { jobSettings } from '../../../src/core/session/job-settings.js';
import { createJournalSink } from '../../../src/core/session/sinks/journal-sink.js';
import { createPhotoFiles } from '../../../src/core/session/sinks/photo-files.js';
import type { OutputSink } from '../../../src/core/session/sinks/sink.js';
import type { PhotoRef } from '../../../src/core/types.js';
import { makeJpeg, tempDir } from '../../helpers/images.js';

// The real preparePhoto, watched: the shrink's settings are what the provider's refusal asks for.
vi.mock('../../../src/core/images/prepare.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/core/images/prepare.js')>();
  return { ...real, preparePhoto: vi.fn(real.preparePhoto) };
});
const { preparePhoto } = await import('../../../src/core/images/prepare.js');

const dirs: string[] = [];
afterEach(async () => {
  vi.useRealTimers();
  vi.mocked(preparePhoto).mockClear();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const answer = (model: string): ChatSuccess => ({
  id: 'gen-1', model, content: 'A red wall.', finishReason: 'stop', images: [], raw: {},
  usage: { prompt_tokens: 100, completion_tokens: 10, cost_usd: 0.001 },
});

/** The long edge of the JPEG inside a request body. */
async function sentEdge(sent: unknown): Promise<number> {
  const body = JSON.parse(JSON.stringify(sent)); // as it goes over the wire (the image stays bytes until then)
  const url: string = body.messages[0].content.find((c: any) => c.type === 'image_url').image_url.url;
  const meta = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).metadata();
  return Math.max(meta.width!, meta.height!);
}

/** A provider that never answers: each request hangs until it is aborted (with the real client's abort error). */
function stalledProvider() {
  let inFlight!: () => void;
  const started = new Promise<void>((r) => (inFlight = r));
  const chat = (_body: unknown, o?: { signal?: AbortSignal }) => {
    inFlight();
    return new Promise<ChatSuccess>((_, reject) => o?.signal?.addEventListener('abort', () => reject(interruptedError())));
  };
  return { chat, started };
}

async function setup(client: Pick<OpenRouterClient, 'chatCompletion'>, extra: Partial<SessionOptions> = {}) {
  const out = await tempDir('photobatch-session-');
  const photos = await tempDir('photobatch-session-in-');
  dirs.push(out, photos);
  const opts: SessionOptions = {
    outDir: out, client: client as OpenRouterClient, model: 'google/gemini-2.5-flash', prompt: 'Describe.', maxTokens: 300,
    concurrency: 2, retries: 0, quality: 80, maxEdge: 2048, maxEdgeExplicit: true, contactSheet: false, ...extra,
  };
  const journal = await openJournal(out, { durable: false });
  const settings = jobSettings(opts);
  const manifest = new OutputManifest(out);
  const events: string[] = [];
  const warnings: string[] = [];
  const files = createPhotoFiles({ outDir: out, model: opts.model, manifest, plan: settings.plan, promptHash: settings.promptHash, warn: (m) => warnings.push(m) });
  // Told after the journal: by then the answer must be findable there.
  const recorder: OutputSink = {
    onRecord: (r) => events.push(`record ${r.file} ${r.status}${journal.findDone(r.sha256 ?? '', r.job, r.file) ? ' (in journal)' : ''}`),
    onSkip: (r) => events.push(`skip ${r.file}`),
  };
  const session: Session = new Session(opts, {
    settings, journal, spentBefore: new SpendHistory(), files, emit: () => {},
    sinks: [createJournalSink(journal, (m) => session.stop('output_failed', m)), files, recorder],
  });
  const photo = async (name: string, o: { width?: number; height?: number; seed?: number } = {}): Promise<PhotoRef> =>
    ({ path: await makeJpeg(path.join(photos, name), o), file: name });
  const finish = async () => {
    await session.close();
    journal.close();
    return (await readFile(path.join(out, 'results.jsonl'), 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  };
  return { session, photo, events, warnings, finish, out };
}

describe('Session', () => {
  it('records an answer in the journal before any other sink hears of it', async () => {
    const s = await setup({ chatCompletion: async (body) => answer(body.model!) });
    await s.session.process(await s.photo('a.jpg'));
    expect(s.events).toEqual(['record a.jpg ok (in journal)']);
    const [line] = await s.finish();
    expect([line.file, line.status, line.output]).toEqual(['a.jpg', 'ok', 'A red wall.']);
  });

  it('sends byte-identical photos once: the copy waits for the first and is recorded free', async () => {
    const chat = vi.fn(async (body: any) => answer(body.model));
    const s = await setup({ chatCompletion: chat });
    const first = await s.photo('a.jpg', { seed: 7 });
    const copy = await s.photo('b.jpg', { seed: 7 });
    await Promise.all([s.session.process(first), s.session.process(copy)]);
    expect(chat).toHaveBeenCalledTimes(1);
    // Whichever of the two is hashed first is sent (both prepare at once); the other waits and is recorded free.
    const lines = await s.finish();
    const paid = lines.find((l) => l.duplicate_of === undefined);
    const copyLine = lines.find((l) => l.duplicate_of !== undefined);
    expect(lines).toHaveLength(2);
    expect([copyLine.duplicate_of, copyLine.usage.cost_usd]).toEqual([paid.file, 0]);
    expect(paid.usage.cost_usd).toBeGreaterThan(0);
  });

  it('a photo already answered for this job is skipped on the next session, not sent', async () => {
    const chat = vi.fn(async (body: any) => answer(body.model));
    const s = await setup({ chatCompletion: chat });
    const a = await s.photo('a.jpg');
    await s.session.process(a);
    await s.session.process(a);
    expect(chat).toHaveBeenCalledTimes(1);
    expect(s.events).toEqual(['record a.jpg ok (in journal)', 'skip a.jpg']);
    await s.finish();
  });

  it.each([
    [2400, 1600, 1024],
    // Half of 800 is under the floor: 512 px.
    [800, 600, 512],
  ])('an image the provider refuses (%i×%i) is compressed again once, at %i px and quality ≤ 70, and sent once more', async (w, h, edge) => {
    const edges: number[] = [];
    const s = await setup({
      chatCompletion: async (body) => {
        edges.push(await sentEdge(body));
        if (edges.length === 1) throw new ApiError('Invalid image', { status: 400, kind: 'invalid_image', action: 'fail_photo' });
        return answer(body.model!);
      },
    }, { maxEdge: 2048, quality: 85 });
    await s.session.process(await s.photo('big.jpg', { width: w, height: h }));
    expect(edges).toEqual([Math.min(2048, Math.max(w, h)), edge]);
    const shrink = vi.mocked(preparePhoto).mock.calls.at(-1)![1];
    expect([shrink.maxEdge, shrink.quality]).toEqual([edge, 70]);
    const [line] = await s.finish();
    expect([line.status, Math.max(line.sent.width, line.sent.height)]).toEqual(['ok', edge]);
  });

  it('a refused image gets one second chance only', async () => {
    const chat = vi.fn(async () => {
      throw new ApiError('Invalid image', { status: 400, kind: 'invalid_image', action: 'fail_photo' });
    });
    const s = await setup({ chatCompletion: chat });
    await s.session.process(await s.photo('big.jpg', { width: 1200, height: 900 }));
    expect(chat).toHaveBeenCalledTimes(2);
    const [line] = await s.finish();
    expect([line.status, line.error.kind]).toEqual(['failed', 'invalid_image']);
  });

  it('the first stop lets in-flight photos finish; after the grace time (or a second stop) they are aborted and not recorded', async () => {
    const { chat, started } = stalledProvider();
    const stop = new AbortController();
    const s = await setup({ chatCompletion: chat }, { stopSignal: stop.signal, graceMs: 30_000 });
    const pending = s.session.process(await s.photo('a.jpg'));
    await started;
    vi.useFakeTimers();
    stop.abort();
    expect(s.session.stopped?.reason).toBe('interrupted');
    let settled = false;
    void pending.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(29_000);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    vi.useRealTimers();
    await pending;
    expect(s.events).toEqual([]);
    await s.session.close();
  });

  it('a second stop (the abort signal) aborts what is in flight at once', async () => {
    const { chat, started } = stalledProvider();
    const stop = new AbortController();
    const abort = new AbortController();
    const s = await setup({ chatCompletion: chat }, { stopSignal: stop.signal, abortSignal: abort.signal });
    const pending = s.session.process(await s.photo('a.jpg'));
    await started;
    stop.abort();
    abort.abort();
    await pending;
    expect(s.events).toEqual([]);
    await s.session.close();
  });

  it('an unreadable photo is a failed record with a one-line reason; the session goes on', async () => {
    const s = await setup({ chatCompletion: async (body) => answer(body.model!) });
    await s.session.process({ path: path.join(s.out, 'missing.jpg'), file: 'missing.jpg' });
    await s.session.process(await s.photo('a.jpg'));
    const lines = await s.finish();
    expect(lines.map((l) => [l.file, l.status, l.error?.kind])).toEqual([['missing.jpg', 'failed', 'unreadable'], ['a.jpg', 'ok', undefined]]);
  });
});
