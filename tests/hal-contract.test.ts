// The HAL contract (tests/hal-contract.ts) on the drivers that need no emulated
// CPU: the simulator and johnny-five on the in-process virtual Uno in both
// stepper modes (pins: StandardFirmata digital writes; stepper: AccelStepper), and
// once more on the Node app's file stores (journal and vault files).

import { halContract } from "./hal-contract.ts";
import { simHarness, virtualIoHarness } from "./hal-contract-harnesses.ts";

halContract("sim", simHarness, { unplug: false });
halContract("johnny-five/pins on the virtual Uno", () => virtualIoHarness("pins"), { unplug: true });
halContract("johnny-five/stepper on the virtual Uno", () => virtualIoHarness("stepper"), { unplug: true });
halContract("johnny-five/pins on the virtual Uno, the Node app's file stores", () => virtualIoHarness("pins", true), { unplug: false });
