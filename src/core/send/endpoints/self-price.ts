import type { ModelPrice } from '../../pricing/prices.js';

/**
 * The user's own prices for an endpoint that reports none (a local server, a company proxy): USD per million tokens,
 * as on every price page. No per-image or per-request fee: images count as prompt tokens, as on the 2026 vision
 * models (openrouter-api.md §9).
 */
export function selfPrice(model: string, inPerMillion: number, outPerMillion: number): ModelPrice {
  return { id: model, prompt: inPerMillion / 1e6, completion: outPerMillion / 1e6, image: 0, request: 0, discount: 0 };
}

/** Cost of one answer at a price, from its token counts. */
export function tokensUsd(price: ModelPrice, promptTokens: number, completionTokens: number): number | null {
  if (price.prompt === null || price.completion === null) return null;
  return (promptTokens * price.prompt + completionTokens * price.completion) * (1 - price.discount);
}
