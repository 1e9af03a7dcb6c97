// The johnny-five HAL driver: a Board over an IO plugin, a stepper in `pins` or
// `stepper` mode, position and force from calibrated analog inputs, the enable
// line, an alarm pin, and the serial link as a fault source (a lost or closed
// port ends a move with `link-lost` and makes readings ok: false). Rates and
// timeouts are configured in board time and run on the HAL clock in device time
// (× timeScale, bench-only compression).

import type { Board } from "johnny-five";
import type { Clock, Hal, HalCaps, HalStorage, Stepper } from "../types.ts";
import { AnalogSensor } from "./analog-sensor.ts";
import { PinAnnunciator } from "./annunciator.ts";
import type { JohnnyFiveConfig } from "./config.ts";
import { connectBoard, waitFor } from "./connect.ts";
import { FirmataStepper } from "./firmata-stepper.ts";
import type { BoardIO } from "./io.ts";
import { Link } from "./link.ts";
import { PinsStepper } from "./pins-stepper.ts";

export interface JohnnyFiveHal extends Hal {
  board: Board;
  io: BoardIO;
  link: Link;
  position: AnalogSensor;
  force: AnalogSensor;
  alarm: PinAnnunciator;
  /** Disables the motor (while the link is up) and stops the watchdog. */
  close(): void;
}

function makeStepper(io: BoardIO, clock: Clock, link: Link, cfg: JohnnyFiveConfig): Stepper {
  const k = cfg.timeScale;
  const common = {
    stepPin: cfg.stepPin,
    dirPin: cfg.dirPin,
    enablePin: cfg.enablePin,
    enableActiveLow: cfg.enableActiveLow,
    dirForwardHigh: cfg.dirForwardHigh,
    intervalMs: (1000 / cfg.stepRateHz) * k,
    jitterMs: cfg.jitterMs * k,
    maxMoveSteps: cfg.maxMoveSteps,
  };
  if (cfg.mode === "pins") return new PinsStepper(io, clock, link, common);
  return new FirmataStepper(io, clock, link, { ...common, stepRateHz: cfg.stepRateHz, replyMs: cfg.linkTimeoutMs * k });
}

/** Connects and configures the board; resolves once both analog inputs have reported. */
export async function openJohnnyFiveHal(io: BoardIO, clock: Clock, storage: HalStorage, cfg: JohnnyFiveConfig): Promise<JohnnyFiveHal> {
  const k = cfg.timeScale;
  const board = await connectBoard(io, clock, cfg.readyTimeoutMs * k);
  const link = new Link(clock, cfg.linkTimeoutMs * k);
  link.watch(io);
  link.watch(board);
  board.samplingInterval(cfg.samplingIntervalMs);
  const stepper = makeStepper(io, clock, link, cfg);
  const position = new AnalogSensor(io, cfg.positionChannel, cfg.position, clock, link);
  const force = new AnalogSensor(io, cfg.forceChannel, cfg.force, clock, link);
  const alarm = new PinAnnunciator(io, cfg.alarmPin, clock, link);
  const reporting = await waitFor(clock, () => position.reports > 0 && force.reports > 0, cfg.readyTimeoutMs * k, cfg.samplingIntervalMs * k);
  if (!reporting) throw new Error("no-analog-reports: the board answered the handshake but sent no analog readings within " + cfg.readyTimeoutMs + " ms");
  link.startWatchdog();
  const caps: HalCaps = {
    maxMoveSteps: cfg.maxMoveSteps,
    maxStepRateHz: cfg.stepRateHz / k,
    driverFaultInput: false,
    persistentStore: storage.persistent,
    enableLine: true,
    vault: storage.vaultApart,
  };
  return {
    name: "johnny-five/" + cfg.mode,
    caps,
    board,
    io,
    link,
    stepper,
    position,
    force,
    clock,
    store: storage.store,
    vault: storage.vault,
    random: (n: number) => storage.random(n),
    alarm,
    close() {
      stepper.disable();
      link.stopWatchdog();
    },
  };
}
