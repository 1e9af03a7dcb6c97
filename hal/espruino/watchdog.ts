// The hardware watchdog (E.enableWatchdog in manual mode): once armed the chip
// resets unless kick() is called within the timeout. Only the control loop kicks it,
// after a complete tick (firmware/espruino/main.ts), so a hung interpreter, a dead
// timer chain or a move that never ends all reset the board. It cannot be turned off
// again until the next reset.

export class Watchdog {
  timeoutS: number;
  armed: boolean;

  constructor(timeoutS: number) {
    this.timeoutS = timeoutS;
    this.armed = false;
  }

  /** Arms the watchdog (no-op when the timeout is 0). */
  arm(): void {
    if (this.timeoutS <= 0 || this.armed) return;
    E.enableWatchdog(this.timeoutS, false);
    this.armed = true;
  }

  kick(): void {
    if (this.armed) E.kickWatchdog();
  }
}
