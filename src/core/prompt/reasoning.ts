/**
 * The `reasoning` setting sent with every request (openrouter-api.md §2.4). Models that think by default (the
 * Claude 5 family, OpenAI's gpt-5 line, Gemini 2.5 Pro/3) would otherwise spend hundreds of billed tokens on a
 * one-sentence caption, and with a small max_tokens return the billed empty answer of §2.3. `auto` turns reasoning
 * off where the model allows it, else asks for the lowest effort it accepts.
 */

export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];
/** --reasoning: auto (default), off, or an effort. */
export type ReasoningChoice = 'auto' | 'off' | ReasoningEffort;

/** A model's reasoning facts, from `/models` (`reasoning{…}`) or the table below. */
export interface ModelReasoning {
  /** Thinks when the request says nothing. */
  defaultEnabled: boolean;
  /** Cannot be switched off (rejects `enabled: false` / effort `none`). */
  mandatory: boolean;
  supportedEfforts?: string[];
}

export interface ReasoningPlan {
  /** The `reasoning` field to send, or undefined for models that do not reason. */
  field?: Record<string, unknown>;
  /** Whether the model will reason, so the estimate counts reasoning tokens. */
  on: boolean;
  effort?: ReasoningEffort;
  /** Reasoning tokens expected per answer at that effort (an assumption until history says otherwise). */
  expectedTokens: number;
  /** Extra max_tokens headroom so thinking does not eat the answer (added when --max-tokens was not given). */
  headroomTokens: number;
  /** Why the plan is what it is, for the run's first lines. */
  note?: string;
}

/**
 * Reasoning tokens assumed per answer at each effort when no earlier run in --out says otherwise. No public source
 * gives these for captions; they are round figures in the range of the reasoning usage seen in recordings
 * (openrouter-api.md §2.3: 960 reasoning tokens for a gpt-5-mini answer at the default medium effort).
 */
export const EXPECTED_REASONING_TOKENS: Record<ReasoningEffort, number> = {
  none: 0, minimal: 64, low: 256, medium: 1024, high: 2048, xhigh: 4096, max: 8192,
};

/**
 * What is known without /models (openrouter-api.md §2.4 and the model-migration pages it cites): Claude Opus 5.5,
 * Fable 5.x, Sonnet/Haiku 5.5 always think; Opus/Sonnet 5 think by default but can be turned off; OpenAI o-series
 * and gpt-5 (not -chat) always reason (gpt-5.1 and later accept effort none); Gemini 2.5 Pro and Gemini 3 think.
 */
export function knownReasoning(model: string): ModelReasoning | undefined {
  const name = model.trim().toLowerCase().replace(/:[^/]*$/, '');
  const id = name.slice(name.lastIndexOf('/') + 1);
  // Anthropic's effort levels are low…max (output_config.effort); there is no 'minimal'.
  if (/^claude-(?:opus-5\.5|fable-5|sonnet-5\.5|haiku-5\.5|5\.5-)/.test(id)) {
    return { defaultEnabled: true, mandatory: true, supportedEfforts: ['low', 'medium', 'high', 'xhigh', 'max'] };
  }
  if (/^claude-(?:opus|sonnet|haiku)-5(?![.\d])|^claude-5-/.test(id)) return { defaultEnabled: true, mandatory: false };
  if (/^o[134](-|$)/.test(id)) return { defaultEnabled: true, mandatory: true, supportedEfforts: ['low', 'medium', 'high'] };
  const gpt = /^gpt-(\d+)(?:\.(\d+))?/.exec(id);
  if (gpt && Number(gpt[1]) >= 5 && !id.includes('-chat')) {
    const version = Number(gpt[1]) + Number(gpt[2] ?? 0) / 10;
    return version >= 5.1
      ? { defaultEnabled: true, mandatory: false }
      : { defaultEnabled: true, mandatory: true, supportedEfforts: ['minimal', 'low', 'medium', 'high'] };
  }
  if (/^gemini-2\.5-pro|^gemini-[3-9]/.test(id)) return { defaultEnabled: true, mandatory: true, supportedEfforts: ['low', 'medium', 'high'] };
  if (/^gemini-2\.5-flash/.test(id)) return { defaultEnabled: true, mandatory: false };
  return undefined;
}

/** The `/models` `reasoning` object, when present. */
export function parseModelReasoning(raw: unknown): ModelReasoning | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const efforts = Array.isArray(r.supported_efforts) ? r.supported_efforts.filter((e): e is string => typeof e === 'string') : undefined;
  return {
    defaultEnabled: r.default_enabled === true,
    mandatory: r.mandatory === true,
    ...(efforts && efforts.length > 0 ? { supportedEfforts: efforts } : {}),
  };
}

function lowestEffort(info: ModelReasoning): ReasoningEffort {
  const order: ReasoningEffort[] = ['minimal', 'low', 'medium', 'high'];
  const allowed = info.supportedEfforts;
  return order.find((e) => !allowed || allowed.includes(e)) ?? 'low';
}

/** The reasoning plan for one run. `info` comes from /models when listed there. */
export function planReasoning(model: string, choice: ReasoningChoice, info?: ModelReasoning): ReasoningPlan {
  const facts = info ?? knownReasoning(model);
  const effortPlan = (effort: ReasoningEffort, note?: string): ReasoningPlan => ({
    field: { effort }, on: effort !== 'none', effort, expectedTokens: EXPECTED_REASONING_TOKENS[effort],
    headroomTokens: EXPECTED_REASONING_TOKENS[effort], ...(note ? { note } : {}),
  });
  const offPlan: ReasoningPlan = { field: { enabled: false }, on: false, expectedTokens: 0, headroomTokens: 0 };
  if (choice === 'auto' || choice === 'off' || choice === 'none') {
    // A model known not to reason gets no field at all; an unknown one gets none either (it may reject it).
    if (!facts) return { on: false, expectedTokens: 0, headroomTokens: 0 };
    if (!facts.mandatory) return offPlan;
    const lowest = lowestEffort(facts);
    return effortPlan(lowest, `${model} cannot turn reasoning off; asking for the lowest effort (${lowest}).`);
  }
  if (facts?.supportedEfforts && !facts.supportedEfforts.includes(choice)) {
    return effortPlan(choice, `${model} lists efforts ${facts.supportedEfforts.join(', ')}; OpenRouter maps ${choice} to the nearest.`);
  }
  return effortPlan(choice);
}

/** Parses --reasoning. */
export function parseReasoningChoice(text: string): ReasoningChoice | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'auto' || t === 'off') return t;
  return (REASONING_EFFORTS as readonly string[]).includes(t) ? (t as ReasoningEffort) : undefined;
}
