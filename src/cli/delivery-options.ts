import { readOptionFile } from './option-file.js';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { parseVocabulary, type Vocabulary, type VocabularyMode } from '../core/prompt/keywords/vocabulary.js';
import type { SidecarNamingChoice } from '../core/outputs/sidecars/sidecar-naming.js';
import type { ResolvedFlags } from './flags/resolve.js';
import type { RUN_FLAGS } from './flags/run-flags.js';

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

/** Reads the --vocabulary file and shapes the delivery flags (already parsed by the flag table). */
export function parseDeliveryOptions({ values: v, given }: ResolvedFlags<typeof RUN_FLAGS>, cwd: string): DeliveryOptions {
  const out: DeliveryOptions = {
    vocabularyMode: v.vocabularyMode,
    contextFromMetadata: v.contextFromMetadata,
    sidecarNaming: v.sidecarNaming,
    vocabularyHintTokens: v.vocabularyHintTokens,
    minKeywords: v.minKeywords,
    maxKeywords: v.maxKeywords,
  };
  if (v.deliver !== undefined) {
    if (v.deliver.trim() === '') throw new UsageError('--deliver needs a folder, e.g. --deliver ./delivery');
    out.deliverDir = path.resolve(cwd, v.deliver);
  }
  const file = v.vocabulary;
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
  } else if (given('vocabularyMode')) {
    throw new UsageError('--vocabulary-mode needs --vocabulary <file>.');
  }
  return out;
}
