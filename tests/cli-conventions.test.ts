// CLI conventions: --help and -h on every command and subcommand list every flag
// with its meaning and default; every flag a command reads is declared in its spec
// (so it is in the help); --version; `ports`; and the exit codes of exit-codes.ts,
// documented in README.md and returned where they say (fault, out of tolerance,
// bad input, unknown command). The cases run the CLI's main in this process
// (helpers/cli-in-process.ts); a real process is spawned where the process is the
// point: what it prints and the exit code it hands the shell, for bin.mjs (what users
// run) and for the prebuilt bundle the other tests spawn (helpers/bundle.ts).

import test from "ava";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { commandNames, commandSpec } from "../firmware/node/cli.ts";
import type { CommandSpec } from "../firmware/node/args.ts";
import { EXIT, EXIT_TABLE } from "../firmware/node/exit-codes.ts";
import { listPorts } from "../firmware/node/commands/ports.ts";
import { cli } from "./helpers/cli-in-process.ts";
import { BIN } from "./helpers/bundle.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** `osteodrive ARGS…` as a process: the command users run (bin.mjs, through tsx) or the tests' prebuilt bundle of it. */
const spawnOf = (file: string) => (...args: string[]) => spawnSync(process.execPath, [file, ...args], { encoding: "utf8" });
const bin = spawnOf(join(ROOT, "firmware/node/bin.mjs"));
const bundled = spawnOf(BIN);

async function allSpecs(): Promise<Array<{ words: string[]; spec: CommandSpec; file: string }>> {
  const out: Array<{ words: string[]; spec: CommandSpec; file: string }> = [];
  for (const name of commandNames()) {
    const spec = await commandSpec(name);
    const file = join(ROOT, "firmware/node/commands", name + ".ts");
    t_assertSpec(spec, name);
    out.push({ words: [name], spec, file });
    for (const sub of spec.subcommands ?? []) out.push({ words: sub.name.split(" "), spec: sub, file });
  }
  return out;
}

function t_assertSpec(spec: CommandSpec | undefined, name: string): asserts spec {
  if (!spec) throw new Error("commands/" + name + ".ts exports no spec");
}

test("--help and -h on every command and subcommand list every flag with its meaning and default", async (t) => {
  const specs = await allSpecs();
  t.true(specs.length >= 16, specs.length + " commands and subcommands");
  for (const { words, spec } of specs) {
    const long = await cli(...words, "--help");
    const short = await cli(...words, "-h");
    t.is(long.status, 0, words.join(" ") + ": " + long.stderr);
    t.is(short.stdout, long.stdout, words.join(" ") + ": -h and --help differ");
    t.true(long.stdout.startsWith("osteodrive " + words.join(" ") + ": "), long.stdout);
    t.true(long.stdout.includes("usage: osteodrive " + words.join(" ")), words.join(" "));
    for (const f of spec.flags) {
      const line = long.stdout.split("\n").find((l) => new RegExp("^\\s+(-\\w, )?--" + f.name + "\\b").test(l));
      t.truthy(line, words.join(" ") + " --help lacks --" + f.name);
      t.true(f.help.length >= 10, words.join(" ") + " --" + f.name + " has no real description");
      t.regex(line!, /\((default: .+|required)\)$/, words.join(" ") + " --" + f.name + " states no default");
    }
    for (const sub of spec.subcommands ?? []) t.true(long.stdout.includes("  " + sub.name.split(" ").pop()), words.join(" ") + " lists " + sub.name);
  }
});

test("every flag a command reads is declared in its spec", async (t) => {
  const declared = new Map<string, Set<string>>();
  for (const { spec, file } of await allSpecs()) {
    const set = declared.get(file) ?? new Set<string>();
    for (const f of spec.flags) set.add(f.name);
    declared.set(file, set);
  }
  for (const [file, names] of declared) {
    const src = readFileSync(file, "utf8");
    const read = [...src.matchAll(/args\.(?:values|switches)(?:\.([\w]+)|\["([\w-]+)"\])/g)].map((m) => m[1] ?? m[2]);
    const numbers = [...src.matchAll(/numberFlag\(args, "([\w-]+)"/g)].map((m) => m[1]);
    for (const n of read.concat(numbers)) t.true(names.has(n), file + " reads --" + n + " which its spec does not declare");
  }
});

test("--version and -V print the package version; no command prints the overview on stderr with exit 2", async (t) => {
  const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
  t.is((await cli("--version")).stdout, "osteodrive " + version + "\n");
  t.is((await cli("-V")).stdout, "osteodrive " + version + "\n");
  const none = await cli();
  t.is(none.status, EXIT.usage);
  t.regex(none.stderr, /^osteodrive [\d.]+: /);
  for (const name of commandNames()) t.true(none.stderr.includes("  " + name + " "), "overview lists " + name);
  const help = await cli("--help");
  t.is(help.status, 0);
  t.is(help.stdout, none.stderr);
});

test("bad flags name the flag; util.parseArgs tokens keep negative numbers as values", async (t) => {
  const shortUnknown = await cli("sim", "--scenario", "noisy-rig", "-x");
  t.is(shortUnknown.status, EXIT.usage);
  t.regex(shortUnknown.stderr, /unknown flag -x/);
  const missing = await cli("sim", "--scenario", "--json");
  t.is(missing.status, EXIT.usage);
  t.regex(missing.stderr, /--scenario needs a value/);
  const switchValue = await cli("sim", "--scenario", "noisy-rig", "--json=yes");
  t.is(switchValue.status, EXIT.usage);
  t.regex(switchValue.stderr, /--json takes no value/);
  const required = await cli("sim");
  t.is(required.status, EXIT.usage);
  t.regex(required.stderr, /--scenario is required/);
  const sub = await cli("advisor", "fly");
  t.is(sub.status, EXIT.usage);
  t.regex(sub.stderr, /unknown subcommand "fly"/);
});

test("the exit codes are documented in README.md exactly as exit-codes.ts has them", (t) => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const r of EXIT_TABLE) {
    t.is(EXIT[r.name], r.code);
    t.true(readme.includes("| " + r.code + " | `" + r.name + "` | " + r.meaning + " |"), "README lacks the row for " + r.code);
  }
  t.is(new Set(EXIT_TABLE.map((r) => r.code)).size, EXIT_TABLE.length);
  t.is(EXIT_TABLE.length, Object.keys(EXIT).length);
});

