// The console on the Espruino target: every module of firmware/core/console
// bundles into a script that passes the Espruino checks; inside the Espruino vm
// shim (only Espruino's globals) the bundled core reads and writes the same bytes
// as on Node and, with tweetnacl's pure-JS Ed25519 as the injected verifier,
// accepts a prescription signed on Node by node:crypto and refuses it tampered.
// Prints the verifier's figures (never asserted): script size, variables, V8 time
// per verify in the vm, and the call/loop counts that estimate an Espruino's time.

import test from "ava";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildBundle, ROOT } from "../firmware/node/espruino/build.ts";
import { checkBundle, checkScript, formatViolation } from "../firmware/node/espruino/check.ts";
import { staticVariables } from "../firmware/node/espruino/variables.ts";
import { BOARDS } from "../firmware/espruino/boards.ts";
import { EspruinoShim } from "../sim/espruino-shim.ts";
import { DESKTOP_US_PER_CALL, DESKTOP_US_PER_ITERATION, instrument } from "../firmware/node/espruino/call-count.ts";
import { loadScenario } from "../sim/scenario.ts";
import { newKeyPair } from "../firmware/node/console/ed25519.ts";
import { signPrescription } from "../firmware/node/console/sign.ts";

const CONSOLE_DIR = "firmware/core/console";
const MODULES = readdirSync(join(ROOT, CONSOLE_DIR)).filter((f) => f.endsWith(".ts")).sort();
const NACL_FILES = ["nacl.min.js", "nacl-fast.min.js"];
const SC = loadScenario("mandible-continuous-1mm");

/** tweetnacl as an Espruino script: `self` and `require` are local (its Node/browser PRNG hook finds nothing), the API lands in global.nacl. */
function naclScript(file: string): string {
  const src = readFileSync(join(ROOT, "node_modules/tweetnacl", file), "utf8");
  return "(function (require) { var self = {}; var module;\n" + src + "\nglobal.nacl = self.nacl; })(function () { return {}; });";
}

function shim(): EspruinoShim {
  const plant = { advanceTo() {}, pulse() {}, sensePosition: () => 0, senseForce: () => 0 };
  return new EspruinoShim({ plant, hal: BOARDS.pico.hal, variables: BOARDS.pico.variables, varBytes: BOARDS.pico.varBytes });
}

function consoleBundle(): { code: string; map: string; bytes: number } {
  const src = MODULES.map((f, i) => "import * as m" + i + " from \"./" + CONSOLE_DIR + "/" + f + "\";").join("\n") +
    "\nimport { parseProfile } from \"./firmware/core/profile.ts\";\n" +
    "(global as any).odc = { parseProfile, " + MODULES.map((f, i) => JSON.stringify(f.slice(0, -3)) + ": m" + i).join(", ") + " };\n";
  return buildBundle({ source: src });
}

test("every module of firmware/core/console passes the Espruino checks", (t) => {
  const b = consoleBundle();
  t.deepEqual(checkBundle(b.code, b.map).map(formatViolation), []);
  t.true(MODULES.length >= 15, MODULES.join(" "));
  const base = buildBundle({ source: "import { Controller } from \"./firmware/core/controller.ts\";\nimport { parseProfile } from \"./firmware/core/profile.ts\";\n(global as any).keep = [Controller, parseProfile];\n" });
  const v = staticVariables(b.code);
  const v0 = staticVariables(base.code);
  const fig = { bytes: b.bytes - base.bytes, functions: v.functions - v0.functions, variablesCodeInFlash: v.codeInFlash + v.bindings + v.literals - (v0.codeInFlash + v0.bindings + v0.literals) };
  t.log("console core on top of the controller: " + JSON.stringify(fig));
  console.log("espruino console core " + JSON.stringify(fig));
});

