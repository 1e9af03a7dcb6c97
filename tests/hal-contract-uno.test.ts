// The HAL contract (tests/hal-contract.ts) on real parts: johnny-five →
// firmata-io → the emulated ATmega328P running the genuine StandardFirmata hex,
// over an in-process byte stream and over a socat pty pair opened with
// serialport 13. Deterministic in emulated time (the pty adds only latency).

import { halContract } from "./hal-contract.ts";
import { unoHarness, unoPtyHarness } from "./hal-contract-harnesses.ts";

halContract("johnny-five/pins on the emulated Uno", unoHarness, { unplug: true });
halContract("johnny-five/pins on the emulated Uno over a pty", unoPtyHarness, { unplug: true });
