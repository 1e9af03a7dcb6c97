// The vault: what must outlive the journal, kept in a second store apart from it
// (HAL `vault`, caps.vault): the device key the journal is authenticated with, the
// id of the journal this device keeps (the provisioning marker: a device whose
// vault names a journal was provisioned, and a missing journal is a fault, never a
// fresh start), the highest prescription counter ever accepted (the replay
// counter: it never goes back, whatever happens to the journal) and a watermark,
// the last journal seq committed, so an older copy of the journal put back in
// place is told apart. One line of ASCII, rewritten whole (Store.replace):
//   ODV1 <key hex> <journal id hex or -> <rx counter> <seq> <tag hex>
// tag: the first 8 bytes of AES-128-CMAC under the key over the text before it, so
// bit rot or an edit without the key is seen. Platform-free and Espruino-safe.

import type { Store } from "../../hal/types.ts";
import type { MacFactory } from "./cmac.ts";
import { fromHex, toHex } from "./console/bytes.ts";

const MAGIC = "ODV1";
export const KEY_BYTES = 16;
const TAG_BYTES = 8;

export class Vault {
  store: Store;
  mac: MacFactory;
  /** "empty" (never written), "ok", or "damaged" (see `problem`). */
  status: string;
  problem: string;
  key: Uint8Array | null;
  /** Hex id of the journal this device keeps, "" before its first journal. */
  journalId: string;
  rxCounter: number;
  seq: number;

  constructor(store: Store, mac: MacFactory) {
    this.store = store;
    this.mac = mac;
    this.status = "empty";
    this.problem = "";
    this.key = null;
    this.journalId = "";
    this.rxCounter = 0;
    this.seq = 0;
  }

  /** Reads the store; `status` says what was found. */
  load(): void {
    let bytes: Uint8Array;
    try {
      bytes = this.store.read();
    } catch (e: any) {
      return this.damaged("the vault cannot be read: " + e.message);
    }
    if (bytes.length === 0) {
      this.status = "empty";
      return;
    }
    let text = "";
    for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    const f = text.split(" ");
    const key = f.length === 6 && f[0] === MAGIC ? fromHex(f[1], KEY_BYTES) : null;
    const rx = f.length === 6 ? parseCount(f[3]) : -1;
    const seq = f.length === 6 ? parseCount(f[4]) : -1;
    if (!key || rx < 0 || seq < 0 || (f[2] !== "-" && !fromHex(f[2], 8))) return this.damaged("the vault is not a valid " + MAGIC + " record (" + bytes.length + " bytes)");
    if (f[5] !== this.tagOf(key, text.substring(0, text.lastIndexOf(" ")))) return this.damaged("the vault fails its check (damaged, or changed without the device key)");
    this.status = "ok";
    this.key = key;
    this.journalId = f[2] === "-" ? "" : f[2];
    this.rxCounter = rx;
    this.seq = seq;
  }

  /** Makes the device key from `random` (a never-provisioned device); false when the vault refused it. */
  makeKey(random: Uint8Array): boolean {
    if (random.length !== KEY_BYTES) return false;
    this.key = random;
    return this.save(this.journalId, this.rxCounter, this.seq);
  }

  /** Names the journal this device keeps from now (provisioning, or a clinician's new journal), at seq `seq`. */
  setJournal(idHex: string, seq: number): boolean {
    return this.save(idHex, this.rxCounter, seq);
  }

  /** Raises the replay counter to `counter`; refuses to lower it. */
  raiseRxCounter(counter: number): boolean {
    return counter >= this.rxCounter && this.save(this.journalId, counter, this.seq);
  }

  /** Moves the watermark up to `seq` (never down). */
  mark(seq: number): boolean {
    return seq <= this.seq || this.save(this.journalId, this.rxCounter, seq);
  }

  private save(idHex: string, rx: number, seq: number): boolean {
    const key = this.key;
    if (!key || !(rx >= 0 && rx <= 9007199254740991 && Math.floor(rx) === rx) || !(seq >= 0 && seq <= 9007199254740991)) return false;
    const body = MAGIC + " " + toHex(key) + " " + (idHex === "" ? "-" : idHex) + " " + rx + " " + seq;
    const text = body + " " + this.tagOf(key, body);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    if (!this.store.replace(bytes)) return false;
    this.status = "ok";
    this.journalId = idHex;
    this.rxCounter = rx;
    this.seq = seq;
    return true;
  }

  private tagOf(key: Uint8Array, body: string): string {
    const b = new Uint8Array(body.length);
    for (let i = 0; i < body.length; i++) b[i] = body.charCodeAt(i);
    const tag = new Uint8Array(TAG_BYTES);
    this.mac(key).tag(b, 0, b.length, tag, 0, TAG_BYTES);
    return toHex(tag);
  }

  private damaged(why: string): void {
    this.status = "damaged";
    this.problem = why;
  }
}

/** A whole number written in decimal (no sign, no leading zeros beyond "0"), or -1. */
function parseCount(s: string): number {
  if (s.length === 0 || s.length > 16 || (s.length > 1 && s.charAt(0) === "0")) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n <= 9007199254740991 ? n : -1;
}
