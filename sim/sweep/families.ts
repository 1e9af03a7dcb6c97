// The campaign's families: each is a documented generator that turns a seed into a
// virtual patient (sim/sweep/patient.ts) and, for a fault family, one fault of its
// class with a random onset in any phase (latency, distraction, the last day of
// distraction, consolidation, after complete), a random size, slow and sudden
// forms, some that clear again, and what a right answer is: the codes that name
// it rightly (empty = no fault is due: the fault is too small or too short to
// matter and the length must simply stay within tolerance). The ranges are listed
// in docs/sweep.md with the reasoning; change them together.

import { MS_PER_DAY, MS_PER_HOUR } from "../../firmware/core/units.ts";
import { Rng } from "../rng.ts";
import { logUniform, normalPatient, pick, uniform } from "./patient.ts";
import type { PatientOptions } from "./patient.ts";
import type { EvidenceKind } from "./evidence.ts";

export interface Expectation {
  /** Codes that name the fault rightly; [] = no fault is due. */
  codes: string[];
  /** When the fault began (ms since the prescription started). */
  onsetMs: number;
  /** How fast its evidence grows, for the detection bound (µm/ms, or N/ms for a load cell). */
  growth: number;
  /** What was injected, for the report. */
  label: string;
  /** Where its evidence shows in the simulator's truth (the bound counts from when it is large enough). */
  evidence?: EvidenceKind;
  /** A second fault (the combined family): a code of its own is timed from its own onset. */
  second?: Expectation;
}

export interface Patient {
  family: string;
  seed: number;
  scenario: any;
  expect: Expectation | null;
}

export interface Family {
  name: string;
  description: string;
  make(r: Rng, seed: number): Patient;
}

/** Phases a fault may begin in, and when each runs for this prescription (days). */
function timeline(sc: any): { [phase: string]: [number, number] } {
  const rx = sc.prescription;
  const quiet = rx.quietHours ? 8 / 24 : 0;
  const L = rx.latencyDays;
  const E = L + rx.targetLengthMm / rx.rateMmPerDay / (1 - quiet);
  const C = E + rx.consolidationDays;
  const out: { [phase: string]: [number, number] } = { distraction: [L, E - 1 > L ? E - 1 : L], "last distraction day": [Math.max(L, E - 1), E], consolidation: [E, C], complete: [C + 0.05, C + 0.95] };
  if (L > 0.05) out.latency = [0.02, L];
  return out;
}

/** An onset in a phase picked uniformly among those the protocol has. */
/** When a fault starts: its day, the phase it falls in, and both as the run's label says them ("day 12.34 (distraction)"). */
function onset(r: Rng, sc: any): { day: number; phase: string; when: string } {
  const t = timeline(sc);
  const phase = pick(r, Object.keys(t));
  const span = t[phase];
  const day = Math.round(uniform(r, span[0], span[1]) * 1e5) / 1e5;
  return { day, phase, when: "day " + day.toFixed(2) + " (" + phase + ")" };
}

function deliverySpeed(sc: any): number {
  return sc.prescription.rateMmPerDay * 1000 / MS_PER_DAY;
}

function patient(name: string, r: Rng, seed: number, o?: PatientOptions): any {
  return normalPatient(r, name + "-" + seed, o);
}

/** A fault that clears again after a while (an intermittent one), in `share` of the cases. */
function maybeClear(r: Rng, f: any, share: number): any {
  if (r.next() < share) f.untilDay = Math.round((f.atDay + logUniform(r, 1 / 1440, 3)) * 1e5) / 1e5;
  return f;
}

function fault(name: string, seed: number, sc: any, faults: any[], codes: string[], growth: number, label: string, onsetDay: number, evidence?: EvidenceKind): Patient {
  sc.faults = (sc.faults || []).concat(faults);
  return { family: name, seed, scenario: sc, expect: { codes, onsetMs: onsetDay * MS_PER_DAY, growth, label, evidence } };
}

