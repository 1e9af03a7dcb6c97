// The alarm output on Espruino, one pin (LED or buzzer driver) with the IEC
// 60601-1-8 visual patterns: advisory steady on, warning (medium priority) flashing
// at 0.6 Hz, fault (high priority) at 2 Hz. Flashing is the software PWM of the
// utility timer (analogWrite forceSoft), so it keeps going if the interpreter hangs.

import type { AlarmLevel, Annunciator } from "../types.ts";

/** Flash frequency per level (Hz); 0 = steady. */
const FLASH_HZ = [0, 0, 0.6, 2];

export class PinAnnunciator implements Annunciator {
  pin: Pin;
  lvl: AlarmLevel;
  code: string;

  constructor(pinName: string) {
    this.pin = new Pin(pinName);
    this.lvl = 0;
    this.code = "";
    digitalWrite(this.pin, 0);
  }

  set(level: AlarmLevel, code: string): void {
    this.lvl = level;
    this.code = code;
    if (FLASH_HZ[level] > 0) analogWrite(this.pin, 0.5, { freq: FLASH_HZ[level], forceSoft: true });
    else digitalWrite(this.pin, level > 0 ? 1 : 0);
  }

  level(): AlarmLevel {
    return this.lvl;
  }
}
