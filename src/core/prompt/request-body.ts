import type { ChatBody } from '../send/openrouter/client.js';
import { InlineImage } from '../send/openrouter/json-body.js';

export interface RequestSpec {
  model: string;
  fallbackModels: readonly string[];
  maxTokens: number;
  /** Extra top-level fields (response_format, provider, modalities…) from later features. */
  extra?: Record<string, unknown>;
}

/** The chat request for one photo: the prompt first, then the image, as OpenRouter recommends. */
export function buildChatBody(spec: RequestSpec, prompt: string, jpeg: Buffer): ChatBody {
  const body: ChatBody = {
    ...spec.extra,
    model: spec.model,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: prompt },
          // Bytes until the request is written (json-body.ts): no 110 KB string stringified and re-encoded per photo.
          { type: 'image_url', image_url: { url: new InlineImage('image/jpeg', jpeg) } },
        ],
      },
    ],
    max_tokens: spec.maxTokens,
  };
  // OpenRouter tries `models` in order when one fails; the answer's `model` says which one was used.
  if (spec.fallbackModels.length > 0) body.models = [spec.model, ...spec.fallbackModels];
  return body;
}
