// Fetches the genuine StandardFirmata hex for the Arduino Uno from the npm package
// avrgirl-arduino@5.0.1 (junk/hex/uno/StandardFirmata.cpp.hex) into .cache/, checked
// by sha256. Idempotent: does nothing when a valid copy is present. Never committed.
// Run: node --import=tsx sim/uno/fetch-firmware.ts   (the Makefile does at setup)

import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE = "avrgirl-arduino@5.0.1";
const INNER = "package/junk/hex/uno/StandardFirmata.cpp.hex";
/** sha256 of StandardFirmata.cpp.hex in avrgirl-arduino 5.0.1 (34,320 bytes). */
export const FIRMWARE_SHA256 = "6d57ea7cf30e26c9c2f3a01ee37907d2c951f8bc9c27f84dddad12fa9c8b8f36";

export const CACHE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", ".cache");
export const FIRMWARE_PATH = join(CACHE_DIR, "StandardFirmata.uno.hex");

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export function firmwareValid(path = FIRMWARE_PATH): boolean {
  return existsSync(path) && sha256(path) === FIRMWARE_SHA256;
}

/** Returns the hex path, fetching it first when missing or corrupt; throws a named reason. */
export function ensureFirmware(): string {
  if (firmwareValid()) return FIRMWARE_PATH;
  mkdirSync(CACHE_DIR, { recursive: true });
  const work = join(CACHE_DIR, "avrgirl-pack");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  try {
    execFileSync("npm", ["pack", PACKAGE, "--pack-destination", work, "--silent"], { stdio: ["ignore", "pipe", "pipe"], timeout: 120000 });
  } catch (e: any) {
    const detail = String(e.stderr || e.message).trim().split("\n").slice(-3).join(" | ");
    throw new Error("firmware-fetch-failed: `npm pack " + PACKAGE + "` failed (offline? no registry access?): " + detail);
  }
  const tgz = join(work, "avrgirl-arduino-5.0.1.tgz");
  if (!existsSync(tgz)) throw new Error("firmware-fetch-failed: npm pack produced no " + tgz);
  execFileSync("tar", ["-xzf", tgz, "-C", work, INNER]);
  const got = sha256(join(work, INNER));
  if (got !== FIRMWARE_SHA256) throw new Error("firmware-checksum-mismatch: " + INNER + " has sha256 " + got + ", expected " + FIRMWARE_SHA256);
  renameSync(join(work, INNER), FIRMWARE_PATH);
  rmSync(work, { recursive: true, force: true });
  return FIRMWARE_PATH;
}

/** The hex path when present and valid (OSTEODRIVE_UNO_HEX names another copy), else a clear error saying how to fetch it. */
export function firmwarePath(): string {
  const path = process.env.OSTEODRIVE_UNO_HEX || FIRMWARE_PATH;
  if (!firmwareValid(path)) throw new Error("firmware-missing: " + path + " is absent or corrupt; run `node --import=tsx sim/uno/fetch-firmware.ts` (or `make install`)");
  return path;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const had = firmwareValid();
    const path = ensureFirmware();
    process.stdout.write((had ? "firmware present: " : "firmware fetched: ") + path + "\n");
  } catch (e: any) {
    process.stderr.write(e.message + "\n");
    process.exitCode = 1;
  }
}
