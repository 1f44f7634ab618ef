/**
 * Every shell recipe in README.md, run as written against the fake OpenRouter server.
 *
 * Each ```sh block in the README is preceded by `<!-- recipe: name -->`. The block runs in a fresh
 * folder holding copies of examples/photos under the names the recipes use, with `photobatch` on
 * PATH (bin/photobatch.js of this checkout) and OPENROUTER_BASE_URL pointing at the fake. A block
 * without the comment fails this test, so a recipe added later is run too, or listed in NOT_RUN
 * with the reason it cannot run here.
 */
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeRequest, type FakeServer } from './helpers/fake-openrouter.js';
import { tempDir } from './helpers/images.js';
import { BIN, REPO_ROOT } from './helpers/run-cli.js';

interface Recipe {
  name: string | undefined;
  code: string;
  line: number;
}

/** The fenced shell blocks of a Markdown text, each with the recipe name in the comment above it. */
function shellRecipes(markdown: string): Recipe[] {
  const lines = markdown.split('\n');
  const recipes: Recipe[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell|console)\s*$/.test(lines[i]!)) continue;
    let j = i - 1;
    while (j >= 0 && lines[j]!.trim() === '') j--;
    const name = /^<!-- recipe: ([\w-]+) -->$/.exec(lines[j] ?? '')?.[1];
    const end = lines.findIndex((l, k) => k > i && l.startsWith('```'));
    recipes.push({ name, code: lines.slice(i + 1, end).join('\n'), line: i + 1 });
    i = end;
  }
  return recipes;
}

/** Recipes that cannot run in a test, and why. Everything else runs. */
const NOT_RUN: Record<string, string> = {
  setup:
    'npm install downloads and builds the whole project and npm test is the suite itself; .ci/run runs the ' +
    'first line exactly as written in a fresh clone with nothing beside it (.ci/fresh-clone.sh), and npm test is CI itself',
  watch:
    'watch runs until it is stopped (Ctrl-C or SIGTERM), which a shell block cannot do; test/cli/readme-watch.test.ts runs each ' +
    'of its commands as written, waits for a result and stops it with a signal',
  'local-servers':
    'talks to Ollama, LM Studio, vLLM and llama.cpp on their fixed localhost ports (11434, 1234, 8000, 8080), which a test ' +
    'cannot bind without colliding with real servers; test/cli/readme-endpoints.test.ts runs each of its commands with ' +
    'those URLs mapped to emulated servers of each kind',
};

