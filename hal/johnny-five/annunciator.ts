// The alarm output: an LED or an active buzzer on a digital pin, on while any
// alarm is raised. Keeps the history (time, level, code) for logs and tests; with
// the link lost the level is still recorded (the pin cannot be reached).

import type { AlarmLevel, Annunciator, Clock } from "../types.ts";
import type { BoardIO } from "./io.ts";
import type { Link } from "./link.ts";

export class PinAnnunciator implements Annunciator {
  private lvl: AlarmLevel = 0;
  history: Array<{ atMs: number; level: AlarmLevel; code: string }> = [];
  private io: BoardIO;
  private pin: number;
  private clock: Clock;
  private link: Link;

  constructor(io: BoardIO, pin: number, clock: Clock, link: Link) {
    this.io = io;
    this.pin = pin;
    this.clock = clock;
    this.link = link;
    io.pinMode(pin, io.MODES.OUTPUT);
    io.digitalWrite(pin, 0);
  }

  set(level: AlarmLevel, code: string): void {
    this.lvl = level;
    this.history.push({ atMs: this.clock.monoMs(), level, code });
    if (!this.link.lost) this.io.digitalWrite(this.pin, level > 0 ? 1 : 0);
  }

  level(): AlarmLevel {
    return this.lvl;
  }
}
