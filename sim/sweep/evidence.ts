// When an injected fault's evidence became large enough for the supervisor to act
// on, read from the simulator's truth tick by tick: a slow drift, a creep that only
// moves under load, lost steps that only show while the drive moves, a load cell
// that can only be caught while nothing moves. Detection bounds for these are
// counted from that moment (plus the supervisor's own reaction time), not from
// the fault's start: no detector can see evidence that does not exist yet. It also
// takes the true force at the end of every move: how far an increment pushed the
// force past the hard limit before the device stopped it (sub-moves bound that).

import type { MoveResult, Reading } from "../../hal/types.ts";
import type { ControllerObserver } from "../../firmware/core/controller.ts";
import type { Decision } from "../../firmware/core/governor.ts";
import type { PhaseState } from "../../firmware/core/phases.ts";
import type { Session } from "../session.ts";

/** What kind of evidence a fault leaves. */
export type EvidenceKind = "position-error" | "carriage" | "lost-steps" | "force-error";

export class EvidenceWatch implements ControllerObserver {
  session: Session;
  /** null: no injected fault to follow (only the move-end force is taken). */
  kind: EvidenceKind | null;
  onsetMs: number;
  /** When the evidence first exceeded what the supervisor allows (ms since start), NaN until then. */
  readyMs = NaN;
  private base = NaN;
  private lastMoveMs = -Infinity;
  /** The load cell's noise-free reading (true force + its error) at its lowest in the current still span. */
  private spanMinN = Infinity;
  /** The highest true force at the end of a move (N). */
  maxMoveEndForceN = -Infinity;

  constructor(session: Session, kind: EvidenceKind | null, onsetMs: number) {
    this.session = session;
    this.kind = kind;
    this.onsetMs = onsetMs;
  }

  /** The fault-caused quantity now: µm for position evidence, N for the load cell. */
  private value(): number {
    const p = this.session.world.plant;
    const t = p.tMs;
    if (this.kind === "position-error") {
      const e = p.positionError;
      return e.offset + e.driftPerMs * (t - e.driftSinceMs);
    }
    if (this.kind === "carriage") return p.slipUm;
    if (this.kind === "lost-steps") return -(p.stepper.missedByLoad + p.stepper.missedInjected) * p.p.umPerMicrostep;
    const f = p.forceError;
    return f.offset + f.driftPerMs * (t - f.driftSinceMs);
  }

  decision(tMs: number, _d: Decision, _pos: Reading, force: Reading): void {
    if (this.kind === null || !isNaN(this.readyMs) || tMs < this.onsetMs) return;
    const dev = this.session.dev;
    if (!dev) return;
    const v = this.value();
    if (isNaN(this.base)) this.base = v;
    const e = v - this.base;
    const inside = dev.controller.inspect();
    const c = inside.sup;
    const s = inside.supState;
    if (this.kind === "force-error") {
      // a rise shows only while nothing moves (the load cell check needs still spans), over whatever the tissue
      // is relaxing meanwhile; a reading below zero or at the hard limit at once
      const sig = this.session.world.plant.forceN() + v;
      const still = tMs - this.lastMoveMs >= 2 * c.settleMs;
      if (!still) this.spanMinN = Infinity;
      else if (sig < this.spanMinN) this.spanMinN = sig;
      if ((still && e !== 0 && sig - this.spanMinN >= c.forceRiseN) || sig <= -c.forceRiseN || sig >= c.hardForceN) this.readyMs = tMs;
      return;
    }
    // what the supervisor's account allows: lost steps get the drive's rated slip; a moving sensor or carriage is
    // judged by the still-span account, whose noise grows with the number of spans (watch-position.ts)
    const base = c.accountBoundUm + c.complianceSlackUmPerN * Math.abs(force.value - s.pos.bootForce);
    const travel = Math.abs(s.stepCount - s.pos.bootSteps) * c.umPerStep;
    const allow = this.kind === "lost-steps" ? base + c.slipAllowance * travel : base + 4 * c.filterNoiseUm * Math.sqrt(2 * s.pos.spans);
    if (Math.abs(e) >= allow) this.readyMs = tMs;
  }

  moved(tMs: number, _requested: number, res: MoveResult): void {
    if (res.issued <= 0) return;
    this.lastMoveMs = tMs;
    const f = this.session.world.plant.forceN();
    if (f > this.maxMoveEndForceN) this.maxMoveEndForceN = f;
  }

  phase(_tMs: number, _from: PhaseState, _to: PhaseState): void {}

  warning(_tMs: number, _code: string, _detail: string): void {}
}
