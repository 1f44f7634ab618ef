import type { RecordError, Usage } from './types.js';
import type { StopReason } from './errors.js';
import { ApiError } from './openrouter/api-error.js';
import type { ChatSuccess } from './openrouter/client.js';
import type { Sender } from './openrouter/sender.js';
import type { PreparedPhoto } from './images/prepare.js';
import type { FamilyInfo } from './pricing/image-tokens.js';
import { DEFAULT_EXPECTED_OUTPUT_TOKENS, estimatePhoto, type PhotoEstimate } from './pricing/estimate.js';
import type { ModelPrice } from './pricing/prices.js';
import type { ParseResult } from './presets.js';
import type { Budget } from './budget.js';
import { buildChatBody } from './request-body.js';

export interface SendContext {
  sender: Sender;
  budget: Budget | undefined;
  family: FamilyInfo;
  price: ModelPrice | undefined;
  model: string;
  fallbackModels: readonly string[];
  maxTokens: number;
  expectedOutputTokens: number | undefined;
  requestExtra: Record<string, unknown> | undefined;
  parse: (raw: string) => ParseResult;
  signal: AbortSignal;
  isStopped: () => boolean;
  stop: (reason: StopReason, message: string) => void;
}

export type SendOutcome =
  | { status: 'ok'; result: ChatSuccess; parsed: Extract<ParseResult, { ok: true }>; usage: Usage; attempts: number; prepared: PreparedPhoto; estimate: PhotoEstimate }
  | { status: 'failed'; error: RecordError; attempts: number; prepared: PreparedPhoto; usage?: Usage; raw?: string; model?: string }
  | { status: 'not_started' };

/**
 * One photo's request: budget reservation, send with retries, then two second chances —
 * a smaller image when the provider refused it, and one more answer when the first failed validation.
 * Every answer that was billed is counted in the outcome's usage, even one that was thrown away.
 */
export async function sendPhoto(
  ctx: SendContext,
  prompt: string,
  first: PreparedPhoto,
  /** Re-compresses the photo smaller, after the provider refused the image. */
  shrink: (current: PreparedPhoto) => Promise<PreparedPhoto | undefined>,
): Promise<SendOutcome> {
  let prepared = first;
  let attempts = 0;
  let shrunk = false;
  let reasked = false;
  const spent: Usage = { prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 };

  for (;;) {
    // A photo without a kept answer is not recorded: the re-run sends it again.
    if (ctx.isStopped()) return { status: 'not_started' };
    const estimate = estimatePhoto({
      price: ctx.price, family: ctx.family, width: prepared.width, height: prepared.height, promptText: prompt,
      expectedOutputTokens: Math.min(ctx.maxTokens, ctx.expectedOutputTokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS), maxTokens: ctx.maxTokens,
    });
    const reservation = ctx.budget ? await ctx.budget.reserve(estimate.worstUsd ?? Number.POSITIVE_INFINITY, ctx.signal) : undefined;
    if (ctx.budget && !reservation) {
      ctx.stop('budget', 'Budget reached; re-run with a higher --max-cost to continue');
      return { status: 'not_started' };
    }
    if (ctx.isStopped()) {
      if (reservation) ctx.budget!.release(reservation);
      return { status: 'not_started' };
    }
    const body = buildChatBody(
      { model: ctx.model, fallbackModels: ctx.fallbackModels, maxTokens: ctx.maxTokens, ...(ctx.requestExtra ? { extra: ctx.requestExtra } : {}) },
      prompt,
      prepared.data,
    );
    let result: ChatSuccess;
    try {
      const sent = await ctx.sender.send(body, { signal: ctx.signal });
      attempts += sent.attempts;
      result = sent.result;
      if (reservation) ctx.budget!.settle(reservation, result.usage.cost_usd);
    } catch (err) {
      if (reservation) ctx.budget!.release(reservation);
      if (!(err instanceof ApiError)) throw err;
      attempts += err.attempts ?? 1;
      if (err.kind === 'interrupted') return { status: 'not_started' };
      if (!shrunk && (err.kind === 'too_large' || err.kind === 'invalid_image')) {
        shrunk = true;
        const smaller = await shrink(prepared);
        if (smaller) {
          prepared = smaller;
          continue;
        }
      }
      if (err.action === 'stop_run' && err.stopReason) ctx.stop(err.stopReason, err.message);
      return failed(err.kind, err.status, err.message);
    }

    addUsage(spent, result.usage);
    const parsed = ctx.parse(result.content);
    if (parsed.ok) return { status: 'ok', result, parsed, usage: spent, attempts, prepared, estimate };
    if (!reasked) {
      reasked = true;
      continue;
    }
    return { ...failed('invalid_output', null, `The answer did not match the expected format twice (${parsed.message}); the raw text is kept in raw_output`), raw: result.content, model: result.model };
  }

  function failed(kind: RecordError['kind'], status: number | null, message: string): Extract<SendOutcome, { status: 'failed' }> {
    const outcome: Extract<SendOutcome, { status: 'failed' }> = {
      status: 'failed', attempts, prepared, error: { kind, http_status: status, message: message.replace(/\s+/g, ' ').trim() },
    };
    if (spent.prompt_tokens > 0 || spent.cost_usd !== 0) outcome.usage = spent;
    return outcome;
  }
}

function addUsage(into: Usage, u: Usage): void {
  into.prompt_tokens += u.prompt_tokens;
  into.completion_tokens += u.completion_tokens;
  into.cost_usd = into.cost_usd === null || u.cost_usd === null ? null : into.cost_usd + u.cost_usd;
}
