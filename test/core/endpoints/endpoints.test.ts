import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { detectServer, looksLikeOpenRouter, serverRoot } from '../../../src/core/send/endpoints/kind.js';
import { judgeProbeAnswer, pickProbeColours, probeImage, PROBE_COLOURS } from '../../../src/core/send/endpoints/vision.js';
import { classifyServerSpecific, litellmResponseCost } from '../../../src/core/send/endpoints/server-errors.js';
import { classifyResponse } from '../../../src/core/send/openrouter/classify.js';
import { ApiError } from '../../../src/core/send/openrouter/api-error.js';
import { withTier } from '../../../src/core/send/flex-tier.js';
import { seededRandom } from '../../../src/core/seeded-random.js';
import { chooseSample, type SampleCandidate } from '../../../src/core/compare/sample.js';
import { keywords, overlap, percentile } from '../../../src/core/compare/stats.js';

describe('server kind', () => {
  it('OpenRouter by host or /api/v1 path; the root drops /v1', () => {
    expect(looksLikeOpenRouter('https://openrouter.ai/api/v1')).toBe(true);
    expect(looksLikeOpenRouter('http://127.0.0.1:9/api/v1')).toBe(true);
    expect(looksLikeOpenRouter('http://localhost:11434/v1')).toBe(false);
    expect(serverRoot('http://localhost:1234/v1/')).toBe('http://localhost:1234');
  });

  it('a server with none of the native endpoints is generic; a closed port too, within the probe deadline', async () => {
    const srv = http.createServer((_q, r) => r.writeHead(404).end('nope'));
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    const { port } = srv.address() as AddressInfo;
    try {
      expect((await detectServer(`http://127.0.0.1:${port}/v1`)).kind).toBe('generic');
    } finally {
      srv.close();
    }
    expect(await detectServer('http://127.0.0.1:1/v1', { timeoutMs: 500 })).toMatchObject({ kind: 'generic', reachable: false });
    expect((await detectServer('http://127.0.0.1:1/v1', { override: 'vllm' })).detectedBy).toBe('--server');
  });
});

