/** Loader hooks for module-trace.ts (they run on the loader thread). */
import { appendFileSync } from 'node:fs';

let out = '';
export async function initialize(data: { file: string }): Promise<void> {
  out = data.file;
}
export async function resolve(
  specifier: string,
  context: unknown,
  next: (s: string, c: unknown) => Promise<{ url: string }>,
): Promise<{ url: string }> {
  const r = await next(specifier, context);
  if (out) appendFileSync(out, r.url + '\n');
  return r;
}
