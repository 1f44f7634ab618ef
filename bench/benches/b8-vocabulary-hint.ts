import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Bench, Ctx } from '../lib/context.js';
import type { Row } from '../lib/report.js';
import { importDist, log, REPO_ROOT, WORK } from '../lib/util.js';

const BUDGET = 300; // DEFAULT_VOCABULARY_HINT_TOKENS
const TOKENIZER = 'gpt-tokenizer@4.0.0';

/** OpenAI's real BPE tokenizers (o200k_base: GPT-4o/4.1/5; cl100k_base: GPT-4), installed from npm into bench/.work once. */
async function tokenizers(): Promise<{ o200k: (s: string) => number; cl100k: (s: string) => number } | undefined> {
  const dir = path.join(WORK, 'tokenizer');
  const pkg = path.join(dir, 'node_modules', 'gpt-tokenizer');
  if (!existsSync(pkg)) {
    mkdirSync(dir, { recursive: true });
    log(`b8: installing ${TOKENIZER} into ${dir}`);
    const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, TOKENIZER], { encoding: 'utf8', timeout: 180_000 });
    if (r.status !== 0) return undefined;
  }
  const load = async (enc: string) =>
    ((await import(pathToFileURL(path.join(pkg, 'cjs', 'encoding', `${enc}.js`)).href)) as { encode: (s: string) => number[] }).encode;
  const [o200k, cl100k] = [await load('o200k_base'), await load('cl100k_base')];
  return { o200k: (s) => o200k(s).length, cl100k: (s) => cl100k(s).length };
}

export const b8: Bench = {
  id: 8,
  title: 'Vocabulary hint: tokens added to each prompt',
  async run(_ctx: Ctx): Promise<Row[]> {
    const { parseVocabulary } = await importDist<typeof import('../../src/core/prompt/keywords/vocabulary.js')>('core/prompt/keywords/vocabulary.js');
    const tk = await tokenizers();
    const lists: [string, string][] = [
      ['127-term event vocabulary (test/fixtures/vocabulary-event.txt)', readFileSync(path.join(REPO_ROOT, 'test/fixtures/vocabulary-event.txt'), 'utf8')],
      ['3,000-term list ("keyword 0" … "keyword 2999")', Array.from({ length: 3000 }, (_, i) => `keyword ${i}`).join('\n')],
    ];
    return lists.map(([label, text], i) => {
      const hint = parseVocabulary(text).hint(BUDGET);
      // The plan appends the hint after a blank line.
      const sent = `\n\n${hint.text}`;
      const o200k = tk ? tk.o200k(sent) : Number.NaN;
      const cl100k = tk ? tk.cl100k(sent) : Number.NaN;
      return {
        id: `8${'ab'[i]}`,
        name: `vocabulary hint, ${label.split(' (')[0]}`,
        figure: tk ? `${o200k} tokens/photo (o200k)` : `${hint.tokens} tokens/photo (estimate only)`,
        target: `≤ ${BUDGET} (default budget)`,
        status: (tk ? o200k : hint.tokens) <= BUDGET ? 'pass' : 'miss',
        inputs: `${label}: ${hint.terms} terms offered; photobatch's estimate ${hint.tokens}; o200k_base ${o200k}; cl100k_base ${cl100k} (${TOKENIZER})`,
      } satisfies Row;
    });
  },
};
