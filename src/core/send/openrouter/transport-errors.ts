import { ApiError, interruptedError } from './api-error.js';
import { oneLine, rec, str } from './error-body.js';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/** A request that got no usable HTTP answer: caller abort, our deadline, or a network failure. */
export function classifyTransportError(
  error: unknown,
  ctx: { callerSignal?: AbortSignal | undefined; deadlineSignal?: AbortSignal; timeoutMs: number; host: string },
): ApiError {
  if (ctx.callerSignal?.aborted) return interruptedError(undefined, error);
  const e = rec(error) ?? {};
  const cause = rec(e.cause) ?? {};
  const code = str(e.code) ?? str(cause.code) ?? str(e.name) ?? 'error';
  const detail = oneLine(str(e.message) ?? str(cause.message) ?? String(error), 200);
  if (ctx.deadlineSignal?.aborted || TIMEOUT_CODES.has(code) || e.name === 'TimeoutError') {
    return new ApiError(
      `No answer from OpenRouter within ${Math.round(ctx.timeoutMs / 100) / 10} s; try again later or raise --timeout.`,
      { status: null, kind: 'timeout', action: 'retry', cause: error },
    );
  }
  return new ApiError(
    `Could not reach OpenRouter at ${ctx.host} (${code}: ${detail}); check the network connection or --base-url.`,
    { status: null, kind: 'network', action: 'retry', cause: error },
  );
}