/** Files a recipe expects beside it, made before it runs. */
const BEFORE: Record<string, (dir: string) => Promise<void>> = {
  // `npm link` runs "in the clone": a copy of the package's manifest and bin, with this checkout's
  // dist/ and node_modules/ linked in (building them again is the set-up recipe's job).
  'npm-link': async (dir) => {
    await cp(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
    await cp(path.join(REPO_ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
    await symlink(path.join(REPO_ROOT, 'dist'), path.join(dir, 'dist'));
    await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  },
  // `find ./event -newer last-run`: the marker is older than the photos, so they all count as new.
  // --vocabulary keywords.txt: the test suite's event vocabulary (a Lightroom keyword export).
  vocabulary: async (dir) => {
    await cp(path.join(REPO_ROOT, 'test/fixtures/vocabulary-event.txt'), path.join(dir, 'keywords.txt'));
  },
  pipeline: async (dir) => {
    await writeFile(path.join(dir, 'last-run'), '');
    const old = new Date(Date.now() - 86_400_000);
    await utimes(path.join(dir, 'last-run'), old, old);
  },
};

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  dir: string;
}

/**
 * Environment a recipe needs beyond the fake server. npm link writes to npm's global prefix: here a
 * folder of the sandbox, offline, and without `prepare` (dist/ is built already).
 */
const ENV: Record<string, (dir: string) => Record<string, string>> = {
  'npm-link': (dir) => ({
    npm_config_prefix: path.join(dir, 'npm-global'),
    npm_config_ignore_scripts: 'true',
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  }),
};

/** What a user would check after each recipe, beyond a zero exit. */
const CHECK: Record<string, (r: Ran) => Promise<void> | void> = {
  // The bare command now exists in npm's bin folder and runs.
  'npm-link': async (r) => {
    const bare = path.join(r.dir, 'npm-global', 'bin', 'photobatch');
    const version = await runBash(`"${bare}" --version`, r.dir);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  },
  'quick-start': async (r) => {
    const rows = r.stdout.trim().split('\n').filter((l) => l.includes('\t'));
    expect(rows).toHaveLength(PHOTO_COUNT);
    for (const row of rows) expect(row.split('\t')[1]).toBe('ok');
    expect(r.stdout).toMatch(/^\d+\.\d+$/m); // the dry run's expected cost
    await readFile(path.join(r.dir, 'captions', 'report.html'), 'utf8');
  },
  'dry-run-script': (r) => {
    expect(r.stdout).toMatch(/^expected: \$0\.\d+$/m);
    const doc = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(doc).toMatchObject({ photos: PHOTO_COUNT });
    expect(doc.worst).toBeGreaterThan(doc.expected);
  },
  results: (r) => {
    const rows = r.stdout.trim().split('\n');
    expect(rows).toHaveLength(PHOTO_COUNT);
    for (const row of rows) expect(row).toMatch(/^[^\t]+\tGuests smile/);
  },
  pipeline: async (r) => {
    expect(r.stdout.trim().split('\n')).toHaveLength(PHOTO_COUNT);
    const lines = (await readFile(path.join(r.dir, 'new.jsonl'), 'utf8')).trim().split('\n');
    // find lists the .jpg files only; the HEIF is not among them.
    expect(lines.length).toBe(JPEG_COUNT);
  },
  compare: async (r) => {
    await readFile(path.join(r.dir, 'which-model', 'compare.html'), 'utf8');
    const doc = JSON.parse(await readFile(path.join(r.dir, 'which-model', 'compare.json'), 'utf8'));
    expect(JSON.stringify(doc)).toMatch(/claude-haiku-4\.5/);
  },
  flex: async (r) => {
    const lines = (await readFile(path.join(r.dir, 'captions', 'results.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(PHOTO_COUNT);
  },
  vocabulary: async (r) => {
    expect((await readdir(path.join(r.dir, 'delivered'))).length).toBeGreaterThanOrEqual(PHOTO_COUNT);
  },
  stock: async (r) => {
    const adobe = await readFile(path.join(r.dir, 'adobe.csv'), 'utf8');
    expect(adobe.trim().split('\n')).toHaveLength(PHOTO_COUNT + 1);
    await readFile(path.join(r.dir, 'shutterstock.csv'), 'utf8');
  },
  'scale-out': async (r) => {
    await readFile(path.join(r.dir, 'out', 'report.html'), 'utf8');
    const report = JSON.parse(r.stdout);
    // Shard 1 of 4 took its share; the merged report counts exactly what the shard folder holds.
    expect(report.photos.total).toBeGreaterThan(0);
    expect(report.photos.total).toBeLessThanOrEqual(PHOTO_COUNT);
  },
  photographers: async (r) => {
    const files = await readdir(path.join(r.dir, '2026-02-10-wedding'));
    expect(files.filter((f) => f.endsWith('.xmp'))).toHaveLength(PHOTO_COUNT);
  },
};

const EXAMPLES = path.join(REPO_ROOT, 'examples/photos');
const PHOTOS = readdirSync(EXAMPLES).filter((f) => f !== 'README.md');
const PHOTO_COUNT = PHOTOS.length;
const JPEG_COUNT = PHOTOS.filter((f) => f.endsWith('.jpg')).length;
/** Folder names the README's recipes use for "your photos". */
const PHOTO_FOLDERS = ['event-photos', 'event', '2026-02-10-wedding', 'wedding', 'stock', 'examples/photos'];

const WORDS = ['wedding', 'guests', 'garden', 'celebration', 'couple', 'bride', 'groom', 'flowers', 'dress', 'suit', 'smile',
  'love', 'summer', 'outdoor', 'family', 'friends', 'ceremony', 'happiness', 'romance', 'marriage', 'party', 'joy', 'lawn', 'house',
  'trees', 'sunlight', 'portrait', 'together', 'elegant', 'white'];

/** A JSON answer for a structured request, filled from the request's own schema (its enums, lengths and counts). */
function fromSchema(schema: any): unknown {
  const type = Array.isArray(schema?.type) ? schema.type.find((t: string) => t !== 'null') : schema?.type;
  if (Array.isArray(schema?.enum)) return schema.enum[0];
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, fromSchema(v)]));
    case 'array':
      // A choice list gets one choice; a word list gets 30 distinct words, which photobatch trims to
      // its maximum (the schema sent carries no counts: they are in the descriptions).
      if (schema.items?.enum) return [schema.items.enum[0]];
      return WORDS.slice(0, Math.min(WORDS.length, schema.maxItems ?? WORDS.length));
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    default:
      return 'Guests smile at a garden wedding'.slice(0, schema?.maxLength ?? Infinity);
  }
}

const answer = (req: FakeRequest) => {
  const schema = req.body?.response_format?.json_schema?.schema;
  return schema ? JSON.stringify(fromSchema(schema)) : 'Guests smile at a garden wedding';
};

let server: FakeServer;
let shimDir: string;
beforeAll(async () => {
  server = await startFakeOpenRouter({ content: answer });
  shimDir = await tempDir('photobatch-shim-');
  // What `npm link` would put on PATH: the checkout's bin.
  await writeFile(path.join(shimDir, 'photobatch'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  await chmod(path.join(shimDir, 'photobatch'), 0o755);
});
afterAll(async () => {
  await server?.close();
});

async function sandbox(): Promise<string> {
  const dir = await tempDir('photobatch-recipe-');
  for (const folder of PHOTO_FOLDERS) {
    await mkdir(path.dirname(path.join(dir, folder)), { recursive: true });
    await cp(EXAMPLES, path.join(dir, folder), { recursive: true, filter: (src) => path.basename(src) !== 'README.md' });
  }
  await cp(path.join(REPO_ROOT, '.env.example'), path.join(dir, '.env.example'));
  return dir;
}

function runBash(code: string, dir: string, extraEnv: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', code], {
      cwd: dir,
      env: {
        PATH: `${shimDir}${path.delimiter}${process.env.PATH}`,
        HOME: dir,
        XDG_CACHE_HOME: path.join(dir, '.cache'),
        OPENROUTER_API_KEY: 'sk-or-v1-' + 'ef56'.repeat(16),
        OPENROUTER_BASE_URL: server.url,
        NO_COLOR: '1',
        CI: '1',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr, dir }));
  });
}

