import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { parsePresets, planPrompt, type ParseResult } from '../../src/core/prompt/presets.js';
import { cleanKeywords, extractJson, looksLikeDateOrCoordinates } from '../../src/core/prompt/presets-parse.js';

const vars = { filename: 'IMG_0001.jpg', folder: 'tet', date: '2024-02-10 19:30:05', camera: 'Canon EOS R5' };
const kw = (n: number) => Array.from({ length: n }, (_, i) => `thing ${String.fromCharCode(97 + i)}`);

function ok(r: ParseResult) {
  if (!r.ok) throw new Error(`expected ok, got: ${r.message}`);
  return r;
}
function failed(r: ParseResult): string {
  if (r.ok) throw new Error('expected a validation failure');
  return r.message;
}
const schemaOf = (plan: ReturnType<typeof planPrompt>) =>
  (plan.responseFormat as { json_schema: { name: string; strict: boolean; schema: Record<string, unknown> } }).json_schema;

describe('parsePresets', () => {
  it('accepts a comma list, any case and spacing, without duplicates', () => {
    expect(parsePresets('caption, Keywords,alt-text,caption')).toEqual(['caption', 'keywords', 'alt-text']);
  });

  it('rejects an unknown name, listing the valid ones', () => {
    expect(() => parsePresets('caption,hashtags')).toThrow(UsageError);
    expect(() => parsePresets('hashtags')).toThrow(/Unknown preset "hashtags".*caption, keywords, alt-text, describe, tet-greeting/);
    expect(() => parsePresets(' , ')).toThrow(UsageError);
  });
});

describe('single presets answer in plain text', () => {
  it('caption: one sentence, quotes and fences removed, no response_format', () => {
    const plan = planPrompt({ presets: ['caption'] });
    expect(plan.responseFormat).toBeUndefined();
    expect(plan.extra).toBeUndefined();
    expect(plan.prompt(vars)).toMatch(/one vivid sentence/);
    const r = ok(plan.parse('"A family laughs under red lanterns."\n'));
    expect(r.output).toBe('A family laughs under red lanterns.');
    expect(r.fields).toEqual({ caption: 'A family laughs under red lanterns.' });
    expect(failed(plan.parse('   '))).toMatch(/empty/);
  });

  it('keywords: split, de-duplicated ignoring case, dates and coordinates dropped, capped', () => {
    const plan = planPrompt({ presets: ['keywords'], maxKeywords: 6 });
    expect(plan.prompt(vars)).toMatch(/5 to 6 keywords.*separated by commas/s);
    const r = ok(plan.parse('Lantern, family, lantern, 2024-02-10, 10.7769, 106.7009, red, Tết, smile, ao dai, flowers'));
    expect(r.fields.keywords).toEqual(['Lantern', 'family', 'red', 'Tết', 'smile', 'ao dai']);
    expect(r.output).toBe('Lantern, family, red, Tết, smile, ao dai');
    expect(failed(plan.parse('lantern, family, red'))).toMatch(/expected at least 5 keywords, got 3/);
  });

  it('alt-text: 125 characters pass, 126 fail (never truncated), counted as composed characters', () => {
    const plan = planPrompt({ presets: ['alt-text'] });
    expect(ok(plan.parse('a'.repeat(125))).fields).toEqual({ altText: 'a'.repeat(125) });
    expect(failed(plan.parse('a'.repeat(126)))).toMatch(/126 characters, more than 125/);
    // "ế" typed as e + two combining marks is still one character to a reader.
    const decomposed = 'Tê\u0301t '.normalize('NFD').repeat(25);
    expect(decomposed.length).toBeGreaterThan(125);
    expect(plan.parse(decomposed).ok).toBe(true);
  });

  it('tet-greeting asks for Vietnamese unless --lang says otherwise; one --lang keeps plain text', () => {
    expect(planPrompt({ presets: ['tet-greeting'] }).prompt(vars)).toMatch(/Lunar New Year.*Write it in Vietnamese/s);
    const plan = planPrompt({ presets: ['caption'], langs: ['vi'] });
    expect(plan.responseFormat).toBeUndefined();
    expect(plan.prompt(vars)).toMatch(/Write it in Vietnamese/);
    expect(ok(plan.parse('Gia đình vui vẻ bên đèn lồng.')).fields).toEqual({
      caption: 'Gia đình vui vẻ bên đèn lồng.',
      byLang: { vi: { caption: 'Gia đình vui vẻ bên đèn lồng.' } },
    });
  });
});

