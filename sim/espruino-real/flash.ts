// The flash file of the real interpreter's Pico build, laid out as a Pico's flash:
// the Pico build's Storage spans 4 pages of 16 KB; page 0 (the Pico's bootloader
// page, not Storage on the board) holds the harness as `.boot0` and a pad file
// that ends exactly at page 1, so the app's files start where a Pico's Storage
// starts and the app has the Pico's 3 × 16 KB. Files are written by the
// interpreter itself (Storage.write, in base64 chunks over its console), so the
// bytes on "flash" are Espruino's own format. The layout is read back and checked.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Interpreter, replies } from "./interpreter.ts";

export const FLASH_FILE = "espruino.flash";
export const PAGE_BYTES = 16384;
/** Storage's file header (jsflash.h JsfFileHeader) and its data alignment (JSF_ALIGNMENT). */
export const HEADER_BYTES = 32;
export const ALIGN_BYTES = 4;
/** The Pico's Storage: pages 1–3 of the harness's flash. */
export const PICO_STORAGE_BYTES = 3 * PAGE_BYTES;
/** Name of the app in the harness's flash (`.boot0` on a board; here the harness is `.boot0`, and loads the app). */
export const APP_FILE = "od.js";
const CHUNK_BYTES = 480;

export interface FlashFile {
  name: string;
  bytes: Uint8Array;
}

export interface FileLayout {
  name: string;
  /** Offset of the file's data in the flash file, and its size. */
  offset: number;
  size: number;
}

function aligned(n: number): number {
  return Math.ceil(n / ALIGN_BYTES) * ALIGN_BYTES;
}

/** A fresh directory for one interpreter case. */
export function caseDir(label: string): string {
  const root = join(tmpdir(), "osteodrive-espruino");
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, label + "-"));
}

/** Writes one Storage file through the interpreter, in base64 chunks. */
export async function writeFile(it: Interpreter, f: FlashFile): Promise<void> {
  const b = Buffer.from(f.bytes);
  for (let off = 0; off < Math.max(1, b.length); off += CHUNK_BYTES) {
    const chunk = b.subarray(off, off + CHUNK_BYTES).toString("base64");
    it.send("require('Storage').write(" + JSON.stringify(f.name) + ",atob(" + JSON.stringify(chunk) + ")," + off + "," + b.length + ")");
  }
  const ok = await it.request("print('@w '+JSON.stringify(require('Storage').list()))", "@w");
  const names = replies(ok, "@w")[0] as string[];
  if (names.indexOf(f.name) < 0) throw new Error("Storage did not take " + f.name + " (" + b.length + " bytes): " + it.output.slice(-5).join(" / "));
}

/** Where each file's data sits in the flash file (from the memory-mapped strings Storage.read gives). */
async function layout(it: Interpreter, names: string[]): Promise<FileLayout[]> {
  const js = "var S=require('Storage');print('@l '+JSON.stringify(" + JSON.stringify(names) + ".map(function(n){var s=S.read(n);return [E.getAddressOf(s,true),s.length];})))";
  const rows = replies(await it.request(js, "@l"), "@l")[0] as number[][];
  const base = rows[0][0] - HEADER_BYTES;
  return names.map((name, i) => ({ name, offset: rows[i][0] - base, size: rows[i][1] }));
}

/**
 * Writes the harness (on the Pico build: page 0, with its pad) and then `files`
 * into a fresh flash file in `dir`; returns the layout. Throws when the harness
 * does not fit page 0 or a file does not land where Storage should put it.
 */
export async function writeFlash(bin: string, dir: string, harness: Uint8Array, files: FlashFile[], picoLayout: boolean): Promise<FileLayout[]> {
  const padBytes = PAGE_BYTES - 2 * HEADER_BYTES - aligned(harness.length);
  if (picoLayout && padBytes < ALIGN_BYTES) throw new Error("the harness (" + harness.length + " bytes) does not fit the flash's page 0 (" + PAGE_BYTES + " bytes)");
  // the Pico layout pads page 0 so the app starts where a Pico's Storage starts; other builds take the files as they come
  const lead: FlashFile[] = picoLayout ? [{ name: ".boot0", bytes: harness }, { name: "pad", bytes: new Uint8Array(padBytes) }] : [{ name: ".boot0", bytes: harness }];
  const all: FlashFile[] = lead.concat(files);
  const it = await Interpreter.start(bin, dir);
  try {
    for (const f of all) await writeFile(it, f);
    // only the Pico build maps its flash, so only there do Storage's strings give flash addresses
    if (!picoLayout) return [];
    const where = await layout(it, all.map((f) => f.name));
    let expect = HEADER_BYTES;
    for (let i = 0; i < all.length; i++) {
      if (where[i].offset !== expect || where[i].size !== all[i].bytes.length) {
        throw new Error("flash layout: " + all[i].name + " at " + where[i].offset + " (" + where[i].size + " bytes), expected " + expect + " (" + all[i].bytes.length + ")");
      }
      expect += aligned(all[i].bytes.length) + HEADER_BYTES;
    }
    return where;
  } finally {
    await it.kill();
  }
}

/** A copy of a prepared flash file in a fresh case directory. */
export function copyFlash(fromDir: string, label: string): string {
  const dir = caseDir(label);
  const src = join(fromDir, FLASH_FILE);
  if (!existsSync(src)) throw new Error("no flash file in " + fromDir);
  copyFileSync(src, join(dir, FLASH_FILE));
  return dir;
}