const recipes = shellRecipes(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'));

describe('README shell recipes', () => {
  it('every shell block is marked with <!-- recipe: name --> and the names are unique', () => {
    const unmarked = recipes.filter((r) => !r.name).map((r) => `README.md:${r.line}`);
    expect(unmarked, 'add <!-- recipe: name --> above each ```sh block').toEqual([]);
    const names = recipes.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    // A reason for a recipe that no longer exists would hide nothing: keep the list honest.
    for (const name of Object.keys(NOT_RUN)) expect(names).toContain(name);
  });

  it('the set-up recipe uses only what a fresh clone has', () => {
    const setup = recipes.find((r) => r.name === 'setup')!;
    expect(setup.code).not.toMatch(/\.\.\/shared/);
    expect(setup.code.split('\n')[0]).toMatch(/^npm install && npx photobatch run examples\/photos --dry-run\b/);
  });

  const runnable = recipes.filter((r) => r.name && !(r.name in NOT_RUN));
  it.each(runnable.map((r) => [r.name!, r]))('recipe %s runs as written against the fake server', async (name, recipe) => {
    const dir = await sandbox();
    await BEFORE[name]?.(dir);
    const ran = await runBash(recipe.code, dir, ENV[name]?.(dir));
    expect(ran.code, `README.md:${recipe.line} (${name})\n${ran.stderr}`).toBe(0);
    expect(ran.stderr).not.toMatch(/unexpected error/);
    await CHECK[name]?.(ran);
  });
});
