// The advisor's tissue-response classes, in the order of the model's outputs.
// "normal" is the absence of a finding; the other three are what the advisor warns of.

export const CLASSES = ["normal", "premature-consolidation", "weak-regenerate", "rupture"] as const;
export type TissueClass = (typeof CLASSES)[number];

export const NUM_CLASSES = CLASSES.length;

export function classIndex(c: TissueClass): number {
  return CLASSES.indexOf(c);
}
