// How a johnny-five board is wired and driven: pins, stepper mode, rates and
// timeouts in BOARD time (ms / Hz of the board's own clock), calibrations, and the
// bench time compression (device ms per board ms) the HAL clock runs at.

import type { Calibration } from "./calibration.ts";

export type StepperMode = "pins" | "stepper";

/**
 * Fastest `pins`-mode rate: each microstep is two 3-byte Firmata port messages, so
 * 57,600 baud carries about 950 a second (bench/uno.ts measures it). Beyond that
 * pulses queue on the wire, behind any later disable.
 */
export const PINS_MAX_STEP_RATE_HZ = 900;

export interface JohnnyFiveConfig {
  /** `pins`: STEP/DIR pulses by Firmata digital writes (StandardFirmata); `stepper`: Firmata AccelStepper sysex (ConfigurableFirmata). */
  mode: StepperMode;
  stepPin: number;
  dirPin: number;
  enablePin: number;
  /** A4988/DRV8825: EN low = driver on. */
  enableActiveLow: boolean;
  /** DIR level that distracts (+1). */
  dirForwardHigh: boolean;
  /** LED or active buzzer: on while an alarm is raised. */
  alarmPin: number;
  /** Analog channels (A0 = 0). */
  positionChannel: number;
  forceChannel: number;
  position: Calibration;
  force: Calibration;
  /** Microsteps per board second the driver issues (pins mode: what the serial link sustains). */
  stepRateHz: number;
  maxMoveSteps: number;
  /** Firmata analog report interval (board ms, ≥ 10). */
  samplingIntervalMs: number;
  /** No analog report for this long (board ms) = link lost. */
  linkTimeoutMs: number;
  /** Handshake limit (board ms). */
  readyTimeoutMs: number;
  /** Host timer lateness tolerated before a move is cut with `timeout` (board ms). */
  jitterMs: number;
  /** Device ms per board ms (1 = real time; > 1 only for bench-only profiles). */
  timeScale: number;
}
