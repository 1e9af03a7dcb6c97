// What the bundler embeds in the Espruino build: the driver configuration, the
// device profile and the prescription as JSON (both validated again on the board
// by the same parsers the Node app uses). No prescription = the board holds still.
// The journal (firmware/core/journal.ts) lives in the flash store; it compacts when
// `journalCompactBytes` were appended since its last snapshot, so one store file must
// hold a snapshot plus that much. 0 runs without a journal (a reset then restarts
// the prescription from its beginning: bench use only).

import type { EspruinoHalConfig } from "../../hal/espruino/config.ts";

export interface BundleConfig {
  board: string;
  hal: EspruinoHalConfig;
  profile: unknown;
  prescription: unknown;
  journalCompactBytes: number;
}
