import type { RecordError, Usage } from '../types.js';
import type { StopReason } from '../errors.js';
import { ApiError } from './openrouter/api-error.js';
import type { ChatSuccess } from './openrouter/client.js';
import type { Sender } from './openrouter/sender.js';
import type { PreparedPhoto } from '../images/prepare.js';
import type { FamilyInfo } from '../pricing/image-tokens.js';
import { estimatePhoto, expectedOutputTokens as expectedOutput, type PhotoEstimate } from '../pricing/estimate.js';
import type { ModelPrice } from '../pricing/prices.js';
import type { ParseResult } from '../prompt/presets.js';
import type { SpendCaps } from '../pricing/spend-caps.js';
import { buildChatBody } from '../prompt/request-body.js';
import { addUsage, hasBilling, zeroUsage } from './openrouter/usage.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';

export interface SendContext {
  sender: Sender;
  budget: SpendCaps | undefined;
  family: FamilyInfo;
  price: ModelPrice | undefined;
  model: string;
  fallbackModels: readonly string[];
  maxTokens: number;
  expectedOutputTokens: number | undefined;
  /** Reasoning tokens expected per answer when no history says otherwise. */
  reasoningTokens?: number;
  /** Billed answers per photo seen in history. */
  expectedRequests?: number;
  requestExtra: Record<string, unknown> | undefined;
  parse: (raw: string) => ParseResult;
  signal: AbortSignal;
  isStopped: () => boolean;
  stop: (reason: StopReason, message: string) => void;
  /** Second chances: the image-refusal shrink and the re-ask (default DEFAULT_RETRY_POLICY). */
  policy?: RetryPolicy;
}

export type SendOutcome =
  | { status: 'ok'; result: ChatSuccess; parsed: Extract<ParseResult, { ok: true }>; usage: Usage; attempts: number; prepared: PreparedPhoto; estimate: PhotoEstimate }
  | { status: 'failed'; error: RecordError; attempts: number; prepared: PreparedPhoto; usage?: Usage; raw?: string; model?: string; estimate?: PhotoEstimate }
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
  const policy = ctx.policy ?? DEFAULT_RETRY_POLICY;
  let shrinks = 0;
  let reasks = 0;
  const spent: Usage = zeroUsage();
  let billedModel: string | undefined;
  let lastRaw: string | undefined;
  let lastEstimate: PhotoEstimate | undefined;

  for (;;) {
    // A photo without a kept answer is not recorded: the re-run sends it again. One whose first answer was billed
    // (then failed validation) is recorded, so the bill and the budget of the next run still see that money.
    if (ctx.isStopped()) return unaskedAgain();
    const estimate = estimatePhoto({
      price: ctx.price, family: ctx.family, width: prepared.width, height: prepared.height, promptText: prompt,
      expectedOutputTokens: expectedOutput({
        maxTokens: ctx.maxTokens, ...(ctx.expectedOutputTokens === undefined ? {} : { history: ctx.expectedOutputTokens }),
        ...(ctx.reasoningTokens === undefined ? {} : { reasoningTokens: ctx.reasoningTokens }),
      }),
      maxTokens: ctx.maxTokens, requests: ctx.expectedRequests ?? 1,
    });
    lastEstimate ??= estimate;
    const reservation = ctx.budget ? await ctx.budget.reserve(estimate.worstUsd ?? Number.POSITIVE_INFINITY, ctx.signal) : undefined;
    if (ctx.budget && !reservation) {
      ctx.stop(ctx.budget.stopReason, ctx.budget.stopMessage());
      return unaskedAgain();
    }
    if (ctx.isStopped()) {
      if (reservation) ctx.budget!.release(reservation);
      return unaskedAgain();
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
      if (sent.failedUsage) addUsage(spent, sent.failedUsage);
      if (reservation) ctx.budget!.settle(reservation, sumCost(result.usage, sent.failedUsage));
    } catch (err) {
      // A failed answer can still have been billed (a refusal, an empty answer after reasoning): it is spent.
      const billed = err instanceof ApiError && err.usage && hasBilling(err.usage) ? err.usage : undefined;
      if (reservation) {
        if (billed) ctx.budget!.settle(reservation, billed.cost_usd);
        else ctx.budget!.release(reservation);
      }
      if (!(err instanceof ApiError)) throw err;
      if (billed) {
        addUsage(spent, billed);
        billedModel = err.model ?? billedModel;
      }
      attempts += err.attempts ?? 1;
      if (err.kind === 'interrupted' && !hasBilling(spent)) return { status: 'not_started' };
      if (shrinks < policy.imageRefusal.tries && (err.kind === 'too_large' || err.kind === 'invalid_image')) {
        shrinks++;
        const smaller = await shrink(prepared);
        if (smaller) {
          prepared = smaller;
          continue;
        }
      }
      if (err.action === 'stop_run' && err.stopReason) ctx.stop(err.stopReason, err.message);
      return { ...failed(err.kind, err.status, err.message), ...(billedModel ? { model: billedModel } : {}) };
    }

    addUsage(spent, result.usage);
    billedModel = result.model;
    const parsed = ctx.parse(result.content);
    if (parsed.ok) return { status: 'ok', result, parsed, usage: spent, attempts, prepared, estimate };
    if (reasks < policy.reaskInvalidOutput) {
      reasks++;
      lastRaw = result.content;
      continue;
    }
    return { ...failed('invalid_output', null, `The answer did not match the expected format twice (${parsed.message}); the raw text is kept in raw_output`), raw: result.content, model: result.model };
  }

  function unaskedAgain(): SendOutcome {
    if (!hasBilling(spent)) return { status: 'not_started' };
    return {
      ...failed('invalid_output', null, 'The answer did not match the expected format and the run stopped before asking again; the raw text is kept in raw_output'),
      ...(lastRaw === undefined ? {} : { raw: lastRaw }), ...(billedModel ? { model: billedModel } : {}),
    };
  }

  function failed(kind: RecordError['kind'], status: number | null, message: string): Extract<SendOutcome, { status: 'failed' }> {
    const outcome: Extract<SendOutcome, { status: 'failed' }> = {
      status: 'failed', attempts, prepared, error: { kind, http_status: status, message: message.replace(/\s+/g, ' ').trim() },
    };
    if (hasBilling(spent)) {
      outcome.usage = spent;
      // A billed failure is part of the bill, so its estimate belongs next to it (estimate vs bill stays honest).
      if (lastEstimate) outcome.estimate = lastEstimate;
    }
    return outcome;
  }
}

function sumCost(u: Usage, extra: Usage | undefined): number | null {
  if (!extra) return u.cost_usd;
  return u.cost_usd === null || extra.cost_usd === null ? null : u.cost_usd + extra.cost_usd;
}