describe('combinations use one structured request', () => {
  const plan = planPrompt({ presets: ['caption', 'keywords', 'alt-text'] });
  const good = { caption: 'Kids light lanterns at dusk.', keywords: kw(6), alt_text: 'Two children holding red paper lanterns.' };

  it('sends a strict json_schema and asks providers to honour it', () => {
    const js = schemaOf(plan);
    expect(js.strict).toBe(true);
    expect(js.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(js.schema).toMatchObject({ type: 'object', required: ['caption', 'keywords', 'alt_text'], additionalProperties: false });
    expect(plan.extra).toEqual({ response_format: plan.responseFormat, provider: { require_parameters: true } });
    expect(plan.describe).toMatch(/caption, keywords, alt-text.*structured/);
  });

  it('parses fenced JSON and post-processes keywords', () => {
    const raw = '```json\n' + JSON.stringify({ ...good, keywords: [' Lantern ', 'lantern', 'dusk', '2024', 'kids', 'red', 'paper'] }) + '\n```';
    const r = ok(plan.parse(raw));
    expect(r.output).toEqual({ ...good, keywords: ['Lantern', 'dusk', 'kids', 'red', 'paper'] });
    expect(r.fields).toEqual({ caption: good.caption, altText: good.alt_text, keywords: ['Lantern', 'dusk', 'kids', 'red', 'paper'] });
  });

  it('fails validation on a long alt text, too few keywords, a missing or extra field, or no JSON', () => {
    expect(failed(plan.parse(JSON.stringify({ ...good, alt_text: 'x'.repeat(126) })))).toMatch(/alt_text.*125/);
    expect(failed(plan.parse(JSON.stringify({ ...good, keywords: kw(3) })))).toMatch(/keywords.*fewer than 5/);
    expect(failed(plan.parse(JSON.stringify({ caption: good.caption, keywords: kw(6) })))).toMatch(/alt_text/);
    expect(failed(plan.parse(JSON.stringify({ ...good, mood: 'happy' })))).toMatch(/additional/);
    expect(failed(plan.parse('A caption, not JSON.'))).toMatch(/not JSON/);
  });

  it('with caption and describe, the paragraph is the description and the caption the headline', () => {
    const both = planPrompt({ presets: ['caption', 'describe'] });
    const r = ok(both.parse(JSON.stringify({ caption: 'Short.', description: 'A long paragraph.' })));
    expect(r.fields).toEqual({ caption: 'A long paragraph.', headline: 'Short.' });
  });
});

describe('--lang with two languages', () => {
  const plan = planPrompt({ presets: ['caption', 'keywords'], langs: ['vi', 'en'], maxKeywords: 5 });

  it('asks for one object per language', () => {
    const schema = schemaOf(plan).schema as { required: string[]; properties: Record<string, { required: string[] }> };
    expect(schema.required).toEqual(['vi', 'en']);
    expect(schema.properties.vi?.required).toEqual(['caption', 'keywords']);
    expect(plan.prompt(vars)).toMatch(/"vi" \(Vietnamese\), "en" \(English\)/);
  });

  it('returns both, the first language as the x-default fields', () => {
    const answer = {
      vi: { caption: 'Đèn lồng đỏ.', keywords: ['đèn lồng', 'gia đình', 'Tết', 'đỏ', 'nụ cười', 'hoa mai'] },
      en: { caption: 'Red lanterns.', keywords: ['lantern', 'family', 'Tet', 'red', 'smile'] },
    };
    const r = ok(plan.parse(JSON.stringify(answer)));
    expect(r.fields.caption).toBe('Đèn lồng đỏ.');
    expect(r.fields.keywords).toEqual(['đèn lồng', 'gia đình', 'Tết', 'đỏ', 'nụ cười']);
    expect(r.fields.byLang?.en).toEqual({ caption: 'Red lanterns.', keywords: answer.en.keywords });
    expect(failed(plan.parse(JSON.stringify({ vi: answer.vi })))).toMatch(/en/);
  });

  it('rejects a language code that is not one', () => {
    expect(() => planPrompt({ presets: ['caption'], langs: ['vi', 'not a lang'] })).toThrow(UsageError);
  });
});

describe('--schema', () => {
  const schema = {
    type: 'object',
    properties: { caption: { type: 'string' }, people: { type: 'integer', minimum: 0 }, keywords: { type: 'array', items: { type: 'string' } } },
    required: ['caption', 'people'],
    additionalProperties: false,
  };

  it('sends the schema as given and validates answers with it', () => {
    const plan = planPrompt({ schema, customPrompt: 'Count the people in {folder}.', schemaName: 'event photo' });
    expect(schemaOf(plan)).toEqual({ name: 'event_photo', strict: true, schema });
    expect(plan.prompt(vars)).toMatch(/^Count the people in tet\./);
    const r = ok(plan.parse('Sure:\n{"caption": "Guests dance.", "people": 12, "keywords": ["dance", "2024"]}'));
    expect(r.output).toEqual({ caption: 'Guests dance.', people: 12, keywords: ['dance', '2024'] });
    expect(r.fields).toEqual({ caption: 'Guests dance.', keywords: ['dance'] });
    expect(failed(plan.parse('{"caption": "x", "people": -1}'))).toMatch(/people/);
  });

  it('is a usage error when unusable, not an object, or combined with presets', () => {
    expect(() => planPrompt({ schema: { type: 'object', properties: { a: { type: 'nonsense' } } } })).toThrow(UsageError);
    expect(() => planPrompt({ schema: { type: 'array' } })).toThrow(/JSON object/);
    expect(() => planPrompt({ schema, presets: ['caption'] })).toThrow(/--schema and --preset/);
  });

  it('understands draft 2020-12 schemas', () => {
    const plan = planPrompt({ schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', ...schema } });
    expect(plan.parse('{"caption": "x", "people": 2}').ok).toBe(true);
  });
});

describe('prompt templates and context', () => {
  it('fills variables in a custom prompt and appends the context once', () => {
    const plan = planPrompt({ customPrompt: 'Caption {filename} from {camera} on {date}.', context: 'Nguyen family Tết 2025' });
    expect(plan.prompt(vars)).toBe(
      'Caption IMG_0001.jpg from Canon EOS R5 on 2024-02-10 19:30:05.\n\nContext from the photographer: Nguyen family Tết 2025',
    );
    expect(plan.template).toContain('{filename}');
    const inline = planPrompt({ customPrompt: 'About {context}: caption {filename}.', context: 'a wedding' });
    expect(inline.prompt(vars)).toBe('About a wedding: caption IMG_0001.jpg.');
  });

  it('uses the custom prompt as the lead-in of presets; without anything, the default prompt', () => {
    const plan = planPrompt({ presets: ['caption', 'alt-text'], customPrompt: 'Photos of {folder}.' });
    expect(plan.prompt(vars)).toMatch(/^Photos of tet\.\n\nAnswer with a JSON object/);
    const plain = planPrompt({});
    expect(plain.prompt(vars)).toMatch(/caption/i);
    expect(ok(plain.parse('Hello.')).fields).toEqual({ caption: 'Hello.' });
  });

  it('validates --max-keywords', () => {
    expect(() => planPrompt({ presets: ['keywords'], maxKeywords: 0 })).toThrow(UsageError);
  });
});

describe('answer helpers', () => {
  it('finds dates, times and coordinates', () => {
    for (const k of ['2024', 'tet 2024', '2024-02-10', '10/02/2024', '19:30', 'February 10', '10th Feb', 'ngày 10', '10.7769, 106.7009', '21°01′N', 'gps'])
      expect(looksLikeDateOrCoordinates(k), k).toBe(true);
    for (const k of ['lantern', '1980s fashion', 'ao dai', 'hoa mai', '3 people', 'May pole'])
      expect(looksLikeDateOrCoordinates(k), k).toBe(false);
  });

  it('cleans keywords', () => {
    expect(cleanKeywords(['#Lantern', ' lantern ', 'red  envelope', 'Red Envelope', '', 'smile.'], 15)).toEqual(['Lantern', 'red envelope', 'smile']);
  });

  it('extracts JSON from fences and preamble', () => {
    expect(extractJson('```\n{"a":1}\n```')).toEqual({ ok: true, value: { a: 1 } });
    expect(extractJson('Here you go: {"a":1} hope it helps')).toEqual({ ok: true, value: { a: 1 } });
    expect(extractJson('no json').ok).toBe(false);
  });
});
