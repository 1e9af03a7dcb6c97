// A HAL sensor on a Firmata analog input: every report is converted through the
// two-point calibration and stamped with the HAL clock when it arrives. Each read
// first lets the link judge the board's silence; with the link lost it returns the
// last value, its old stamp and ok: false (rule R4).

import type { Clock, Reading, Sensor } from "../types.ts";
import type { Calibration } from "./calibration.ts";
import { countsToValue } from "./calibration.ts";
import type { BoardIO } from "./io.ts";
import type { Link } from "./link.ts";

export class AnalogSensor implements Sensor {
  private last: Reading = { value: NaN, atMs: -Infinity, ok: false };
  private link: Link;
  reports = 0;

  constructor(io: BoardIO, channel: number, cal: Calibration, clock: Clock, link: Link) {
    this.link = link;
    io.analogRead(channel, (counts) => {
      if (link.lost) return;
      this.last = { value: countsToValue(cal, counts), atMs: clock.monoMs(), ok: true };
      this.reports++;
      link.heard();
    });
  }

  read(): Reading {
    this.link.check();
    const r = this.last;
    return { value: r.value, atMs: r.atMs, ok: r.ok && !this.link.lost };
  }
}
