/** Reading an error out of an answer body: where it sits, which status it stands for, its text made safe for one line. */
// In-body errors often carry only a type; map it to the status the same error would have had.
const TYPE_STATUS: Record<string, number> = {
  rate_limit_exceeded: 429, provider_unavailable: 502, provider_overloaded: 529, temporarily_unavailable: 503,
  timeout: 504, server: 500, server_error: 500, unmapped: 500, invalid_image: 400, image_too_large: 413,
  image_too_small: 400, unsupported_image_format: 400, invalid_request: 400, content_policy_violation: 400,
};

export type Json = Record<string, unknown>;
export const rec = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The error object of a 2xx body, if it carries one: top-level `error`, `choices[].error`, or finish_reason "error". */
export function findBodyError(body: unknown): Json | null {
  const b = rec(body);
  if (!b) return null;
  const top = rec(b.error);
  if (top) return top;
  // LM Studio and other local servers answer errors as HTTP 200 with a string `error` (openrouter-api.md §16).
  if (typeof b.error === 'string' && b.error !== '') return { code: 400, message: b.error };
  const choices = Array.isArray(b.choices) ? b.choices : [];
  for (const c of choices) {
    const choice = rec(c);
    const err = rec(choice?.error);
    if (err) return err;
    if (choice?.finish_reason === 'error') return { code: 502, message: 'The provider ended the answer with an error' };
  }
  return null;
}

/** Single line, bounded, so API text can go into a one-line message. */
export function oneLine(text: string, max = 300): string {
  // Control characters (ANSI escapes included) from a server never reach the terminal.
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function statusOf(httpStatus: number, err: Json | null): number {
  if (httpStatus >= 300 || !err) return httpStatus;
  const code = typeof err.code === 'string' && /^\d{3}$/.test(err.code) ? Number(err.code) : err.code;
  if (typeof code === 'number' && code >= 400 && code < 600) return code;
  const type = str(rec(err.metadata)?.error_type) ?? str(err.error_type) ?? str(err.code);
  // Anything else inside a 200 is a provider failure mid-answer: worth another try.
  return (type === undefined ? undefined : TYPE_STATUS[type]) ?? 502;
}

export const stringList = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];

/** `metadata.raw`: a string, a JSON string, or an object such as {"__kind":"OK","data":"{…}"}. */
export function rawText(raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'string') return raw;
  const r = rec(raw);
  if (r && typeof r.data === 'string') return r.data;
  try {
    return JSON.stringify(raw);
  } catch {
    return undefined;
  }
}