const positionDrift: Family = {
  name: "position-drift",
  description: "the position sensor's zero drifts (±0.3–300 µm/h, a quarter clear again) or jumps (±20–3000 µm)",
  make(r, seed) {
    const sc = patient(this.name, r, seed);
    const on = onset(r, sc);
    const sign = r.next() < 0.5 ? -1 : 1;
    if (r.next() < 0.6) {
      const rate = sign * logUniform(r, 0.3, 300);
      return fault(this.name, seed, sc, [maybeClear(r, { atDay: on.day, kind: "position-drift", value: Math.round(rate * 100) / 100 }, 0.25)], ["position-sensor-drift"], Math.abs(rate) / MS_PER_HOUR, "drift " + rate.toFixed(2) + " µm/h from " + on.when, on.day, "position-error");
    }
    const jump = sign * logUniform(r, 20, 3000);
    return fault(this.name, seed, sc, [{ atDay: on.day, kind: "position-offset", value: Math.round(jump) }], ["position-sensor-drift", "position-sensor-out-of-range"], Math.abs(jump) / sc.profile.tickMs, "offset " + Math.round(jump) + " µm at " + on.when, on.day, "position-error");
  },
};

const creep: Family = {
  name: "creep",
  description: "the carriage moves on its own where the drive can: a spring escapement forward, a back-drivable gear back (0.5–500 µm/h, a quarter stop again; or a sudden skip of 20–1000 µm)",
  make(r, seed) {
    const spring = r.next() < 0.5;
    const sc = patient(this.name, r, seed, spring ? { kinds: ["spring"] } : { kinds: ["mandible", "limb"], backDrivable: true });
    const on = onset(r, sc);
    const dir = spring ? 1 : -1;
    // a spring pushing the carriage into a stiff callus may take the force over the hard limit first
    const code = spring ? ["runaway", "force-hard-limit"] : ["uncommanded-retraction"];
    if (r.next() < 0.6) {
      const rate = dir * logUniform(r, 0.5, 500);
      return fault(this.name, seed, sc, [maybeClear(r, { atDay: on.day, kind: "creep", value: Math.round(rate * 100) / 100 }, 0.25)], code, Math.abs(rate) / MS_PER_HOUR, "creep " + rate.toFixed(2) + " µm/h from " + on.when, on.day, "carriage");
    }
    const skip = dir * logUniform(r, 20, 1000);
    return fault(this.name, seed, sc, [{ atDay: on.day, kind: "slip", value: Math.round(skip) }], code, Math.abs(skip) / sc.profile.tickMs, "skip " + Math.round(skip) + " µm at " + on.when, on.day, "carriage");
  },
};

const driveSlip: Family = {
  name: "drive-slip",
  description: "the drive loses steps beyond its rating (3–90 %) or jams; a quarter recover",
  make(r, seed) {
    const sc = patient(this.name, r, seed);
    const on = onset(r, sc);
    if (r.next() < 0.3) return fault(this.name, seed, sc, [maybeClear(r, { atDay: on.day, kind: "jam" }, 0.25)], ["stall", "missed-steps"], deliverySpeed(sc), "jam at " + on.when, on.day, "lost-steps");
    const frac = Math.min(0.95, sc.profile.driveSlipFraction + logUniform(r, 0.03, 0.9));
    return fault(this.name, seed, sc, [maybeClear(r, { atDay: on.day, kind: "missed-steps", value: Math.round(frac * 1000) / 1000 }, 0.25)], ["missed-steps", "stall"], frac * deliverySpeed(sc), Math.round(frac * 100) + " % steps lost from " + on.when, on.day, "lost-steps");
  },
};

