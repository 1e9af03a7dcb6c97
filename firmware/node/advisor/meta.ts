// advisor.json, committed next to the model: how it was trained (seed, epochs),
// the policies tuned on the validation seeds (model and baseline), the evaluation
// it scored (held-out test seeds, and the small subset the test suite re-runs),
// whether it is on by default (only if it met the bar) and the one device profile
// it was trained for (its forces mean nothing on another device). Thresholds that
// switch a class off are Infinity in memory and null in JSON.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Policy } from "./policy.ts";
import type { EvalReport } from "./report.ts";

export const META_JSON = "advisor.json";

export interface AdvisorMeta {
  format: 1;
  /** The device profile the trials simulate: the only device the advisor knows. */
  device: string;
  trainSeed: number;
  epochs: number;
  modelPolicy: Policy;
  baselinePolicy: Policy;
  /** Trials per class of the test-suite subset (the first of each class in the test split). */
  subsetPerClass: number;
  subset: EvalReport;
  test: EvalReport;
  enabledByDefault: boolean;
  shortfalls: string[];
  modelBytes: number;
}

function policyToJson(p: Policy): any {
  return { thresholds: p.thresholds.map((t) => (isFinite(t) ? t : null)), confirm: p.confirm };
}

function policyFromJson(j: any): Policy {
  return { thresholds: j.thresholds.map((t: number | null) => (t === null ? Infinity : t)), confirm: j.confirm };
}

export function writeMeta(dir: string, m: AdvisorMeta): void {
  const out = Object.assign({}, m, { modelPolicy: policyToJson(m.modelPolicy), baselinePolicy: policyToJson(m.baselinePolicy) });
  writeFileSync(join(dir, META_JSON), JSON.stringify(out, null, 2) + "\n");
}

export function readMeta(dir: string): AdvisorMeta {
  const j = JSON.parse(readFileSync(join(dir, META_JSON), "utf8"));
  if (j.format !== 1) throw new Error(META_JSON + ": unknown format " + JSON.stringify(j.format));
  return Object.assign(j, { modelPolicy: policyFromJson(j.modelPolicy), baselinePolicy: policyFromJson(j.baselinePolicy) });
}
