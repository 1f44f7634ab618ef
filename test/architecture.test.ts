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

  it('no import circles in src (type imports included)', () => {
    const files = sources(path.join(REPO_ROOT, 'src'));
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const deps: string[] = [];
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/gm)) {
        deps.push(path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      }
      graph.set(file, deps);
    }
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const dep of graph.get(file) ?? []) {
        if (!graph.has(dep)) continue;
        if (state.get(dep) === 'open') circles.push([...stack.slice(stack.indexOf(dep)), dep].map((f) => path.relative(REPO_ROOT, f)).join(' → '));
        else if (!state.has(dep)) visit(dep);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(circles).toEqual([]);
  });
});
