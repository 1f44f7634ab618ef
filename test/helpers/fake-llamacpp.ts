/**
 * Emulated llama.cpp `llama-server` (:8080). Shapes from ggml-org/llama.cpp tools/server/README.md @00dc805:
 * - GET /props → {default_generation_settings{…}, total_slots, model_path, chat_template, modalities{vision},
 *   build_info, is_sleeping} ("GET /props")
 * - GET /v1/models → exactly one model: {object:"list", data:[{id, object:"model", architecture{input_modalities,
 *   output_modalities}, created, owned_by:"llamacpp", meta{…}}]} ("GET /v1/models")
 * - POST /v1/chat/completions → OpenAI shape plus `timings` and usage.prompt_tokens_details.cached_tokens
 *   ("Timings and context usage")
 * - an image without a loaded --mmproj → 500 "image input is not supported - hint: if this is unexpected, you may need
 *   to provide the mmproj" (openrouter-api.md §16); unknown route → 404 {"error":{"code":404,"message":"File Not
 *   Found","type":"not_found_error"}}
 */
import { countTokens, promptAndImage, route, startLocalServer, visionAnswer, type LocalServer } from './fake-local.js';

export async function startFakeLlamaCpp(opts: { vision?: boolean; modelPath?: string } = {}): Promise<LocalServer> {
  const vision = opts.vision ?? true;
  const id = opts.modelPath ?? '../models/gemma-3-4b-it-Q4_K_M.gguf';
  return startLocalServer([
    route('GET', '/props', () => ({
      body: {
        default_generation_settings: { id: 0, id_task: -1, n_ctx: 8192, speculative: false, is_processing: false, params: { n_predict: -1, temperature: 0.8, max_tokens: -1 } },
        total_slots: 1, model_path: id, chat_template: '...', chat_template_caps: {}, modalities: { vision },
        build_info: 'b6500-abc1234', is_sleeping: false,
      },
    })),
    route('GET', '/v1/models', () => ({
      body: { object: 'list', data: [{ id, object: 'model', architecture: { input_modalities: vision ? ['text', 'image'] : ['text'], output_modalities: ['text'] }, created: 1735142223, owned_by: 'llamacpp', meta: { vocab_type: 2, n_vocab: 262144, n_ctx_train: 131072, n_params: 3880000000, size: 2489000000 } }] },
    })),
    route('POST', '/v1/chat/completions', async (req) => {
      if (!vision && promptAndImage(req.body).image) {
        return { status: 500, body: { error: { code: 500, message: 'image input is not supported - hint: if this is unexpected, you may need to provide the mmproj', type: 'server_error' } } };
      }
      const content = await visionAnswer(req.body);
      const t = countTokens(req.body, content);
      return {
        body: {
          choices: [{ finish_reason: 'stop', index: 0, message: { role: 'assistant', content } }],
          created: Math.floor(Date.now() / 1000), model: id, system_fingerprint: 'b6500-abc1234', object: 'chat.completion',
          usage: { completion_tokens: t.completion, prompt_tokens: t.prompt, total_tokens: t.prompt + t.completion, prompt_tokens_details: { cached_tokens: 0 } },
          id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
          timings: { cache_n: 0, prompt_n: t.prompt, prompt_ms: 30.9, prompt_per_token_ms: 0.2, prompt_per_second: 4000, predicted_n: t.completion, predicted_ms: 661, predicted_per_token_ms: 18.9, predicted_per_second: 52.9 },
        },
      };
    }),
  ], () => ({ status: 404, body: { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } } }));
}
