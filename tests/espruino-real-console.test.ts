// The board's signature check on the real Espruino interpreter (the Pico build,
// ESPRUINO_PICO_BIN): the console core's prescription check (signed-rx.ts) with the
// sliced verifier (sliced-verifier.ts) on the interpreter's own timers and clock,
// as the board runs it: the first check says "verifying", slices of at most 20 ms
// run with 20 ms left to the rest between them, the check asked again after
// the verifier's callback gives the answer — ok for a prescription signed on Node,
// rx-bad-signature for it tampered. The whole app with its console does not fit the
// Pico build's flash (docs/espruino.md), so the app-level console runs in the vm
// shim (console-espruino.test.ts). Slices, their longest host time and the whole
// check's span are printed with the Pico estimate. Skipped with the reason when
// the interpreter is not here.

import test from "ava";
import { buildBundle } from "../firmware/node/espruino/build.ts";
import { checkBundle, formatViolation } from "../firmware/node/espruino/check.ts";
import { tokenise } from "../firmware/node/espruino/tokenise.ts";
import { newKeyPair } from "../firmware/node/console/ed25519.ts";
import { signPrescription } from "../firmware/node/console/sign.ts";
import { loadScenario } from "../sim/scenario.ts";
import { caseDir, writeFile } from "../sim/espruino-real/flash.ts";
import { Interpreter, findInterpreters, replies } from "../sim/espruino-real/interpreter.ts";
import { picoFactor } from "../sim/espruino-real/speed.ts";

const ENTRY = `
import { checkSignedRx } from "./firmware/core/console/signed-rx.ts";
import { SlicedVerifier } from "./firmware/core/console/sliced-verifier.ts";
import { parseKeyRing } from "./firmware/core/console/keys.ts";
import { parseProfile } from "./firmware/core/profile.ts";
(global as any).RX = { checkSignedRx, SlicedVerifier, parseKeyRing, parseProfile };
`;

const found = findInterpreters();
const run = found.found ? test : test.skip;

run("on the real interpreter a signed prescription is checked in slices between the interpreter's other work: accepted, and refused tampered" + (found.found ? "" : " (skipped: " + found.why + ")"), async (t) => {
  t.timeout(10 * 60000);
  const sc = loadScenario("mandible-continuous-1mm");
  const pair = newKeyPair();
  const key = Object.assign({ id: "dr-lee", role: "clinician" as const }, pair);
  const profile = Object.assign({}, sc.source.profile, { consoleKeys: { clinician: [{ id: "dr-lee", publicKey: pair.publicKey }], bench: [] } });
  const text = JSON.stringify({ deviceSerial: sc.profile.serial, counter: 2, expires: "2030-01-01T00:00:00Z", latencyDays: 0, rateMmPerDay: 0.5, rhythm: "continuous", targetLengthMm: 3, consolidationDays: 1, softForceN: 100, hardForceN: 180 });
  const signed = signPrescription(text, key);
  const b = buildBundle({ source: ENTRY });
  t.deepEqual(checkBundle(b.code, b.map).map(formatViolation), []);
  const it = await Interpreter.start(found.found!.pico, caseDir("rx"));
  try {
    await writeFile(it, { name: "rx.js", bytes: tokenise(b.code) });
    await it.request("eval(require('Storage').read('rx.js'));print('@ok')", "@ok");
    // in several lines: each is parsed in RAM, and functions typed at the console keep their code there
    const send = (js: string) => it.request(js + ";print('@ok')", "@ok");
    await send("var P=" + JSON.stringify(profile));
    await send("var clock={monoMs:function(){return getTime()*1000},wallMs:function(){return getTime()*1000},at:function(t,f){var w=t-getTime()*1000;return setTimeout(f,w>0?w:0)},cancel:function(id){clearTimeout(id)}}");
    await send("var v=new RX.SlicedVerifier(E.convolve,clock,20,20);v.deferred=true;var ctx={ring:RX.parseKeyRing(P),verifier:v,profile:RX.parseProfile(P),lastCounter:1,wallMs:1767600000000,lengthReachedUm:0};P=undefined");
    await send("var K=" + JSON.stringify(signed.key) + ",G=" + JSON.stringify(signed.sig) + ",T=" + JSON.stringify(signed.rx));
    // a stand-in for the control loop: a 10 ms timer noting the longest it had to wait while the check went on
    await send("var ticks=0,gap=0,last=getTime();function tick(){var n=getTime();if(n-last>gap)gap=n-last;last=n;ticks++;if(!global.stop)setTimeout(tick,10);}");
    await send("function check(rx,then){var first=RX.checkSignedRx(rx,K,G,ctx).code;var t0=getTime(),n0=ticks;gap=0;v.onDone=function(){then({first:first,code:RX.checkSignedRx(rx,K,G,ctx).code,slices:v.slices,steps:v.steps,spanS:getTime()-t0,ticks:ticks-n0,longestGapMs:gap*1000});};}");
    await send("tick();check(T,function(a){check(T.replace('0.5','0.6'),function(b){global.stop=1;print('@rx '+JSON.stringify({good:a,tampered:b}));});})");
    // the interpreter's event loop runs the slices on its own; the answer comes as a line
    const res = replies([await it.waitFor("@rx")], "@rx")[0];
    t.is(res.good.first, "verifying");
    t.is(res.good.code, "ok");
    t.is(res.tampered.code, "rx-bad-signature");
    t.true(res.good.ticks > res.good.slices, "the other timer ran between slices: " + res.good.ticks + " times in " + res.good.slices + " slices");
    const factor = picoFactor(found.found!.pico);
    const fig = {
      slices: res.good.slices,
      steps: res.good.steps,
      x86SpanSeconds: +res.good.spanS.toFixed(1),
      longestGapForOtherWorkMs: +res.good.longestGapMs.toFixed(1),
      picoFactor: +factor.toFixed(1),
      picoSpanMinutesEstimate: +((res.good.spanS * factor) / 60).toFixed(1),
    };
    t.log(JSON.stringify(fig));
    console.log("espruino sliced rx check " + JSON.stringify(fig));
  } finally {
    await it.kill();
  }
});
