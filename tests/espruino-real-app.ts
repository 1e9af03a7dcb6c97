// The Pico app as the real-interpreter tests load it: built for the Pico's pool and
// 48 KB of Storage, but with the core's JS cipher (the reference build,
// espruino-pico, has no crypto module; a real Pico's firmware has AES and SHA-256),
// and whether it fits that Storage beside the journal and the vault at all. When it
// does not, the tests that need the app on the interpreter are skipped with that
// reason (the build's own guard; docs/espruino.md), not run against a smaller app.

import { BOARDS } from "../firmware/espruino/boards.ts";
import type { EspruinoHalConfig } from "../hal/espruino/config.ts";
import { makeEspruinoBuild } from "../firmware/node/espruino/make.ts";
import type { EspruinoBuild } from "../firmware/node/espruino/make.ts";
import type { Scenario } from "../sim/scenario.ts";

/** The reference interpreter's board: a Pico without the crypto module. */
export const REFERENCE_PICO = Object.assign({}, BOARDS.pico, { crypto: { aes: false, sha256: false } });

/** The app as the reference Pico takes it, with its journal unless `journal` is false (`bundle espruino --no-journal`). */
export function referenceBuild(sc: Scenario, hal: EspruinoHalConfig, journal = true): EspruinoBuild {
  return makeEspruinoBuild({ board: REFERENCE_PICO, hal, profile: sc.source.profile, prescription: sc.source.prescription, journal });
}

/** "" when the build fits the Pico's Storage, else why the app cannot go into the interpreter's flash. */
export function unfit(b: EspruinoBuild): string {
  const storage = b.problems.filter((p) => /Storage bytes/.test(p));
  return storage.length === 0 ? "" : "the app does not fit a Pico's Storage, so it cannot be loaded into the Pico build's flash (" + storage.join("; ") + "; docs/espruino.md)";
}