test("a run that ends with a latched fault exits 3, outside tolerance 4, bad input 2", async (t) => {
  const fault = await cli("sim", "--scenario", "force-hard-limit", "--json");
  t.is(fault.status, EXIT.fault, fault.stderr);
  t.is(JSON.parse(fault.stdout).finalPhase, "fault");
  const loose = await cli("sim", "--scenario", "noisy-rig", "--open-loop", "--json");
  t.is(loose.status, EXIT.outOfTolerance, loose.stderr);
  const s = JSON.parse(loose.stdout);
  t.false(s.withinTolerance);
  t.true(Math.abs(s.finalErrorUm) > s.toleranceUm);
  const ok = await cli("sim", "--scenario", "mandible-continuous-1mm", "--json");
  t.is(ok.status, EXIT.ok);
  t.true(JSON.parse(ok.stdout).withinTolerance);
  // a real process: the code reaches the shell
  const device = bundled("device", "--hal", "sim", "--scenario", "premature-consolidation", "--time-scale", "max", "--until-complete", "--json");
  t.is(device.status, EXIT.fault, device.stderr);
  t.is(JSON.parse(device.stdout.trim().split("\n").pop()!).phase, "fault");
  const badScenario = await cli("sim", "--scenario", "no-such-thing");
  t.is(badScenario.status, EXIT.usage);
  const unknown = await cli("simulate");
  t.is(unknown.status, EXIT.usage);
});

test("ports lists what the system sees, or says clearly that it cannot", async (t) => {
  const listed = await listPorts(async () => [{ path: "/dev/ttyACM0", manufacturer: "Arduino (www.arduino.cc)", vendorId: "2341", productId: "0043", serialNumber: "7563" }], false);
  t.is(listed.code, EXIT.ok);
  t.is(listed.out, "/dev/ttyACM0  Arduino (www.arduino.cc) usb 2341:0043  serial 7563\n");
  t.is((await listPorts(async () => [], false)).out, "no serial ports found (is the board plugged in? emulated:uno needs none)\n");
  t.deepEqual(JSON.parse((await listPorts(async () => [{ path: "/dev/ttyS0" }], true)).out), [{ path: "/dev/ttyS0" }]);
  const failed = await listPorts(async () => {
    throw new Error("spawn udevadm ENOENT");
  }, false);
  t.is(failed.code, EXIT.error);
  t.regex(failed.err, /cannot list serial ports on this system: spawn udevadm ENOENT/);
  t.regex(failed.err, /--port \/dev\/ttyACM0/);
  // the real command on this machine: one of the two, never a stack trace
  const r = await cli("ports");
  t.true(r.status === EXIT.ok || (r.status === EXIT.error && /cannot list serial ports/.test(r.stderr)), r.stdout + r.stderr);
  t.notRegex(r.stderr, /\n\s+at /);
});

test("the bin and the tests' bundle of it print what main writes and hand the shell main's exit code", async (t) => {
  const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
  const inProcess = { help: await cli("sim", "--help"), bad: await cli("sim", "--scenario", "noisy-rig", "-x") };
  for (const [name, run] of [["bin.mjs", bin], ["the bundle", bundled]] as const) {
    const v = run("--version");
    t.is(v.status, 0, name);
    t.is(v.stdout, "osteodrive " + version + "\n", name);
    const help = run("sim", "--help");
    t.is(help.status, 0, name + ": " + help.stderr);
    t.true(help.stdout.startsWith("osteodrive sim: "), name + ": " + help.stdout);
    t.is(help.stdout, inProcess.help.stdout, name + ": the in-process cases see what the process prints");
    const bad = run("sim", "--scenario", "noisy-rig", "-x");
    t.is(bad.status, EXIT.usage, name);
    t.regex(bad.stderr, /^osteodrive sim: unknown flag -x/, name);
    t.is(bad.stdout, "", name);
    t.is(bad.stderr, inProcess.bad.stderr, name);
  }
});
