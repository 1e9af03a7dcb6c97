// `osteodrive advisor train [--seed N] [--epochs N] [--out DIR]`: simulates the
// labelled trials, trains the tissue-response model on the cpu backend (same seed,
// same model), tunes and evaluates it, and saves it (default: the committed one).
// `osteodrive advisor eval [--json] [--subset] [--backend B] [--model DIR]`:
// evaluates a saved advisor on the held-out test seeds against the baseline and
// the detector, and times inference on every backend that comes up.
// `osteodrive advisor sim --scenario NAME|FILE [--days N] [--model DIR] [--json]`:
// runs a scenario with the advisory hook in the control loop.
// `osteodrive advisor bench`: inference cost per backend and what the hook adds (JSON).

import { numberFlag, parseArgs, requireFlags, usageLine, UsageError } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { SCENARIO_FLAG } from "./sim.ts";
import { progressBar } from "../progress.ts";
import { BACKEND_ORDER, selectBackend } from "../advisor/backend.ts";
import type { BackendName } from "../advisor/backend.ts";
import { formatEval } from "../advisor/format.ts";
import { AdvisoryHook } from "../advisor/hook.ts";
import { MODEL_DIR, loadAdvisor } from "../advisor/load.ts";
import { evaluateSaved, trainAndSave } from "../advisor/pipeline.ts";
import { TRAIN_DEFAULTS } from "../advisor/train.ts";
import { modelScorer } from "../advisor/predict.ts";
import { simulate } from "../advisor/simulate.ts";
import { benchAdvisor } from "../advisor/bench.ts";
import { loadScenario } from "../../../sim/scenario.ts";
import { defaultDays } from "../../../sim/run.ts";

const TRAIN: CommandSpec = {
  name: "advisor train",
  summary: "simulates the labelled trials, trains the tissue-response model (cpu backend, deterministic), tunes, evaluates and saves it",
  synopsis: "[--seed N] [--epochs N] [--out DIR]",
  flags: [
    { name: "seed", value: "N", help: "the training seed, 0 to 2147483647 (same seed, same model)", default: "1" },
    { name: "epochs", value: "N", help: "training epochs, 1 to 500", default: String(TRAIN_DEFAULTS.epochs) },
    { name: "out", value: "DIR", help: "where the model is saved", default: "the committed model, firmware/node/advisor/model" },
  ],
};

const EVAL: CommandSpec = {
  name: "advisor eval",
  summary: "evaluates a saved advisor on the held-out test seeds against the baseline and the detector, and times inference per backend",
  synopsis: "[--json] [--subset] [--backend " + BACKEND_ORDER.join("|") + "] [--model DIR]",
  flags: [
    { name: "json", help: "print the evaluation as JSON" },
    { name: "subset", help: "a small subset of the test seeds (quick check)" },
    { name: "backend", value: BACKEND_ORDER.join("|"), help: "the first backend to try (falls back in this order)", default: BACKEND_ORDER[0] },
    { name: "model", value: "DIR", help: "the saved model", default: "firmware/node/advisor/model" },
  ],
};

const SIM: CommandSpec = {
  name: "advisor sim",
  summary: "runs a scenario with the advisory hook in the control loop and prints its advisories next to the detector's events",
  synopsis: "--scenario NAME|FILE [--days N] [--model DIR] [--json]",
  flags: [
    SCENARIO_FLAG,
    { name: "days", value: "N", help: "simulated days, 0.01 to 3650", default: "latency + distraction + consolidation + 1 day" },
    { name: "model", value: "DIR", help: "the saved model", default: "firmware/node/advisor/model" },
    { name: "json", help: "one JSON line instead of indented JSON" },
  ],
};

const BENCH: CommandSpec = {
  name: "advisor bench",
  summary: "inference cost per backend and what the advisory hook adds to a control tick (JSON)",
  synopsis: "",
  flags: [],
};

