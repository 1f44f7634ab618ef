import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';

/**
 * Reads `.env` from the current folder without touching process.env, so the precedence
 * (flag > environment > .env) lives in one place: resolveConfig.
 */
export function readDotenv(cwd: string): Record<string, string> {
  try {
    return parse(readFileSync(path.join(cwd, '.env')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}