describe('vision probe', () => {
  it('the image really shows the two colours, top and bottom', async () => {
    const colours = pickProbeColours(seededRandom(3));
    expect(colours[0]).not.toBe(colours[1]);
    const { data } = await sharp(await probeImage(colours)).resize(1, 2, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    const close = (px: number[], name: string) => px.every((v, i) => Math.abs(v - PROBE_COLOURS[name]![i]!) < 40);
    expect(close([data[0]!, data[1]!, data[2]!], colours[0])).toBe(true);
    expect(close([data[3]!, data[4]!, data[5]!], colours[1])).toBe(true);
  });

  it('passes only the two colours shown: not a refusal, not the echoed list, not a wrong guess', () => {
    expect(judgeProbeAnswer('top: red, bottom: blue', ['red', 'blue'])).toBe(true);
    expect(judgeProbeAnswer('Top: Blue. Bottom: Red.', ['red', 'blue'])).toBe(true); // order is not blindness
    expect(judgeProbeAnswer("I can't see images.", ['red', 'blue'])).toBe(false);
    expect(judgeProbeAnswer('red, green, blue, yellow, black, white', ['red', 'blue'])).toBe(false);
    expect(judgeProbeAnswer('top: green, bottom: white', ['red', 'blue'])).toBe(false);
    expect(judgeProbeAnswer('top: red, bottom: red', ['red', 'blue'])).toBe(false);
  });

  it('a blind guesser passes about 1 time in 15, as documented', () => {
    const random = seededRandom(11);
    let passes = 0;
    for (let i = 0; i < 3000; i++) passes += judgeProbeAnswer('top: blue, bottom: white', pickProbeColours(random)) ? 1 : 0;
    expect(passes / 3000).toBeGreaterThan(0.04);
    expect(passes / 3000).toBeLessThan(0.1);
  });
});

describe('server-specific errors', () => {
  const facts = (status: number, body: unknown) => ({ status, headers: {}, body, text: JSON.stringify(body) });
  it('LM Studio: a string error in a 200 body is named and never retried', () => {
    const noImages = classifyServerSpecific(facts(200, { error: 'Model does not support images. Please use a model that does.' }))!;
    expect(noImages).toMatchObject({ action: 'stop_run', stopReason: 'model_unavailable' });
    const other = classifyServerSpecific(facts(200, { error: 'Context length exceeded' }))!;
    expect(other.action).toBe('fail_photo');
    expect(other.message).toMatch(/HTTP 200 with an error: Context length exceeded/);
  });

  it('LiteLLM budget_exceeded stops the run; a plain 429 stays a rate limit', () => {
    const body = { error: { message: 'Budget has been exceeded! Key=abc Current cost: 3.1, Max budget: 2.5', type: 'budget_exceeded', param: 'None', code: '429' } };
    expect(classifyServerSpecific(facts(429, body))).toMatchObject({ action: 'stop_run', stopReason: 'out_of_credits', kind: 'out_of_credits' });
    expect(classifyServerSpecific(facts(429, { error: { message: 'rate', type: 'rate_limit_error' } }))).toBeUndefined();
    expect(classifyResponse(facts(429, { error: { message: 'rate', code: 429 } })).action).toBe('retry');
  });

  it('reads x-litellm-response-cost, rejects garbage', () => {
    expect(litellmResponseCost({ 'x-litellm-response-cost': '0.00012' })).toBe(0.00012);
    expect(litellmResponseCost({ 'X-LiteLLM-Response-Cost': 'NaN' })).toBeNull();
    expect(litellmResponseCost({})).toBeNull();
  });
});

describe('tiers', () => {
  const ok = { id: 'g', model: 'm', content: 'x', finishReason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 1, cost_usd: 0 }, images: [], raw: {} };
  const refusal = () => new ApiError('Provider returned error', { status: 429, kind: 'rate_limited', action: 'retry' });
  it('flex adds service_tier; a refusal resends without it (standard) or becomes a wait', async () => {
    const seen: unknown[] = [];
    let first = true;
    const chat = async (body: any) => {
      seen.push(body.service_tier);
      if (first) {
        first = false;
        throw refusal();
      }
      return ok;
    };
    await withTier(chat, { tier: 'flex', fallback: 'standard' })({ model: 'm', messages: [], max_tokens: 1 });
    expect(seen).toEqual(['flex', undefined]);
    first = true;
    await expect(withTier(chat, { tier: 'flex', fallback: 'wait' })({ model: 'm', messages: [], max_tokens: 1 })).rejects.toMatchObject({ action: 'wait' });
  });
});

describe('compare sample and stats', () => {
  const cand = (i: number, format: string, orientation: SampleCandidate['orientation']): SampleCandidate => ({
    photo: { path: `/p/${String(i).padStart(3, '0')}`, file: String(i) }, format, orientation, size: 'medium',
  });
  it('covers every stratum before repeating one, and is the same for the same seed', () => {
    const cands = [...Array.from({ length: 90 }, (_, i) => cand(i, 'jpeg', 'landscape')), cand(100, 'heif', 'portrait'), cand(101, 'png', 'square')];
    const s1 = chooseSample(cands, 3, 5);
    expect(new Set(s1.map((p) => p.path))).toContain('/p/100');
    expect(new Set(s1.map((p) => p.path))).toContain('/p/101');
    expect(chooseSample(cands, 3, 5)).toEqual(s1);
    expect(chooseSample(cands, 200, 5)).toHaveLength(92);
  });
  it('keyword overlap and percentiles', () => {
    expect(overlap(keywords('Guests dancing at the wedding'), keywords('A wedding with dancing guests'))).toBe(1);
    expect(overlap(keywords(''), keywords(''))).toBeNull();
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 95)).toBe(40);
  });
});
