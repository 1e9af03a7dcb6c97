// Typed declarations of the Espruino 2v29 built-ins the Espruino driver uses
// (espruino.com/Reference). Global in the type checker only: the code that calls
// them lives in hal/espruino and firmware/espruino, which never run under Node
// except inside the vm shim (sim/espruino-shim.ts) that provides them.
// `require` is not declared here (it would clash with Node's): hal/espruino/driver.ts
// declares it locally for require("Storage").

/** A pin object; `new Pin("B3")` makes one from its name. */
declare class Pin {
  constructor(name: string);
}

/** Sets an output pin (pinMode is set to output automatically). */
declare function digitalWrite(pin: Pin, value: number | boolean): void;
/** Sets a pin's mode, e.g. "input_pullup" for an open-drain signal. */
declare function pinMode(pin: Pin, mode: "input" | "input_pullup" | "input_pulldown" | "output" | "opendrain" | "analog"): void;
/** Reads a digital input: 0 or 1. */
declare function digitalRead(pin: Pin): number;
/**
 * Pulses the pin for `time` ms with `value`, or, with an array of times, outputs a
 * square wave starting with `value`. Uses a hardware timer and returns at once; a
 * pulse queued while one runs on the same pin starts after it.
 */
declare function digitalPulse(pin: Pin, value: number | boolean, time: number | ArrayLike<number>): void;
/** The pin's analog value, 0 (GND) to 1 (VCC). */
declare function analogRead(pin: Pin): number;
/** PWM output; `soft`/`forceSoft` use the software (utility-timer) PWM. */
declare function analogWrite(pin: Pin, value: number, options?: { freq?: number; soft?: boolean; forceSoft?: boolean }): void;
/** System time in seconds (float); the same clock as Date.now()/1000 once setTime() ran. */
declare function getTime(): number;

/** Espruino's utility object (only the members the firmware uses). */
declare const E: {
  /** Resets the chip unless kicked within `timeoutS`; `isAuto` false = kick by hand. */
  enableWatchdog(timeoutS: number, isAuto?: boolean): void;
  kickWatchdog(): void;
  /** A 32-bit number from the hardware random generator. */
  hwRand(): number;
};

/** Espruino's `crypto` module (on boards built with it: CRYPTO, SHA256, TLS → AES), natives only. */
interface EspruinoCrypto {
  SHA256(data: Uint8Array): ArrayBuffer;
  AES: { encrypt(data: Uint8Array, key: Uint8Array, options?: { iv?: Uint8Array; mode?: string }): ArrayBuffer };
}

/** The Storage library: files in flash, write-once bytes (erased = 0xFF). */
interface EspruinoStorage {
  /** Creates a file (offset 0 or absent, `size` bytes) or writes into an existing one at `offset`. Throws when it cannot. */
  write(name: string, data: string | Uint8Array, offset?: number, size?: number): boolean;
  /** The file's bytes (memory-mapped, no RAM copy), or undefined. */
  readArrayBuffer(name: string): ArrayBuffer | undefined;
  erase(name: string): void;
  list(match?: RegExp): string[];
}