export const spec: CommandSpec = {
  name: "advisor",
  summary: "the TensorFlow.js tissue-response advisor: train, evaluate, simulate, benchmark (docs/advisor.md)",
  synopsis: "train|eval|sim|bench [flags]",
  flags: [],
  subcommands: [TRAIN, EVAL, SIM, BENCH],
};

function say(line: string): void {
  process.stderr.write(line + "\n");
}

async function train(argv: string[]): Promise<number> {
  const args = parseArgs(argv, TRAIN);
  const seed = numberFlag(args, "seed", 0, 2147483647, 1)!;
  const epochs = numberFlag(args, "epochs", 1, 500, TRAIN_DEFAULTS.epochs)!;
  const dir = args.values.out ?? MODEL_DIR;
  const bar = progressBar(true);
  say("advisor: training on the cpu backend (deterministic), seed " + seed + ", " + epochs + " epochs");
  const meta = await trainAndSave(seed, epochs, dir, (f, label) => bar.update(f, label));
  bar.done();
  const m = meta.test.model;
  process.stdout.write("saved " + dir + " (" + meta.modelBytes + " bytes); test: median lead " + m.prematureLead.medianLeadDays + " d, false alarms " + m.falseAlarms + "/" + m.normalProtocols + "; " + (meta.enabledByDefault ? "meets the bar: ON by default" : "short of the bar (" + meta.shortfalls.join("; ") + "): OFF by default") + "\n");
  return 0;
}

async function evaluate(argv: string[]): Promise<number> {
  const args = parseArgs(argv, EVAL);
  const from = (args.values.backend ?? BACKEND_ORDER[0]) as BackendName;
  if (!BACKEND_ORDER.includes(from)) throw new UsageError("--backend must be one of " + BACKEND_ORDER.join(", "));
  const bar = progressBar(true);
  const run = await evaluateSaved(args.values.model ?? MODEL_DIR, args.switches.subset === true, from, 200, (f, label) => bar.update(f, label));
  bar.done();
  say("advisor: backend " + run.backend.name);
  process.stdout.write(args.switches.json ? JSON.stringify(run, null, 2) + "\n" : formatEval(run));
  return 0;
}

async function sim(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SIM);
  requireFlags(args, SIM);
  const sc = loadScenario(args.values.scenario);
  const days = numberFlag(args, "days", 0.01, 3650, defaultDays(sc))!;
  const backend = await selectBackend();
  say("advisor: backend " + backend.name + (backend.skipped.length ? " (skipped " + backend.skipped.join("; ") + ")" : ""));
  const loaded = await loadAdvisor(args.values.model ?? MODEL_DIR, sc.profile.name, true, say);
  if (!loaded) return 1;
  const bar = progressBar(!args.switches.json);
  let hook: AdvisoryHook | null = null;
  const res = simulate(sc, days, (ctl, hal) => (hook = new AdvisoryHook(ctl, hal.alarm, modelScorer(loaded.model), loaded.meta.modelPolicy, say)), (f) => bar.update(f, sc.name));
  bar.done();
  const h = hook as AdvisoryHook | null;
  const out = { scenario: sc.name, days, backend: backend.name, inferences: h ? h.inferences : 0, ignored: h ? h.ignored : 0, advisories: h ? h.advisories : [], detector: res.events };
  process.stdout.write(JSON.stringify(out, null, args.switches.json ? 0 : 2) + "\n");
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const sub = argv[0];
  if (sub === "train") return train(argv.slice(1));
  if (sub === "eval") return evaluate(argv.slice(1));
  if (sub === "sim") return sim(argv.slice(1));
  if (sub === "bench") {
    parseArgs(argv.slice(1), BENCH);
    process.stdout.write(JSON.stringify(await benchAdvisor(), null, 2) + "\n");
    return EXIT.ok;
  }
  throw new UsageError((sub ? "unknown subcommand " + JSON.stringify(sub) : "a subcommand is needed") + "\n" + spec.subcommands!.map(usageLine).join("\n"));
}
