/**
 * Emulated LiteLLM proxy (:4000). Shapes from docs.litellm.ai and BerriAI/litellm:
 * - GET /health/liveliness → "I'm alive!" (docs.litellm.ai/docs/proxy/health)
 * - GET /v1/models → {data:[{id, object:"model", created, owned_by}], object:"list"} (model-group aliases)
 * - POST /v1/chat/completions → OpenAI shape; the call's cost only in the `x-litellm-response-cost` header (USD),
 *   with `x-litellm-model-id`, `x-litellm-version` and `x-litellm-key-spend` (docs.litellm.ai/docs/proxy/response_headers;
 *   pass_through_cost_tracking; openrouter-api.md §16)
 * - spent budget → 429 {"error":{"message":"Budget has been exceeded! Key=… Current cost: …, Max budget: …","type":
 *   "budget_exceeded","param":"None","code":"429"}} (BerriAI/litellm PR #40002, PR #37000;
 *   docs.litellm.ai/docs/proxy/error_reference)
 * - no key → 401 {"error":{"message":"Authentication Error, No api key passed in.","type":"auth_error","param":"None",
 *   "code":"401"}}; unknown route → 404 {"detail":"Not Found"} (FastAPI)
 */
import { countTokens, route, startLocalServer, visionAnswer, type LocalServer } from './fake-local.js';

export interface FakeLiteLlm extends LocalServer {
  /** Sum of the costs the proxy charged (what its spend logs would hold). */
  spentUsd(): number;
}

export async function startFakeLiteLlm(opts: {
  models?: string[];
  /** USD per million prompt / completion tokens the proxy charges. */
  pricePerMillion?: { in: number; out: number };
  maxBudgetUsd?: number;
  apiKey?: string;
} = {}): Promise<FakeLiteLlm> {
  const models = opts.models ?? ['gpt-4o-mini'];
  const price = opts.pricePerMillion ?? { in: 0.15, out: 0.6 };
  let spent = 0;
  const server = await startLocalServer([
    route('GET', '/health/liveliness', () => ({ body: "I'm alive!" })),
    (req) => {
      if (!opts.apiKey || req.path.startsWith('/health')) return undefined;
      if (!req.headers.authorization) return { status: 401, body: { error: { message: 'Authentication Error, No api key passed in.', type: 'auth_error', param: 'None', code: '401' } } };
      return undefined;
    },
    route('GET', '/v1/models', () => ({ body: { data: models.map((id) => ({ id, object: 'model', created: 1677610602, owned_by: 'openai' })), object: 'list' } })),
    route('POST', '/v1/chat/completions', async (req) => {
      if (opts.maxBudgetUsd !== undefined && spent >= opts.maxBudgetUsd) {
        return {
          status: 429,
          body: { error: { message: `Budget has been exceeded! Key=88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b Current cost: ${spent}, Max budget: ${opts.maxBudgetUsd}`, type: 'budget_exceeded', param: 'None', code: '429' } },
        };
      }
      const content = await visionAnswer(req.body);
      const t = countTokens(req.body, content);
      const cost = (t.prompt * price.in + t.completion * price.out) / 1e6;
      spent += cost;
      return {
        headers: { 'x-litellm-response-cost': String(cost), 'x-litellm-model-id': 'a1b2c3', 'x-litellm-version': '1.79.0', 'x-litellm-key-spend': String(spent) },
        body: {
          id: `chatcmpl-${Math.random().toString(36).slice(2)}`, created: Math.floor(Date.now() / 1000), model: String(req.body?.model), object: 'chat.completion', system_fingerprint: null,
          choices: [{ finish_reason: 'stop', index: 0, message: { content, role: 'assistant', tool_calls: null, function_call: null } }],
          usage: { completion_tokens: t.completion, prompt_tokens: t.prompt, total_tokens: t.prompt + t.completion, completion_tokens_details: null, prompt_tokens_details: null },
        },
      };
    }),
  ], () => ({ status: 404, body: { detail: 'Not Found' } }));
  return Object.assign(server, { spentUsd: () => spent });
}
