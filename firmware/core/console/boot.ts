// Builds the controller as the console left it before a reboot: the wall-clock
// correction goes under the HAL clock first (the controller's recovery reads the
// wall clock), then the prescription in force is rebuilt from the journal's last
// snapshot. Apps with a console (or that ever had one) boot through this.

import type { Hal } from "../../../hal/types.ts";
import type { DeviceProfile } from "../profile.ts";
import type { Prescription } from "../prescription.ts";
import type { Journal } from "../journal.ts";
import { recover } from "../journal.ts";
import { Controller } from "../controller.ts";
import type { ControllerObserver } from "../controller.ts";
import { CorrectedClock } from "./wall-clock.ts";
import { imageFromJournal, prescriptionInForce } from "./restore.ts";
import type { ConsoleImage } from "./restore.ts";

export interface RestoredDevice {
  ctl: Controller;
  /** The clock the controller runs on (the board's, plus the console's correction). */
  clock: CorrectedClock;
  image: ConsoleImage;
}

/** A controller (not booted yet) on `hal` with the console's journaled changes restored; `factory` is the prescription the app was built with. */
export function restoreController(hal: Hal, profile: DeviceProfile, factory: Prescription, journal: Journal, observer: ControllerObserver | null): RestoredDevice {
  const image = imageFromJournal(recover(hal.store.read(), Infinity, 0));
  const clock = new CorrectedClock(hal.clock, image.wallCorrectionMs);
  const onClock: Hal = Object.assign({}, hal, { clock });
  const ctl = new Controller(onClock, profile, prescriptionInForce(image, profile, factory), 0, observer, journal);
  if (image.rx || image.wallCorrectionMs !== 0) ctl.consoleImage = image;
  return { ctl, clock, image };
}
