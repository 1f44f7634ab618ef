/**
 * Upload rules of the stock agencies, as their own help pages state them (checked 2026-12-01).
 *
 * Adobe Stock — "CSV requirements for Adobe Stock", last updated 2026-06-11,
 * https://helpx.adobe.com/stock/contributor/manage-your-portfolio/csv-requirements-content.html :
 *   CSV only, UTF-8, at most 5,000 rows and 1 MB; exact template headers; required Filename
 *   ("30 characters maximum", "exact filename including extension"), Title ("70 characters maximum",
 *   "without commas or special characters"), Keywords ("50 keywords maximum", "comma-separated list
 *   ordered by importance", "avoid technical metadata"); optional Category ("the number of the
 *   category") and Releases. The older page (helpx.adobe.com/stock/contributor/help/organize-with-csv-files.html)
 *   said 1,000 rows: the newer page wins.
 *   NOT confirmed from Adobe's own page: the numbered category list below (its "Choose the right
 *   category" page was not in the searchable archive); it matches two independent contributor
 *   tools' copies.
 *
 * Shutterstock — "How do I include existing metadata with my content submission?",
 * https://submit.shutterstock.com/help/en/articles/10617486 : columns A Filename, B Description,
 *   C Keywords (separated by commas), D Categories ("1 or 2, separated by commas, must be selected
 *   from this list"), optional E Illustration, F Mature Content, G Editorial (Yes or No); A–D required.
 *   "How do I submit photos for review?", https://submit.shutterstock.com/help/en/articles/10594645 :
 *   "7-50 keywords, and at least 1 category". Title and keyword guidelines,
 *   https://www.shutterstock.com/contributorsupport/articles/kbat02/000011450 : "Up to 50 keywords",
 *   never "camera information".
 *   NOT confirmed from Shutterstock's own pages: the 200-character description limit (picseta.com,
 *   2026-03-23, a third-party guide) and the category names below (the list the CSV article links
 *   to was not in the archive; names as contributor guides list them).
 */

export const ADOBE_STOCK = {
  headers: ['Filename', 'Title', 'Keywords', 'Category', 'Releases'],
  maxRows: 5000,
  maxBytes: 1024 * 1024,
  filenameMax: 30,
  titleMax: 70,
  keywordsMax: 50,
} as const;

/** Adobe Stock category numbers (1-based index into this list). */
export const ADOBE_CATEGORIES = [
  'Animals', 'Buildings and Architecture', 'Business', 'Drinks', 'The Environment', 'States of Mind', 'Food',
  'Graphic Resources', 'Hobbies and Leisure', 'Industry', 'Landscapes', 'Lifestyle', 'People', 'Plants and Flowers',
  'Culture and Religion', 'Science', 'Social Issues', 'Sports', 'Technology', 'Transport', 'Travel',
] as const;

export const SHUTTERSTOCK = {
  headers: ['Filename', 'Description', 'Keywords', 'Categories'],
  descriptionMax: 200,
  keywordsMin: 7,
  keywordsMax: 50,
  categoriesMin: 1,
  categoriesMax: 2,
} as const;

export const SHUTTERSTOCK_CATEGORIES = [
  'Abstract', 'Animals/Wildlife', 'Arts', 'Backgrounds/Textures', 'Beauty/Fashion', 'Buildings/Landmarks',
  'Business/Finance', 'Celebrities', 'Education', 'Food and drink', 'Healthcare/Medical', 'Holidays', 'Industrial',
  'Interiors', 'Miscellaneous', 'Nature', 'Objects', 'Parks/Outdoor', 'People', 'Religion', 'Science',
  'Signs/Symbols', 'Sports/Recreation', 'Technology', 'Transportation', 'Vintage',
] as const;

/** "Travel", "travel", "21" or 21 → 21; anything else → undefined. */
export function adobeCategoryNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= ADOBE_CATEGORIES.length ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return adobeCategoryNumber(Number(v));
  const i = ADOBE_CATEGORIES.findIndex((c) => c.toLowerCase() === v.toLowerCase() || c.toLowerCase() === `the ${v.toLowerCase()}`);
  return i >= 0 ? i + 1 : undefined;
}

/** The list's own spelling of a Shutterstock category, or undefined. */
export function shutterstockCategory(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  return SHUTTERSTOCK_CATEGORIES.find((c) => c.toLowerCase() === v);
}
