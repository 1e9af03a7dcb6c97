// The Espruino driver alone on the vm shim: bundles hal/espruino with a given
// configuration (as the app bundle would), boots it in a fresh shim and hands
// back the HAL object living in that context, for driver and contract tests.

import type { EspruinoHal } from "../hal/espruino/driver.ts";
import { buildBundle } from "../firmware/node/espruino/build.ts";
import type { Bundle } from "../firmware/node/espruino/build.ts";
import { EspruinoShim } from "../sim/espruino-shim.ts";
import type { ShimOptions } from "../sim/espruino-shim.ts";

const ENTRY = `
import { flashStorage, makeEspruinoHal } from "./hal/espruino/driver.ts";
declare const CFG: any;
(global as any).hal = makeEspruinoHal(CFG, flashStorage(CFG));
`;

const bundles = new Map<string, Bundle>();

/** The driver bundle for a configuration (built once per configuration). */
export function driverBundle(opts: ShimOptions): Bundle {
  const key = JSON.stringify(opts.hal);
  let b = bundles.get(key);
  if (!b) {
    b = buildBundle({ source: ENTRY, define: { CFG: opts.hal } });
    bundles.set(key, b);
  }
  return b;
}

export function bootEspruinoHal(opts: ShimOptions): { shim: EspruinoShim; hal: EspruinoHal } {
  const shim = new EspruinoShim(opts);
  shim.run(driverBundle(opts).code);
  return { shim, hal: shim.context.hal as EspruinoHal };
}
