import type { Usage } from '../../types.js';
import { ApiError } from './api-error.js';
import { oneLine } from './error-body.js';
import { isDocumentedFree } from './usage.js';

/**
 * A 2xx answer with no text and no images. Billed unless OpenRouter documents it as free (no completion tokens and
 * no finish reason, openrouter-api.md §2.3): a free one is worth another try, a billed one is not (a plain retry
 * re-buys the same failure), so it fails the photo with its usage in the bill.
 */
export function emptyResponseError(finishReason: string | null, body: unknown, usage?: Usage): ApiError {
  const free = usage === undefined || isDocumentedFree(usage.completion_tokens, finishReason);
  const billed = free ? {} : { usage };
  if (finishReason === 'length') {
    const reasoning = usage?.reasoning_tokens ? ` (${usage.reasoning_tokens} of ${usage.completion_tokens} tokens were reasoning)` : '';
    return new ApiError(
      `The model used all of --max-tokens before writing an answer${reasoning}; it was billed. Raise --max-tokens or lower --reasoning (e.g. --reasoning off), then re-run.`,
      { status: 200, kind: 'empty_response', action: 'fail_photo', body, ...billed },
    );
  }
  if (finishReason === 'content_filter') {
    return new ApiError("The provider's content filter returned an empty answer for this photo; try another model if it should pass.", {
      status: 200, kind: 'moderation', action: 'fail_photo', body, ...billed,
    });
  }
  if (!free) {
    return new ApiError(
      `The model returned an empty answer (finish reason ${finishReason ?? 'none'}) and it was billed; try another model or prompt.`,
      { status: 200, kind: 'empty_response', action: 'fail_photo', body, usage: usage! },
    );
  }
  return new ApiError(
    `The model returned an empty answer (finish reason ${finishReason ?? 'none'}); try again later or choose another model.`,
    { status: 200, kind: 'empty_response', action: 'retry', body },
  );
}

/** `message.refusal`: the model declined. Billed (openrouter-api.md §2.3); not retried on the same model. */
export function refusalError(refusal: string, usage: Usage, model: string, body: unknown): ApiError {
  return new ApiError(`The model refused this photo ("${oneLine(refusal, 160)}"); it was billed. Try another model or prompt if it should pass.`, {
    status: 200, kind: 'refused', action: 'fail_photo', body, usage, model,
  });
}