const positionSensor: Family = {
  name: "position-sensor",
  description: "the position sensor freezes, drops out (some for less than the stale limit: no fault due) or reads outside its span",
  make(r, seed) {
    const sc = patient(this.name, r, seed);
    const on = onset(r, sc);
    const u = r.next();
    const at = " at " + on.when;
    const v = deliverySpeed(sc);
    if (u < 0.3) return fault(this.name, seed, sc, [maybeClear(r, { atDay: on.day, kind: "position-stuck" }, 0.2)], ["position-sensor-stuck"], v, "frozen" + at, on.day);
    if (u < 0.6) return fault(this.name, seed, sc, [maybeClear(r, { atDay: on.day, kind: "position-dropout" }, 0.2)], ["position-sensor-dropout"], v, "dropout" + at, on.day);
    if (u < 0.8) {
      const s = Math.round(uniform(r, 5, 25));
      return fault(this.name, seed, sc, [{ atDay: on.day, kind: "position-dropout", untilDay: on.day + s / 86400 }], [], v, "dropout for " + s + " s" + at, on.day);
    }
    return fault(this.name, seed, sc, [maybeClear(r, { atDay: on.day, kind: "position-offset", value: 100000 }, 0.3)], ["position-sensor-out-of-range"], v, "reads out of span" + at, on.day);
  },
};

const forceSensor: Family = {
  name: "force-sensor",
  description: "the load cell freezes, drops out, jumps (±5–500 N) or drifts (±0.5–100 N/h); a fifth clear again",
  make(r, seed) {
    const sc = patient(this.name, r, seed);
    const on = onset(r, sc);
    const u = r.next();
    const at = " at " + on.when;
    const sign = r.next() < 0.5 ? -1 : 1;
    // a load cell reading at or over the hard limit stops the device whatever made it read so
    const codes = ["force-sensor-drift", "force-hard-limit"];
    if (u < 0.2) return fault(this.name, seed, sc, [maybeClear(r, { atDay: on.day, kind: "force-stuck" }, 0.2)], ["force-sensor-stuck"], 1, "frozen" + at, on.day);
    if (u < 0.4) return fault(this.name, seed, sc, [maybeClear(r, { atDay: on.day, kind: "force-dropout" }, 0.2)], ["force-sensor-dropout"], 1, "dropout" + at, on.day);
    if (u < 0.7) {
      const off = sign * logUniform(r, 5, 500);
      return fault(this.name, seed, sc, [maybeClear(r, { atDay: on.day, kind: "force-offset", value: Math.round(off * 10) / 10 }, 0.2)], codes, Math.abs(off) / sc.profile.tickMs, "offset " + off.toFixed(1) + " N" + at, on.day, "force-error");
    }
    const rate = sign * logUniform(r, 0.5, 100);
    return fault(this.name, seed, sc, [maybeClear(r, { atDay: on.day, kind: "force-drift", value: Math.round(rate * 100) / 100 }, 0.2)], codes, Math.abs(rate) / MS_PER_HOUR, "drift " + rate.toFixed(2) + " N/h" + at, on.day, "force-error");
  },
};

const tissue: Family = {
  name: "tissue",
  description: "the regenerate ruptures (50–100 % of the force lost at once) or a sudden load lands on it (20–500 N)",
  make(r, seed) {
    const sc = patient(this.name, r, seed);
    const on = onset(r, sc);
    const at = " at " + on.when;
    if (r.next() < 0.6) {
      const f = uniform(r, 0.5, 1);
      return fault(this.name, seed, sc, [{ atDay: on.day, kind: "force-collapse", value: Math.round(f * 1000) / 1000 }], ["force-sudden-drop"], 1, "rupture " + Math.round(f * 100) + " %" + at, on.day);
    }
    const load = logUniform(r, 20, 500);
    // it stops the device when it takes the force over the hard limit; below that the soft limit slows it
    return fault(this.name, seed, sc, [{ atDay: on.day, kind: "force-spike", value: Math.round(load) }], ["force-hard-limit"], 1, "load " + Math.round(load) + " N" + at, on.day);
  },
};

