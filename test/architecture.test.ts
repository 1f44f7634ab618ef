import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-cli.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('architecture', () => {
  const core = sources(path.join(REPO_ROOT, 'src/core'));

  it.each(core.map((f) => [path.relative(REPO_ROOT, f), f]))('%s stays usable as a library', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/from ['"][./]*\/cli\//);
    expect(text).not.toMatch(/from ['"](commander|ora|cli-progress|dotenv)['"]/);
    expect(text).not.toMatch(/\bconsole\.|process\.(exit|argv|env|stdout|stderr|stdin)\b|isTTY/);
  });

  it('the public entry exports only from the core', () => {
    const text = readFileSync(path.join(REPO_ROOT, 'src/index.ts'), 'utf8');
    expect(text).not.toMatch(/\/cli\//);
  });
});
