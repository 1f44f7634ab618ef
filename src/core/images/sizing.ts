/**
 * The one sizing rule: the pixel size a photo is sent at. The dry run prices this size from the image
 * header and prepare.ts resizes to exactly this size, so the estimate and the real run cannot disagree
 * by even a pixel (test/core/images/sizing.test.ts checks it against real prepared photos).
 *
 * Two steps: the BOX the photo must fit in (the model's useful size, or a fixed --max-edge square), then
 * the exact size of the photo fitted inside that box (`fitToBox`, sharp's own 'inside' arithmetic).
 */
import { roundHalfEven } from '../pricing/families/family-info.js';
import { familyFor, modelTargetSize, type FamilyInfo } from '../pricing/image-tokens.js';

export type SizingSpec =
  /** Model-aware: the largest size the model uses, never above `ceiling` px on a side. */
  | { mode: 'model'; family: FamilyInfo; ceiling: number }
  /** --max-edge given: fit inside edge×edge, whatever the model. */
  | { mode: 'fixed'; edge: number };

export interface Size {
  width: number;
  height: number;
}

/** The sizing of a run: a --max-edge given on the command line is the size itself, else a ceiling. */
export function sizingFor(opts: { model: string; maxEdge: number; maxEdgeExplicit?: boolean }): SizingSpec {
  return opts.maxEdgeExplicit ? { mode: 'fixed', edge: opts.maxEdge } : { mode: 'model', family: familyFor(opts.model), ceiling: opts.maxEdge };
}

/** The box an ORIENTED width×height photo must fit inside (what preparePhoto's `target` returns). */
export function sizingBox(spec: SizingSpec, width: number, height: number): Size {
  return spec.mode === 'fixed' ? { width: spec.edge, height: spec.edge } : modelTargetSize(spec.family, width, height, spec.ceiling);
}

/** The exact size an ORIENTED width×height photo is sent at. */
export function sentSize(spec: SizingSpec, width: number, height: number): Size {
  const box = sizingBox(spec, width, height);
  return fitToBox(width, height, box.width, box.height);
}

/**
 * width×height fitted inside boxWidth×boxHeight, aspect kept, never enlarged: the arithmetic of sharp's
 * `fit: 'inside'` (one shrink factor, the larger of the two, each side rounded half to even like C's rint).
 * Computed here rather than left to sharp so the size does not depend on JPEG shrink-on-load.
 */
export function fitToBox(width: number, height: number, boxWidth: number, boxHeight: number): Size {
  const shrink = Math.max(1, width / boxWidth, height / boxHeight);
  if (shrink === 1) return { width, height };
  return { width: Math.max(1, roundHalfEven(width / shrink)), height: Math.max(1, roundHalfEven(height / shrink)) };
}