test("in the Espruino shim, the console core verifies a Node-signed prescription with tweetnacl and matches Node byte for byte", (t) => {
  const pair = newKeyPair();
  const key = Object.assign({ id: "dr-lee", role: "clinician" as const }, pair);
  const text = JSON.stringify({ deviceSerial: SC.profile.serial, counter: 2, expires: "2030-01-01T00:00:00Z", latencyDays: 0, rateMmPerDay: 0.5, rhythm: 4, targetLengthMm: 3, consolidationDays: 1, softForceN: 100, hardForceN: 180 });
  const signed = signPrescription(text, key);
  const s = shim();
  s.run(consoleBundle().code);
  s.run(naclScript("nacl.min.js"));
  s.run(
    "var c = odc; var P = " + JSON.stringify(SC.source.profile) + ";\n" +
    "var ctx = { ring: { clinician: [{ id: 'dr-lee', publicKey: c.bytes.fromHex(" + JSON.stringify(pair.publicKey) + ", 32) }], bench: [] },\n" +
    "  verifier: { verify: function (pk, msg, sig) { return nacl.sign.detached.verify(msg, sig, pk); } },\n" +
    "  profile: c.parseProfile(P), lastCounter: 1, wallMs: 1767600000000, lengthReachedUm: 0 };\n" +
    "var T = " + JSON.stringify(signed.rx) + "; var S = " + JSON.stringify(signed.sig) + ";\n" +
    "var lines = []; var f = new c.framer.LineFramer(64, 1000, 500);\n" +
    "f.push(new Uint8Array([123, 34, 195, 169, 34, 125, 10, 255, 10]), 0, function (e, x) { lines.push(e + '|' + x); });\n" +
    "global.res = { ok: c['signed-rx'].checkSignedRx(T, 'dr-lee', S, ctx).code,\n" +
    "  tampered: c['signed-rx'].checkSignedRx(T.replace('0.5', '0.6'), 'dr-lee', S, ctx).code,\n" +
    "  canonical: c['json-text'].canonicalJson({ z: 1, a: ['\\u00e9', true, null], m: { y: -2 } }),\n" +
    "  request: c.bytes.toHex(c.signing.requestMessage('OD-1', { cmd: 'resume', auth: { role: 'clinician', key: 'k', nonce: 'n', sig: 'x' } })),\n" +
    "  utc: c.calendar.parseUtc('2026-02-28T23:59:59Z'), iso: c.calendar.formatUtc(1767600000000), lines: lines };",
  );
  const res = s.context.res;
  t.is(res.ok, "ok");
  t.is(res.tampered, "rx-bad-signature");
  t.is(res.canonical, "{\"a\":[\"\\u00e9\",true,null],\"m\":{\"y\":-2},\"z\":1}");
  t.is(res.request, Buffer.from("osteodrive-request-v1\nOD-1\n{\"auth\":{\"key\":\"k\",\"nonce\":\"n\",\"role\":\"clinician\"},\"cmd\":\"resume\"}").toString("hex"));
  t.is(res.utc, Date.parse("2026-02-28T23:59:59Z"));
  t.is(res.iso, new Date(1767600000000).toISOString().replace(".000", ""));
  t.deepEqual(Array.from(res.lines), ["|{\"\u00e9\"}", "bad-utf8|"]);
  t.deepEqual(s.errors, []);
});

test("tweetnacl as the Espruino verifier: size, variables, time per verify (figures printed, not asserted)", (t) => {
  const pair = newKeyPair();
  const key = Object.assign({ id: "k", role: "clinician" as const }, pair);
  const signed = signPrescription("x".repeat(400), key);
  const args = "var M = new Uint8Array(" + JSON.stringify(Array.from(Buffer.from("osteodrive-rx-v1\n" + signed.rx))) + "); var G = new Uint8Array(" +
    JSON.stringify(Array.from(Buffer.from(signed.sig, "hex"))) + "); var K = new Uint8Array(" + JSON.stringify(Array.from(Buffer.from(pair.publicKey, "hex"))) + ");\n";
  const figures: any[] = [];
  for (const file of NACL_FILES) {
    const code = naclScript(file);
    const s = shim();
    s.run(code);
    const live = s.heapVars();
    s.run(args + "global.good = nacl.sign.detached.verify(M, G, K); G[5] ^= 1; global.bad = nacl.sign.detached.verify(M, G, K); G[5] ^= 1;");
    t.true(s.context.good, file);
    t.false(s.context.bad, file);
    const n = 5;
    const t0 = performance.now();
    s.run("for (var i = 0; i < " + n + "; i++) nacl.sign.detached.verify(M, G, K);");
    const v8Ms = (performance.now() - t0) / n;
    const counted = shim();
    counted.context.__odc = { calls: 0, iters: 0 };
    counted.run(instrument(code));
    counted.run(args);
    counted.context.__odc.calls = 0;
    counted.context.__odc.iters = 0;
    counted.run("nacl.sign.detached.verify(M, G, K);");
    const c = counted.context.__odc;
    const st = staticVariables(code);
    const violations = checkScript(code).map((v) => v.rule + ": " + v.message);
    figures.push({
      file,
      bytes: Buffer.byteLength(code),
      functions: st.functions,
      variablesCodeInFlash: st.codeInFlash + st.bindings + st.literals + live,
      variablesCodeInRam: st.codeInRam + st.bindings + st.literals + live,
      v8MsPerVerifyInVm: +v8Ms.toFixed(2),
      calls: c.calls,
      loopIterations: c.iters,
      espruinoDesktopEstimateS: +((c.calls * DESKTOP_US_PER_CALL + c.iters * DESKTOP_US_PER_ITERATION) / 1e6).toFixed(1),
      espruinoCheckViolations: violations.length === 0 ? "none" : Array.from(new Set(violations)).join("; "),
    });
  }
  for (const f of figures) {
    t.log(JSON.stringify(f));
    console.log("espruino ed25519 " + JSON.stringify(f));
  }
});
