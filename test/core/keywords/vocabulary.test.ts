import { describe, expect, it } from 'vitest';
import { hintTokens, parseVocabulary } from '../../../src/core/prompt/keywords/vocabulary.js';
import { looksLikeCamera, looksLikeFileName } from '../../../src/core/prompt/keywords/not-keywords.js';
import { planPrompt } from '../../../src/core/prompt/presets.js';
import { estimateTextTokens } from '../../../src/core/pricing/estimate.js';

// The shape of Lightroom Classic's Metadata → Export Keywords file: tabs for levels, {synonyms}, [categories].
const LIGHTROOM_EXPORT = [
  '[Places]',
  '\tVietnam',
  '\t\tHội An',
  '\t\t\t{Hoi An Ancient Town}',
  '\t\tHanoi',
  'Celebrations',
  '\tLunar New Year',
  '\t\t{Tết}',
  '\t\t{Tet}',
  '\tWedding',
  'Objects',
  '\tLantern',
  '\t\t{paper lantern}',
  '\tÁo dài',
  'Light',
  '\tDusk',
  '\t\t{twilight}',
  '',
].join('\r\n');

describe('--vocabulary: Lightroom keyword export', () => {
  const vocab = parseVocabulary(`\uFEFF${LIGHTROOM_EXPORT}`);

  it('reads the hierarchy, synonyms and categories', () => {
    expect(vocab.terms.map((t) => t.path.join('|'))).toEqual([
      'Places|Vietnam', 'Places|Vietnam|Hội An', 'Places|Vietnam|Hanoi', 'Celebrations', 'Celebrations|Lunar New Year', 'Celebrations|Wedding',
      'Objects', 'Objects|Lantern', 'Objects|Áo dài', 'Light', 'Light|Dusk',
    ]);
    expect(vocab.lookup('Tết')?.name).toBe('Lunar New Year');
    // A category only builds the hierarchy: it is not a keyword to snap to.
    expect(vocab.lookup('Places')).toBeUndefined();
  });

  it('snaps by case, accents, plural, synonym and a one-letter slip; the path goes to lr:hierarchicalSubject', () => {
    const r = vocab.snap(['LANTERNS', 'hoi an', 'tet', 'twilight', 'Weding', 'ao dai', 'smiles', 'paper lanterns'], 'prefer');
    expect(r.keywords).toEqual(['Lantern', 'Hội An', 'Lunar New Year', 'Dusk', 'Wedding', 'Áo dài', 'smiles']);
    expect(r.hierarchical).toEqual([
      'Objects|Lantern', 'Places|Vietnam|Hội An', 'Celebrations|Lunar New Year', 'Light|Dusk', 'Celebrations|Wedding', 'Objects|Áo dài', 'smiles',
    ]);
    expect(r.unknown).toEqual(['smiles']);
  });

  it('strict drops what the vocabulary does not know; prefer keeps it', () => {
    expect(vocab.snap(['lantern', 'smiles', 'bokeh'], 'strict').keywords).toEqual(['Lantern']);
    expect(vocab.snap(['lantern', 'smiles', 'bokeh'], 'prefer').keywords).toEqual(['Lantern', 'smiles', 'bokeh']);
  });

  it('does not guess between two equally close terms or on short words', () => {
    const v = parseVocabulary('cart\ncard\nhorse\nhouse\n');
    expect(v.lookup('cord')).toBeUndefined();
    expect(v.lookup('hoose')).toBeUndefined();
    expect(v.lookup('horsee')?.name).toBe('horse');
  });

  it('reads the plain form, with optional paths', () => {
    const v = parseVocabulary('lantern\nAnimals|Birds|Falcon\nPlaces > Vietnam > Hue\n');
    expect(v.snap(['falcons', 'hue'], 'strict').hierarchical).toEqual(['Animals|Birds|Falcon', 'Places|Vietnam|Hue']);
  });

  it('rejects what is not a keyword list, saying where', () => {
    expect(() => parseVocabulary('a\n\t\tb\n')).toThrow(/line 2/);
    expect(() => parseVocabulary('{orphan}\n')).toThrow(/line 1.*no keyword above/);
    expect(() => parseVocabulary('\n\n')).toThrow(/no keywords/);
  });

  it('offers the terms to the model within the token budget, most general first', () => {
    const big = parseVocabulary(Array.from({ length: 2000 }, (_, i) => `term number ${i}`).join('\n'));
    const hint = big.hint(300);
    expect(hint.tokens).toBeLessThanOrEqual(300);
    expect(hint.terms).toBeGreaterThan(50);
    expect(hint.terms).toBeLessThan(2000);
    expect(hintTokens(hint.text)).toBe(hint.tokens);
    expect(hint.tokens).toBeGreaterThanOrEqual(estimateTextTokens(hint.text) - estimateTextTokens(''));
    expect(vocab.hint(1000).text).toMatch(/^Prefer these terms.*: Celebrations, Objects, Light, Vietnam, /);
  });

  it('in a plan: the hint is in the prompt, keywords come back snapped with their paths, and too many are trimmed, not re-asked', () => {
    const plan = planPrompt({ presets: ['keywords'], vocabulary: vocab, vocabularyMode: 'strict', maxKeywords: 3, minKeywords: 2 });
    expect(plan.prompt({ filename: 'a.jpg', folder: 'x' })).toMatch(/Prefer these terms from the photographer's keyword list when they fit: Celebrations/);
    const r = plan.parse('lanterns, Tết, bokeh, dusk, Hoi An, wedding');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.output).toBe('Lantern, Lunar New Year, Dusk');
    expect(r.fields.hierarchical).toEqual(['Objects|Lantern', 'Celebrations|Lunar New Year', 'Light|Dusk']);
    expect(planPrompt({ presets: ['keywords'], vocabulary: vocab, vocabularyHintTokens: 0 }).template).not.toMatch(/Prefer these terms/);
  });
});

describe('never keywords', () => {
  it('camera makes and models', () => {
    for (const k of ['Canon', 'canon eos r5', 'NIKON CORPORATION', 'Nikon Z 6', 'Sony A7 III', 'iPhone 15 Pro', 'Pixel 8', 'Samsung Galaxy S24', 'DSLR', '50mm', 'f/1.8', 'ISO 800']) {
      expect(looksLikeCamera(k), k).toBe(true);
    }
    for (const k of ['apple', 'pixel art', 'Mount Fuji', 'fuji', 'sigma', 'lantern', 'canon fire']) expect(looksLikeCamera(k), k).toBe(false);
  });

  it('file names', () => {
    for (const k of ['IMG_0001', 'DSC_1234', 'DSCN0010', 'photo.jpg', 'P1010001', '_MG_1234', 'PXL_20240210_123456789', 'IMG_1.CR2']) {
      expect(looksLikeFileName(k), k).toBe(true);
    }
    for (const k of ['img', 'red lantern', 'image', 'dsc']) expect(looksLikeFileName(k), k).toBe(false);
  });
});