const clock: Family = {
  name: "clock",
  description: "the wall clock jumps (±2 s–2 days: up to 60 s is a correction, journaled) or goes back across a power cut",
  make(r, seed) {
    const sc = patient(this.name, r, seed);
    const on = onset(r, sc);
    const at = " at " + on.when;
    const sign = r.next() < 0.5 ? -1 : 1;
    if (r.next() < 0.7) {
      const jump = sign * logUniform(r, 2000, 2 * MS_PER_DAY);
      return fault(this.name, seed, sc, [{ atDay: on.day, kind: "clock-jump", value: Math.round(jump) }], Math.abs(jump) > 60000 ? ["clock-jump"] : [], 1, "clock " + (jump / 1000).toFixed(1) + " s" + at, on.day);
    }
    const back = logUniform(r, 10000, 2 * MS_PER_DAY);
    const off = Math.round(logUniform(r, 0.05, 24) * 1000) / 1000;
    sc.events = [{ atDay: on.day, kind: "power-cut", offHours: off }];
    // the device boots at on.day + off; it reckons its time from the wall clock, which is `back` behind
    const seenDay = on.day + off / 24 - Math.round(back) / MS_PER_DAY;
    return fault(this.name, seed, sc, [{ atDay: on.day + off / 48, kind: "clock-jump", value: -Math.round(back) }], ["clock-jump"], 1, "clock back " + (back / 1000).toFixed(0) + " s across a " + off.toFixed(2) + " h power cut" + at, seenDay);
  },
};

/** A family of one fault kind that starts at a random onset and clears again in a share `clearShare` of the runs. */
function onsetFamily(name: string, description: string, kind: string, clearShare: number, what: string): Family {
  return {
    name,
    description,
    make(r, seed) {
      const sc = patient(this.name, r, seed);
      const on = onset(r, sc);
      return fault(this.name, seed, sc, [maybeClear(r, { atDay: on.day, kind }, clearShare)], [kind], 1, what + " at " + on.when, on.day);
    },
  };
}

const driver = onsetFamily("driver", "the motor driver's fault line asserts (a third clear again after 1 min–3 days)", "driver-fault", 0.33, "driver fault");

const storage = onsetFamily("storage", "the store refuses writes (a fifth recover), whether or not anything is being written then", "storage-failure", 0.2, "store fails");

const powerCut: Family = {
  name: "power-cut",
  description: "1–4 power cuts of 1 min–2 days; in a third the sensor comes back offset (±30–2000 µm: a reseated connector)",
  make(r, seed) {
    const sc = patient(this.name, r, seed);
    const n = 1 + Math.floor(r.next() * 4);
    const cuts: any[] = [];
    for (let i = 0; i < n; i++) cuts.push(onset(r, sc).day);
    cuts.sort((a, b) => a - b);
    const events: any[] = [];
    let free = 0;
    for (const c of cuts) {
      const day = Math.max(c, free);
      const off = logUniform(r, 1 / 60, 48);
      events.push({ atDay: Math.round(day * 1e5) / 1e5, kind: "power-cut", offHours: Math.round(off * 1000) / 1000 });
      free = day + off / 24 + 0.01;
    }
    sc.events = events;
    const first = events[0];
    if (r.next() < 1 / 3) {
      const off = (r.next() < 0.5 ? -1 : 1) * logUniform(r, 30, 2000);
      const boot = first.atDay + first.offHours / 24;
      return fault(this.name, seed, sc, [{ atDay: first.atDay + first.offHours / 48, kind: "position-offset", value: Math.round(off) }], ["position-mismatch-at-boot"], 1, n + " cuts; the sensor back " + Math.round(off) + " µm off after the first", boot);
    }
    return { family: this.name, seed, scenario: sc, expect: { codes: [], onsetMs: first.atDay * MS_PER_DAY, growth: 1, label: n + " cuts from day " + first.atDay.toFixed(2) } };
  },
};

