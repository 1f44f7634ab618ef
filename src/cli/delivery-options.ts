import { readOptionFile } from './option-file.js';
import path from 'node:path';
import { parseIntInRange } from '../core/config.js';
import { UsageError } from '../core/errors.js';
import { parseVocabulary, type Vocabulary, type VocabularyMode } from '../core/keywords/vocabulary.js';
import type { SidecarNamingChoice } from '../core/sidecars/sidecar-naming.js';

/** The flags of issue #12: where results land and how keywords are shaped. */
export interface DeliveryOptions {
  deliverDir?: string;
  vocabulary?: Vocabulary;
  vocabularyMode: VocabularyMode;
  vocabularyHintTokens?: number;
  minKeywords?: number;
  maxKeywords?: number;
  contextFromMetadata: boolean;
  sidecarNaming: SidecarNamingChoice;
}

export function parseDeliveryOptions(flags: Record<string, unknown>, cwd: string): DeliveryOptions {
  const str = (name: string): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const out: DeliveryOptions = {
    vocabularyMode: str('vocabularyMode') === 'strict' ? 'strict' : 'prefer',
    contextFromMetadata: flags.contextFromMetadata === true,
    sidecarNaming: (str('sidecarNaming') ?? 'auto') as SidecarNamingChoice,
  };
  if (str('deliver') !== undefined) {
    if (str('deliver')!.trim() === '') throw new UsageError('--deliver needs a folder, e.g. --deliver ./delivery');
    out.deliverDir = path.resolve(cwd, str('deliver')!);
  }
  const file = str('vocabulary');
  if (file !== undefined) {
    let text: string;
    try {
      const bytes = readOptionFile(cwd, file, '--vocabulary');
      // Windows tools save "Unicode" text as UTF-16 with a byte-order mark; everything else is UTF-8.
      text = bytes[0] === 0xff && bytes[1] === 0xfe ? bytes.subarray(2).toString('utf16le') : bytes.toString('utf8');
    } catch (err) {
      throw err instanceof UsageError ? err : new UsageError(`Cannot read --vocabulary ${file}; check the path.`);
    }
    try {
      out.vocabulary = parseVocabulary(text);
    } catch (err) {
      throw new UsageError(`--vocabulary ${file}: ${(err as Error).message}. Export it from Lightroom with Metadata → Export Keywords, or list one keyword per line.`);
    }
  } else if (flags.vocabularyMode !== undefined) {
    throw new UsageError('--vocabulary-mode needs --vocabulary <file>.');
  }
  if (str('vocabularyHintTokens') !== undefined) out.vocabularyHintTokens = parseIntInRange(str('vocabularyHintTokens')!, '--vocabulary-hint-tokens', 0, 100_000);
  if (str('minKeywords') !== undefined) out.minKeywords = parseIntInRange(str('minKeywords')!, '--min-keywords', 1, 100);
  if (str('maxKeywords') !== undefined) out.maxKeywords = parseIntInRange(str('maxKeywords')!, '--max-keywords', 1, 100);
  return out;
}
