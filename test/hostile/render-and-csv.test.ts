/**
 * Model output and file names rendered where people read them: report.html, sidecar text, the
 * terminal summary, and cost-report.csv opened in a spreadsheet.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderContactSheet } from '../../src/core/outputs/contact-sheet/render-html.js';
import { renderOutput, structuredOutput } from '../../src/core/outputs/contact-sheet/render-output.js';
import { cleanPlainText, extractJson, splitKeywordList } from '../../src/core/prompt/presets-parse.js';
import { planPrompt } from '../../src/core/prompt/presets.js';
import { PRESET_NAMES } from '../../src/core/prompt/preset-fields.js';
import { buildReport } from '../../src/core/outputs/report.js';
import { writeCostCsv } from '../../src/core/outputs/report-files.js';
import { resultsFromRecords } from '../../src/core/record/results-merge.js';
import { mainText } from '../../src/core/outputs/sidecars/json-txt.js';
import type { ResultRecord } from '../../src/core/types.js';
import { tempDir } from '../helpers/images.js';

const MB = 1_000_000;
/** Answers shaped to make backtracking regular expressions explode (no timing threshold: a catastrophic one times the test out). */
const PATHOLOGICAL: Record<string, string> = {
  'fence then spaces': '```' + ' '.repeat(MB) + 'END',
  'many fences': '```\n'.repeat(MB / 4) + 'END',
  'backticks then spaces': '`'.repeat(MB / 2) + ' '.repeat(MB / 2) + 'END',
  'open braces': '{'.repeat(MB) + 'END',
  'quotes': '"'.repeat(MB) + 'END',
  'spaces and newlines': ' \n'.repeat(MB / 2) + 'END',
  'fenced json with spaces': '```json\n{"caption": "' + ' '.repeat(MB) + 'END"}\n```',
};

const record = (file: string, output: string, extra: Partial<ResultRecord> = {}): ResultRecord => ({
  file, path: `/photos/${file}`, status: 'ok', model: 'google/gemini-2.5-flash', output, attempts: 1, job: 'j', at: '2026-01-01T00:00:00.000Z',
  usage: { prompt_tokens: 1000, completion_tokens: 20, cost_usd: 0.0001 }, ...extra,
});

describe('no rendering of model output is super-linear', () => {
  for (const [name, text] of Object.entries(PATHOLOGICAL)) {
    it(`a 1 MB answer (${name}) renders whole in report.html, sidecar text and every preset parser`, () => {
      const html = renderContactSheet({ records: [record('a.jpg', text)], report: buildReport({ records: [], total: 1, skipped: 0, elapsedMs: 0 }), thumbnailFor: () => undefined });
      // The end of the answer is there: nothing was cut or lost.
      expect(html).toContain('END');
      expect(html.length).toBeGreaterThan(text.length / 2);
      expect(renderOutput(text)).toContain('END');
      void structuredOutput(text);
      expect(cleanPlainText(text)).toContain('END');
      void extractJson(text);
      expect(splitKeywordList(text).join(' ')).toContain('END');
      expect(mainText({ caption: text })).toContain('END');
      for (const preset of PRESET_NAMES) {
        const parsed = planPrompt({ presets: [preset] }).parse(text);
        expect(typeof parsed.ok).toBe('boolean');
      }
    });
  }

  it('a fenced JSON answer still parses as before', () => {
    expect(extractJson('Here:\n```json\n{"caption": "Cô dâu"}\n```\nThanks')).toEqual({ ok: true, value: { caption: 'Cô dâu' } });
    expect(structuredOutput('```json\n{"caption": "x"}\n```')).toEqual({ caption: 'x' });
    expect(cleanPlainText('```\n"A bride."\n```')).toBe('A bride.');
  });
});

/** LibreOffice, when installed (.ci/run installs it), opens the CSV as a user would: default import, no options. */
const SOFFICE = (() => {
  try {
    execFileSync('soffice', ['--version'], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
})();

describe('cost-report.csv in a spreadsheet', () => {
  const names = ['=1+2.jpg', '+SUM(1,2).jpg', '-3+4.jpg', '@SUM(5,6).jpg', '\t=7+8.jpg', 'Nguyễn Thị Ánh – lễ cưới.jpg'];
  const write = async () => {
    const out = await tempDir();
    const history = names.map((n, i) => record(n, 'x', { usage: { prompt_tokens: 10, completion_tokens: 2, cost_usd: i === 0 ? 0.1 + 0.2 : 1e-7 }, model: i === 1 ? '=HYPERLINK("http://evil.example","click")' : 'm/x' }));
    await writeCostCsv(out, resultsFromRecords(history, out));
    return { out, csv: readFileSync(path.join(out, 'cost-report.csv'), 'utf8') };
  };

  it('starts with a UTF-8 byte-order mark (how Excel recognises UTF-8), neutralises formula cells, writes costs as plain rounded decimals', async () => {
    const { csv } = await write();
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    for (const cell of ["'=1+2.jpg", "'+SUM(1,2).jpg", "'-3+4.jpg", "'@SUM(5,6).jpg", `"'\t=7+8.jpg"`, `"'=HYPERLINK(""http://evil.example"",""click"")"`]) {
      expect(csv).toContain(cell);
    }
    expect(csv).toContain(',0.3,');
    expect(csv).toContain(',0.0000001,');
    expect(csv).not.toMatch(/e-\d|0\.30000000000000004/);
    expect(csv).toContain('Nguyễn Thị Ánh – lễ cưới.jpg');
  });

  it.skipIf(!SOFFICE)('LibreOffice (headless, UTF-8 import, formulas evaluated) shows the Vietnamese name intact and evaluates no cell', async () => {
    const { out } = await write();
    // Headless, LibreOffice cannot show its Text Import dialog, and its default charset token is 0 ("System",
    // help.libreoffice.org/latest/en-US/text/shared/guide/csv_params.html); UTF-8 (76) is what the dialog is set to
    // for this file. Formulas are evaluated on import by default, so an un-neutralised "=1+2" would become 3.
    execFileSync('soffice', ['--headless', `-env:UserInstallation=file://${out}/lo-profile`, '--infilter=CSV:44,34,76,1', '--convert-to', 'html', '--outdir', out, path.join(out, 'cost-report.csv')], {
      stdio: 'ignore', timeout: 120_000,
    });
    const html = readFileSync(path.join(out, readdirSync(out).find((f) => f.endsWith('.html'))!), 'utf8');
    expect(html).toContain('Nguyễn Thị Ánh – lễ cưới.jpg');
    expect(html).not.toContain('Nguyá»');
    expect(html).not.toMatch(/>\s*3\s*</);
    // An evaluated "=1+2" would show 3, "=HYPERLINK" a link: both must stay text.
    expect(html).toMatch(/=1\+2\.jpg/);
    expect(html).toMatch(/=HYPERLINK/);
    expect(html).not.toMatch(/<a href="http:\/\/evil\.example/);
  });
});
