/**
 * Which server is behind --base-url. photobatch speaks one OpenAI-style API, but only OpenRouter has /key,
 * /generation, credits and a cost in every answer; the local servers (openrouter-api.md §16) each have their own
 * way to say whether a model sees images. The kind decides which of those calls are made.
 */
import { probe, rec, type ProbeOptions } from './probe-http.js';

export type ServerKind = 'openrouter' | 'ollama' | 'lmstudio' | 'vllm' | 'llamacpp' | 'litellm' | 'generic';
export const SERVER_KINDS: readonly ServerKind[] = ['openrouter', 'ollama', 'lmstudio', 'vllm', 'llamacpp', 'litellm', 'generic'];

export const SERVER_NAMES: Record<ServerKind, string> = {
  openrouter: 'OpenRouter', ollama: 'Ollama', lmstudio: 'LM Studio', vllm: 'vLLM', llamacpp: 'llama.cpp server',
  litellm: 'LiteLLM proxy', generic: 'OpenAI-compatible server',
};

export interface ServerInfo {
  kind: ServerKind;
  /** Human name, for the run header and doctor. */
  name: string;
  /** The API base (…/v1). */
  baseURL: string;
  /** The server root the native endpoints hang off (base without /v1). */
  root: string;
  /** How the kind was decided, shown by doctor. */
  detectedBy: string;
  /** False when none of the probes got any HTTP answer: nothing listens at the base URL. */
  reachable?: boolean;
}

/** OpenRouter's host, or its path: the fake OpenRouter of the tests and self-hosted mirrors use /api/v1 too. */
export function looksLikeOpenRouter(baseURL: string): boolean {
  try {
    const u = new URL(baseURL);
    return /(^|\.)openrouter\.ai$/i.test(u.hostname) || /\/api\/v1\/?$/.test(u.pathname);
  } catch {
    return false;
  }
}

/** The server root: the base URL without a trailing /v1 (Ollama, LM Studio, vLLM, llama.cpp, LiteLLM all mount there). */
export function serverRoot(baseURL: string): string {
  return baseURL.replace(/\/+$/, '').replace(/\/v1$/, '');
}

const info = (kind: ServerKind, baseURL: string, detectedBy: string): ServerInfo => ({
  kind, name: SERVER_NAMES[kind], baseURL: baseURL.replace(/\/+$/, ''), root: serverRoot(baseURL), detectedBy,
});

/**
 * Decides the kind: an explicit choice wins; OpenRouter by host or path; otherwise each server's own native
 * endpoint, asked at once (a few small GETs, 3 s at most):
 * - Ollama `GET /api/version` → `{"version": "…"}` (ollama/ollama docs/api.md "Version", server/routes.go @fb30760)
 * - LM Studio `GET /api/v0/models` → `{object:"list", data:[{…, type:"vlm"|"llm"|"embeddings", arch, …}]}`
 *   (lmstudio-ai/docs 1_developer/2_rest/endpoints.mdx)
 * - llama.cpp `GET /props` → `{default_generation_settings, modalities, build_info, …}` (ggml-org/llama.cpp
 *   tools/server/README.md @00dc805); its `/v1/models` says `owned_by: "llamacpp"`
 * - vLLM `GET /v1/models` → ModelCard with `owned_by: "vllm"`, `max_model_len` (vllm-project/vllm
 *   vllm/entrypoints/openai/engine/protocol.py)
 * - LiteLLM `GET /health/liveliness` → `"I'm alive!"` (docs.litellm.ai/docs/proxy/health)
 */
export async function detectServer(baseURL: string, opts: ProbeOptions & { override?: ServerKind } = {}): Promise<ServerInfo> {
  if (opts.override) return info(opts.override, baseURL, '--server');
  if (looksLikeOpenRouter(baseURL)) return info('openrouter', baseURL, 'base URL');
  const root = serverRoot(baseURL);
  const base = baseURL.replace(/\/+$/, '');
  const [ollama, lmstudio, props, models, litellm] = await Promise.all([
    probe(`${root}/api/version`, opts),
    probe(`${root}/api/v0/models`, opts),
    probe(`${root}/props`, opts),
    probe(`${base}/models`, opts),
    probe(`${root}/health/liveliness`, opts),
  ]);
  const ok = (a: typeof ollama) => a !== undefined && a.status >= 200 && a.status < 300;
  if (ok(ollama) && typeof rec(ollama!.json)?.version === 'string') return info('ollama', baseURL, 'GET /api/version');
  if (ok(lmstudio) && Array.isArray(rec(lmstudio!.json)?.data) && !rec(lmstudio!.json)?.error) return info('lmstudio', baseURL, 'GET /api/v0/models');
  const props0 = rec(props?.json);
  if (ok(props) && props0 && ('default_generation_settings' in props0 || 'modalities' in props0)) return info('llamacpp', baseURL, 'GET /props');
  const owners = (Array.isArray(rec(models?.json)?.data) ? (rec(models!.json)!.data as unknown[]) : []).map((m) => rec(m)?.owned_by);
  if (owners.includes('llamacpp')) return info('llamacpp', baseURL, 'GET /v1/models owned_by');
  if (owners.includes('vllm')) return info('vllm', baseURL, 'GET /v1/models owned_by');
  if (ok(litellm) && /alive/i.test(litellm!.text)) return info('litellm', baseURL, 'GET /health/liveliness');
  const answered = [ollama, lmstudio, props, models, litellm].some((a) => a !== undefined);
  return { ...info('generic', baseURL, 'no native endpoint answered'), reachable: answered };
}
