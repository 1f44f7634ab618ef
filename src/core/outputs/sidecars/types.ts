/** What sidecar writers share: the fields an answer contributes, and where it came from. */

export interface LangFields {
  caption?: string;
  altText?: string;
  headline?: string;
  /** dc:title / IPTC ObjectName: only when a title was asked for (--preset stock). */
  title?: string;
  /** Iptc4xmpCore:ExtDescrAccessibility: the long description beside alt text. */
  extendedDescription?: string;
  keywords?: string[];
  /** `Parent|Child` paths of the keywords (lr:hierarchicalSubject); the flat keyword when there is no vocabulary. */
  hierarchical?: string[];
}

/** What a model's answer contributes to metadata. Top-level values are the x-default ones. */
export interface SidecarFields extends LangFields {
  byLang?: Record<string, LangFields>;
}

export interface Provenance {
  model: string;
  promptHash: string;
  costUsd: number | null;
  /** ISO 8601. */
  date: string;
}

/** Decides, for a field already in a sidecar, whether to keep it rather than write the model's value. */
export type KeepExisting = (field: string, existing: string) => boolean;
