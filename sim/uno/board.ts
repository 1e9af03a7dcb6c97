// Boots the genuine StandardFirmata hex on an emulated Uno wired to a bench rig:
// GPIO changes drive the rig's STEP/DIR/EN/alarm lines, ADC conversions read the
// rig's sensor voltages, all in emulated board time.

import { readFileSync } from "node:fs";
import { EmulatedUno } from "./avr.ts";
import { firmwarePath } from "./fetch-firmware.ts";
import { loadHex } from "./intel-hex.ts";
import type { Rig } from "./rig.ts";
import { UnoRunner } from "./runner.ts";
import type { RunnerOptions } from "./runner.ts";

export function bootUno(rig: Rig, opts: RunnerOptions = {}): UnoRunner {
  const uno = new EmulatedUno(loadHex(readFileSync(firmwarePath(), "utf8")), { bootMemo: true });
  uno.onPin((pin, level, atMs) => rig.line(pin, level, atMs));
  uno.analogVolts = (channel, atMs) => rig.volts(channel, atMs);
  return new UnoRunner(uno, opts);
}
