import { Option, type Command } from 'commander';
import { parsePositiveNumber } from '../core/config.js';
import { UsageError } from '../core/errors.js';
import { SERVER_KINDS, type ServerKind } from '../core/endpoints/kind.js';
import type { TierOptions } from '../core/tiers/flex.js';

/** Flags about the endpoint (which server, its prices, the vision check) and OpenRouter's service tier. */
export interface EndpointOptions {
  serverKind?: ServerKind;
  priceIn?: number;
  priceOut?: number;
  visionCheck: boolean;
  tier: TierOptions;
}

export function addEndpointOptions(cmd: Command, opts: { tiers?: boolean } = {}): Command {
  cmd
    .addOption(new Option('--server <kind>', 'what --base-url is (default: detected)').choices([...SERVER_KINDS]))
    .option('--price-in <usd>', 'your price per million input tokens, for servers that report no cost (enables --max-cost)')
    .option('--price-out <usd>', 'your price per million output tokens (with --price-in)')
    .option('--no-vision-check', 'skip the check that a local model can see images')
    .option('--allow-insecure-http', 'allow a plain-http --base-url on another machine (the key and photos travel unencrypted)');
  if (opts.tiers !== false) {
    cmd
      .addOption(new Option('--tier <tier>', 'OpenRouter service tier: flex is up to half price, slower, and may be refused').choices(['standard', 'flex']).default('standard'))
      .addOption(new Option('--tier-fallback <what>', 'when flex capacity is refused: send at standard price, or wait for flex').choices(['standard', 'wait']).default('standard'));
  }
  return cmd;
}

export function parseEndpointOptions(flags: Record<string, unknown>): EndpointOptions {
  const str = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const options: EndpointOptions = {
    visionCheck: flags.visionCheck !== false,
    tier: { tier: str('tier') === 'flex' ? 'flex' : 'standard', fallback: str('tierFallback') === 'wait' ? 'wait' : 'standard' },
  };
  if (str('server')) options.serverKind = str('server') as ServerKind;
  const pin = str('priceIn');
  const pout = str('priceOut');
  if ((pin === undefined) !== (pout === undefined)) throw new UsageError('Pass both --price-in and --price-out (USD per million tokens), e.g. --price-in 0 --price-out 0 for a free local model.');
  if (pin !== undefined && pout !== undefined) {
    options.priceIn = parsePositiveNumber(pin, '--price-in (USD per million tokens)', { allowZero: true });
    options.priceOut = parsePositiveNumber(pout, '--price-out (USD per million tokens)', { allowZero: true });
  }
  return options;
}