const SINGLE: Family[] = [positionDrift, creep, driveSlip, positionSensor, forceSensor, tissue, clock, driver, storage, powerCut];

const combined: Family = {
  name: "combined",
  description: "two faults of different families at once (within an hour of each other): either may be named",
  make(r, seed) {
    const a = pick(r, SINGLE.filter((f) => f.name !== "power-cut" && f.name !== "clock"));
    const b = pick(r, SINGLE.filter((f) => f !== a && f.name !== "power-cut" && f.name !== "clock" && f.name !== "creep"));
    const pa = a.make(r, seed);
    const pb = b.make(new Rng(seed ^ 0x2545f491), seed);
    const shift = (pb.expect!.onsetMs - pa.expect!.onsetMs) / MS_PER_DAY - uniform(r, 0, MS_PER_HOUR / MS_PER_DAY);
    const moved = (pb.scenario.faults || []).map((f: any) => Object.assign({}, f, { atDay: Math.max(0, f.atDay - shift), untilDay: f.untilDay === undefined ? undefined : Math.max(0.001, f.untilDay - shift) }));
    pa.scenario.faults = pa.scenario.faults.concat(moved);
    const ea = pa.expect!;
    const eb = pb.expect!;
    const second: Expectation = { codes: eb.codes, onsetMs: eb.onsetMs - shift * MS_PER_DAY, growth: eb.growth, label: eb.label, evidence: eb.evidence };
    return { family: this.name, seed, scenario: pa.scenario, expect: { codes: ea.codes.concat(eb.codes), onsetMs: Math.min(ea.onsetMs, second.onsetMs), growth: ea.growth, label: ea.label + " + " + eb.label + " (shifted to day " + (second.onsetMs / MS_PER_DAY).toFixed(2) + ")", evidence: ea.evidence, second } };
  },
};

const normal: Family = {
  name: "normal",
  description: "no fault: a normal patient, with a patient's pause (1–24 h) in a fifth, a rate cut for the soft tissue in a tenth and 1–2 short power cuts in a tenth",
  make(r, seed) {
    const sc = patient(this.name, r, seed);
    const t = timeline(sc);
    const events: any[] = [];
    const d = t.distraction;
    if (r.next() < 0.2) {
      const at = uniform(r, d[0], d[1]);
      events.push({ atDay: at, kind: "pause" }, { atDay: at + logUniform(r, 1, 24) / 24, kind: "resume" });
    }
    // a prescription change is not followed by a power cut: the sim restores no console image after a reboot
    const change = r.next() < 0.1 ? uniform(r, d[0], (d[0] + d[1]) / 2) : Infinity;
    if (change < Infinity) events.push({ atDay: change, kind: "prescription", prescription: { rateMmPerDay: Math.round(sc.prescription.rateMmPerDay * uniform(r, 0.5, 0.9) * 1000) / 1000 } });
    if (r.next() < 0.1) for (let i = 0; i < 1 + Math.floor(r.next() * 2); i++) events.push({ atDay: uniform(r, d[0], Math.min(d[1], change - 0.2)), kind: "power-cut", offHours: logUniform(r, 1 / 60, 2) });
    events.sort((a, b) => a.atDay - b.atDay);
    for (const e of events) e.atDay = Math.round(e.atDay * 1e5) / 1e5;
    sc.events = events;
    return { family: this.name, seed, scenario: sc, expect: null };
  },
};

export const FAMILIES: Family[] = [normal].concat(SINGLE, [combined]);

export function family(name: string): Family | null {
  for (const f of FAMILIES) if (f.name === name) return f;
  return null;
}

/** The patient for (family, seed): a pure function of both. */
export function makePatient(f: Family, seed: number): Patient {
  return f.make(new Rng(seed * 2654435761 + f.name.length), seed);
}
