/**
 * Emulated vLLM OpenAI server (:8000). Shapes from vllm-project/vllm vllm/entrypoints/openai/engine/protocol.py
 * (@040a2cc, as quoted in openrouter-api.md §16) and the ModelCard of the same file:
 * - GET /v1/models → {object:"list", data:[{id, object:"model", created, owned_by:"vllm", root, parent:null,
 *   max_model_len, permission:[…]}]}
 * - POST /v1/chat/completions → {id:"chatcmpl-…", object:"chat.completion", created, model, choices[{index, message
 *   {role, content, reasoning_content:null, tool_calls:[]}, logprobs:null, finish_reason, stop_reason:null}], usage{
 *   prompt_tokens, total_tokens, completion_tokens, prompt_tokens_details:null}, prompt_logprobs:null}
 * - model not served → 404 {"error":{"message":"The model `x` does not exist.","type":"NotFoundError","param":"model",
 *   "code":404}}; with --api-key a wrong or missing bearer → 401 {"error":"Unauthorized"} on /v1/* only
 * - unknown route → 404 {"detail":"Not Found"} (FastAPI)
 * vLLM has no capability endpoint: a served text-only model ignores nothing, it errors or answers from the text;
 * here it answers from the text, which the one-image probe catches.
 */
import { blindAnswer, countTokens, route, startLocalServer, visionAnswer, type LocalServer } from './fake-local.js';

export async function startFakeVllm(opts: { model?: string; vision?: boolean; apiKey?: string } = {}): Promise<LocalServer> {
  const model = opts.model ?? 'Qwen/Qwen2.5-VL-7B-Instruct';
  const vision = opts.vision ?? true;
  const auth = (headers: Record<string, unknown>) => !opts.apiKey || headers.authorization === `Bearer ${opts.apiKey}`;
  return startLocalServer([
    (req) => (req.path.startsWith('/v1/') && !auth(req.headers) ? { status: 401, body: { error: 'Unauthorized' } } : undefined),
    route('GET', '/v1/models', () => ({
      body: { object: 'list', data: [{ id: model, object: 'model', created: 1764547200, owned_by: 'vllm', root: model, parent: null, max_model_len: 32768, permission: [] }] },
    })),
    route('GET', '/version', () => ({ body: { version: '0.11.0' } })),
    route('POST', '/v1/chat/completions', async (req) => {
      if (req.body?.model !== model) {
        return { status: 404, body: { error: { message: `The model \`${String(req.body?.model)}\` does not exist.`, type: 'NotFoundError', param: 'model', code: 404 } } };
      }
      const content = vision ? await visionAnswer(req.body) : blindAnswer(req.body);
      const t = countTokens(req.body, content);
      return {
        body: {
          id: `chatcmpl-${Math.random().toString(16).slice(2)}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model,
          choices: [{ index: 0, message: { role: 'assistant', content, reasoning_content: null, tool_calls: [] }, logprobs: null, finish_reason: 'stop', stop_reason: null }],
          usage: { prompt_tokens: t.prompt, total_tokens: t.prompt + t.completion, completion_tokens: t.completion, prompt_tokens_details: null },
          prompt_logprobs: null,
        },
      };
    }),
  ], () => ({ status: 404, body: { detail: 'Not Found' } }));
}
