/**
 * Emulated LM Studio (:1234). Shapes from lmstudio-ai/docs @c6854fb (1_developer/2_rest/endpoints.mdx, REST API v0)
 * and the bug tracker:
 * - GET /api/v0/models and /api/v0/models/{model} → {id, object:"model", type:"vlm"|"llm"|"embeddings", publisher,
 *   arch, compatibility_type, quantization, state, max_context_length}
 * - GET /v1/models → OpenAI list {object:"list", data:[{id, object:"model", owned_by}]}
 * - POST /v1/chat/completions → {id:"chatcmpl-…", object:"chat.completion", created, model, choices[{index, logprobs:
 *   null, finish_reason, message{role, content}}], usage{prompt_tokens, completion_tokens, total_tokens}, stats{…}}
 *   (endpoints.mdx "POST /api/v0/chat/completions"; the /v1 answer is the same without stats)
 * - errors with HTTP 200 and a string error: an image to a text-only model → {"error":"Model does not support
 *   images. Please use a model that does."} (lmstudio-ai/lmstudio-bug-tracker#908); an unknown route →
 *   {"error":"Unexpected endpoint or method. (GET /v1/key)"} (lmstudio-bug-tracker#618)
 */
import { countTokens, promptAndImage, route, startLocalServer, visionAnswer, type LocalServer } from './fake-local.js';

export interface LmStudioModel {
  id: string;
  type: 'vlm' | 'llm';
}

export async function startFakeLmStudio(models: LmStudioModel[] = [{ id: 'qwen2-vl-7b-instruct', type: 'vlm' }, { id: 'meta-llama-3.1-8b-instruct', type: 'llm' }]): Promise<LocalServer> {
  const card = (m: LmStudioModel) => ({
    id: m.id, object: 'model', type: m.type, publisher: m.type === 'vlm' ? 'mlx-community' : 'lmstudio-community', arch: m.type === 'vlm' ? 'qwen2_vl' : 'llama',
    compatibility_type: m.type === 'vlm' ? 'mlx' : 'gguf', quantization: m.type === 'vlm' ? '4bit' : 'Q4_K_M', state: 'loaded', max_context_length: 32768,
  });
  return startLocalServer([
    route('GET', '/api/v0/models', () => ({ body: { object: 'list', data: models.map(card) } })),
    route('GET', /^\/api\/v0\/models\/.+$/, (req) => {
      const id = decodeURIComponent(req.path.split('?')[0]!.slice('/api/v0/models/'.length));
      const m = models.find((x) => x.id === id);
      return m ? { body: card(m) } : { status: 404, body: { error: `Model "${id}" not found` } };
    }),
    route('GET', '/v1/models', () => ({ body: { object: 'list', data: models.map((m) => ({ id: m.id, object: 'model', owned_by: 'organization_owner' })) } })),
    route('POST', '/v1/chat/completions', async (req) => {
      const m = models.find((x) => x.id === req.body?.model) ?? models[0]!;
      if (m.type !== 'vlm' && promptAndImage(req.body).image) {
        return { status: 200, body: { error: 'Model does not support images. Please use a model that does.' } };
      }
      const content = await visionAnswer(req.body);
      const t = countTokens(req.body, content);
      return {
        body: {
          id: `chatcmpl-${Math.random().toString(36).slice(2, 23)}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: m.id,
          choices: [{ index: 0, logprobs: null, finish_reason: 'stop', message: { role: 'assistant', content } }],
          usage: { prompt_tokens: t.prompt, completion_tokens: t.completion, total_tokens: t.prompt + t.completion },
        },
      };
    }),
  ], (req) => ({ status: 200, body: { error: `Unexpected endpoint or method. (${req.method} ${req.path.split('?')[0]})` } }));
}
