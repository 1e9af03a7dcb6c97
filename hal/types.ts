// The hardware abstraction layer: the one interface every driver implements
// (simulator, johnny-five/Firmata, Espruino). Types only, no code.
//
// Rules every driver must follow (one contract suite, tests/hal-contract.ts, runs them
// against every driver that can run here: hal-contract.test.ts, hal-contract-uno.test.ts,
// espruino-contract.test.ts):
//  R1  Nothing moves unless `stepper.move` was called while enabled; `disable()`
//      stops a move in progress at once and de-energises the driver.
//  R2  A move is bounded: at most `caps.maxMoveSteps` microsteps and it must finish
//      within `maxDurationMs`; a driver that cannot finish stops and reports
//      `fault: "timeout"` with the steps actually issued. Exactly one callback per move.
//  R3  Only one move at a time: a move requested while another runs is refused with
//      `fault: "busy"` and issues no step.
//  R4  A sensor reading carries the monotonic time it was taken (`atMs`) and `ok`;
//      a driver never invents a value: on failure it returns `ok: false` and the
//      last value it had, with that value's old timestamp.
//  R5  Clock: `monoMs` never goes backwards; `wallMs` may jump (the core checks).
//      Timers fire at or after their absolute monotonic deadline, never before, in
//      deadline order; a timer callback never runs re-entrantly inside another call.
//  R6  Store appends are atomic per record or report failure; `read` returns what
//      survived (the journal's codec finds torn tails) or throws when it cannot
//      read at all; `committedBytes` counts what was acknowledged, so a medium
//      that lost bytes in the middle is told apart from a torn last write;
//      `preserve` moves the content aside read-only. The vault follows R6 too.
//  R7  Callbacks may run synchronously (simulator) or later (real boards): callers
//      must not assume either.

/** What a driver can do. The core reads these instead of guessing. */
export interface HalCaps {
  /** Largest single move the driver accepts (microsteps). */
  maxMoveSteps: number;
  /** Fastest step rate the driver sustains (microsteps per second). */
  maxStepRateHz: number;
  /** Whether the driver can report its own fault input (e.g. a driver FAULT pin). */
  driverFaultInput: boolean;
  /** Whether `store` survives a power cut (flash/file) or is volatile. */
  persistentStore: boolean;
  /**
   * Whether `vault` lives apart from `store` (another file, another flash file or
   * region) and survives both a power cut and the journal's loss. The device key,
   * the provisioning marker and the replay counter live there; without such a
   * vault the core keeps no journal (the boot latches `vault-missing`).
   */
  vault: boolean;
  /** Whether a separate enable line exists (else disable only stops pulsing). */
  enableLine: boolean;
}

export type Direction = 1 | -1;

export interface MoveRequest {
  steps: number;
  dir: Direction;
  maxDurationMs: number;
}

export type MoveFault = "" | "busy" | "disabled" | "timeout" | "driver-fault" | "too-large" | "link-lost";

export interface MoveResult {
  /** Microsteps actually issued (pulses sent), in the requested direction. */
  issued: number;
  /** Empty when the move completed normally. */
  fault: MoveFault;
  startedAtMs: number;
  endedAtMs: number;
}

export interface Stepper {
  enable(): void;
  disable(): void;
  isEnabled(): boolean;
  move(req: MoveRequest, done: (res: MoveResult) => void): void;
  /** True while the driver's fault input is asserted (always false without the capability). */
  driverFault(): boolean;
}

export interface Reading {
  value: number;
  atMs: number;
  ok: boolean;
}

export interface Sensor {
  /** Position: gap length in µm. Force: newtons (positive = tissue resisting distraction). */
  read(): Reading;
}

export interface Clock {
  monoMs(): number;
  wallMs(): number;
  /** Calls `fn` once at (or after) the absolute monotonic time `atMs`. Returns an id. */
  at(atMs: number, fn: () => void): number;
  cancel(id: number): void;
}

export interface Store {
  /** Appends the bytes (copied before it returns: the caller reuses its buffer). */
  append(bytes: Uint8Array): boolean;
  /** What survived; throws when the medium cannot be read at all (never "empty" instead). */
  read(): Uint8Array;
  /** Replace the whole content atomically (snapshot + compaction). */
  replace(bytes: Uint8Array): boolean;
  /**
   * Bytes the store acknowledged (appends and replaces that returned true) and owes
   * on read, or -1 when it keeps no such count. A read shorter than this lost
   * committed bytes — a file cut in the middle, not a torn last write.
   */
  committedBytes(): number;
  /**
   * Moves the current content aside, unchanged and read-only, where no later write
   * reaches it (a damaged journal kept as evidence); returns where, for people to
   * find it, or "" when the store cannot (then nothing changed). Empty afterwards.
   */
  preserve(label: string): string;
}

/** What an app hands a board driver to keep across power cuts: the journal's store, the vault, and what they are. */
export interface HalStorage {
  store: Store;
  vault: Store;
  /** HalCaps.persistentStore and HalCaps.vault. */
  persistent: boolean;
  vaultApart: boolean;
  random(n: number): Uint8Array;
}

export type AlarmLevel = 0 | 1 | 2 | 3; // none, advisory, warning (medium), fault (high) — IEC 60601-1-8 priorities

export interface Annunciator {
  set(level: AlarmLevel, code: string): void;
  level(): AlarmLevel;
}

/** A digital input (e.g. the physical bench-mode jumper). */
export interface Input {
  read(): boolean;
}

export interface Hal {
  name: string;
  caps: HalCaps;
  stepper: Stepper;
  position: Sensor;
  force: Sensor;
  clock: Clock;
  /** The journal. */
  store: Store;
  /** The small store apart from the journal's (see HalCaps.vault). */
  vault: Store;
  /** Fresh bytes from the platform's random source (device keys, journal ids). */
  random(n: number): Uint8Array;
  alarm: Annunciator;
  /** The bench-mode input; absent on patient devices (reads as off). */
  benchInput?: Input;
}
