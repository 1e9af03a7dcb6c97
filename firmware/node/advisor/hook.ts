// The advisory hook for the Node app: a ControllerObserver that bins what the
// controller sees (FeatureTap), runs the scorer on the last 48 h every bin (15
// device minutes) while distraction runs, and when the debounced policy names a
// finding, asks the governor for a slower pace through setAdvisoryScale (which
// clamps to [floor, 1]; the hook only ever asks for less than the current scale)
// and raises an advisory alarm (level 1) carrying the probabilities, unless a
// higher alarm is up. It never touches a limit, the supervisor or the schedule.
// A scorer that throws or returns anything but NUM_CLASSES probabilities is
// logged and ignored for that inference.

import type { Annunciator, MoveResult, Reading } from "../../../hal/types.ts";
import type { Controller, ControllerObserver } from "../../core/controller.ts";
import type { Decision } from "../../core/governor.ts";
import type { PhaseState } from "../../core/phases.ts";
import { CLASSES } from "./classes.ts";
import { WINDOW_SIZE } from "./dataset.ts";
import type { Scorer } from "./evaluate.ts";
import { BIN_MS, FeatureTap, windowInto } from "./features.ts";
import { ADVISORY_FLOOR, AlarmRule, SLOWDOWN, validProbabilities } from "./policy.ts";
import type { Policy } from "./policy.ts";

export interface Advisory {
  atMs: number;
  cls: string;
  probabilities: number[];
  scale: number;
}

export class AdvisoryHook implements ControllerObserver {
  controller: Controller;
  alarm: Annunciator;
  scorer: Scorer;
  rule: AlarmRule;
  log: (line: string) => void;
  tap: FeatureTap;
  advisories: Advisory[] = [];
  inferences = 0;
  ignored = 0;
  private phaseName = "idle";
  private raised = -1;
  private window = new Float32Array(WINDOW_SIZE);

  constructor(controller: Controller, alarm: Annunciator, scorer: Scorer, policy: Policy, log: (line: string) => void) {
    this.controller = controller;
    this.alarm = alarm;
    this.scorer = scorer;
    this.rule = new AlarmRule(policy);
    this.log = log;
    const profile = controller.deviceProfile();
    this.tap = new FeatureTap({ forceN: controller.prescription().softForceN, rateMmPerDay: profile.hardRateCapMmPerDay, umPerStep: profile.umPerMicrostep });
    this.tap.onBin = (bin) => this.infer(bin);
  }

  decision(tMs: number, d: Decision, pos: Reading, force: Reading): void {
    this.tap.decision(tMs, d, pos, force);
  }

  moved(tMs: number, requested: number, res: MoveResult): void {
    this.tap.moved(tMs, requested, res);
  }

  phase(_tMs: number, _from: PhaseState, to: PhaseState): void {
    this.phaseName = to.phase;
  }

  warning(_tMs: number, _code: string, _detail: string): void {}

  private infer(bin: number): void {
    if (this.phaseName !== "distraction") return;
    const atMs = (bin + 1) * BIN_MS;
    windowInto(this.tap.bins, bin, this.window, 0);
    let p: ArrayLike<number>;
    try {
      p = this.scorer.score(this.window, 1);
    } catch (e) {
      this.ignore(atMs, "scorer failed: " + (e instanceof Error ? e.message : String(e)));
      return;
    }
    this.inferences++;
    if (!validProbabilities(p)) {
      this.ignore(atMs, "output is not " + CLASSES.length + " probabilities: " + JSON.stringify(Array.from(p ?? [])));
      return;
    }
    const cls = this.rule.step(p);
    if (cls > 0 && cls !== this.raised) this.raise(atMs, cls, Array.from(p));
  }

  private ignore(atMs: number, why: string): void {
    this.ignored++;
    this.log("advisor: ignored at " + (atMs / 3600000).toFixed(2) + " h: " + why);
  }

  private raise(atMs: number, cls: number, p: number[]): void {
    this.raised = cls;
    const name = CLASSES[cls];
    const ctl = this.controller;
    const scale = ctl.setAdvisoryScale(Math.min(ctl.advisoryScale(), SLOWDOWN[name]), ADVISORY_FLOOR);
    const probs = CLASSES.map((c, i) => c + " " + p[i].toFixed(3)).join(", ");
    if (this.alarm.level() <= 1) this.alarm.set(1, "advisory:" + name + " (" + probs + ")");
    this.advisories.push({ atMs, cls: name, probabilities: p, scale });
    this.log("advisor: " + name + " at " + (atMs / 86400000).toFixed(2) + " d (" + probs + "); pace scale " + scale);
  }
}
