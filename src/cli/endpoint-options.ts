import { UsageError } from '../core/errors.js';
import type { ServerKind } from '../core/send/endpoints/kind.js';
import type { TierOptions } from '../core/send/flex-tier.js';
import type { RunFlagValues } from './flags/run-flags.js';

/** Flags about the endpoint (which server, its prices, the vision check) and OpenRouter's service tier. */
export interface EndpointOptions {
  serverKind?: ServerKind;
  priceIn?: number;
  priceOut?: number;
  visionCheck: boolean;
  tier: TierOptions;
}

/** The endpoint rows of the flag table (flags/endpoint-flags.ts), parsed; prices come in pairs. */
export function parseEndpointOptions(v: RunFlagValues): EndpointOptions {
  if ((v.priceIn === undefined) !== (v.priceOut === undefined)) {
    throw new UsageError('Pass both --price-in and --price-out (USD per million tokens), e.g. --price-in 0 --price-out 0 for a free local model.');
  }
  return {
    visionCheck: v.visionCheck,
    tier: { tier: v.tier, fallback: v.tierFallback },
    serverKind: v.server,
    priceIn: v.priceIn,
    priceOut: v.priceOut,
  };
}
