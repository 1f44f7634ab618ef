import type { ChatBody } from '../send/openrouter/client.js';

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
          { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${jpeg.toString('base64')}` } },
        ],
      },
    ],
    max_tokens: spec.maxTokens,
  };
  // OpenRouter tries `models` in order when one fails; the answer's `model` says which one was used.
  if (spec.fallbackModels.length > 0) body.models = [spec.model, ...spec.fallbackModels];
  return body;
}
