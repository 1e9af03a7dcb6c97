// `osteodrive journal dump`: every record of a journal decoded with its sequence,
// offset, time and CRC status; a flipped bit shows where and why, and the intact
// records after it are still listed (marked as not replayed); a torn tail is named
// as such, not as damage; exit 0 intact, 5 damaged, 2 missing.

import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Journal } from "../firmware/core/journal.ts";
import { dumpJournal, formatDump } from "../firmware/node/journal-dump.ts";
import { PowerCutStore } from "../sim/power-cut-store.ts";
import { EXIT } from "../firmware/node/exit-codes.ts";

const BIN = fileURLToPath(new URL("../firmware/node/bin.mjs", import.meta.url));

function journalBytes(): Uint8Array {
  const store = new PowerCutStore();
  const j = new Journal(store, 1 << 30);
  j.open(0, 0);
  j.compact({ v: 2, note: "first snapshot" }, 0);
  for (let i = 0; i < 20; i++) {
    j.append("intent", { steps: 5 + i, dir: 1, target: i * 0.3 }, 10000 * i);
    j.append("done", { issued: 5 + i, fault: "" }, 10000 * i + 2);
  }
  j.append("event", { code: "warning:force-soft-limit", detail: "force 101 N above the soft limit 100 N: slowing" }, 300000);
  return store.read().slice();
}

test("an intact journal: every record decoded with its sequence, offset, time and CRC status", (t) => {
  const bytes = journalBytes();
  const d = dumpJournal(bytes, "j.bin");
  t.is(d.records.length, 42);
  t.is(d.damage, null);
  t.is(d.tornTailBytes, 0);
  t.deepEqual(d.records.map((r) => r.seq), Array.from({ length: 42 }, (_, i) => i + 1));
  t.true(d.records.every((r, i) => r.crc === "ok" && r.replayed && (i === 0 || r.offset === d.records[i - 1].offset + d.records[i - 1].size)));
  t.like(d.records[1], { type: "intent", tMs: 0, payload: { steps: 5, dir: 1, target: 0 } });
  t.like(d.records[41], { type: "event", tMs: 300000, payload: { code: "warning:force-soft-limit" } });
  const text = formatDump(d);
  t.regex(text, /^ +42 +\d+ +event +300000 +0\.0035 +ok +warning:force-soft-limit: force 101 N/m);
  t.regex(text, /42 records replayed by recovery; no damage\n$/);
});

test("a flipped bit in the middle: the dump says where and why and still lists the intact records after it", (t) => {
  const bytes = journalBytes();
  const clean = dumpJournal(bytes, "j.bin");
  const hit = clean.records[20];
  const bad = bytes.slice();
  bad[hit.offset + hit.size - 6] ^= 0x10; // inside record 21's payload
  const d = dumpJournal(bad, "j.bin");
  t.truthy(d.damage);
  t.is(d.damage!.code, "bad-crc");
  t.is(d.damage!.offset, hit.offset);
  t.is(d.damage!.seq, 21);
  t.is(d.records.filter((r) => r.replayed).length, 20);
  const after = d.records.filter((r) => !r.replayed);
  t.deepEqual(after.map((r) => r.seq), Array.from({ length: 21 }, (_, i) => i + 22), "every intact record after the damage is found");
  t.deepEqual(after.map((r) => r.offset), clean.records.slice(21).map((r) => r.offset));
  const text = formatDump(d);
  const lines = text.split("\n");
  const at = lines.findIndex((l) => l.includes("!! DAMAGE journal bad-crc at byte " + hit.offset));
  t.true(at > 0, text);
  t.regex(lines[at - 1], /^ +20 /);
  t.regex(lines[at + 1], /^ +~ *22 /);
  t.regex(text, /20 records replayed by recovery; DAMAGED at byte \d+ \(bad-crc\), 21 intact records after it/);
});

test("a torn tail is a write cut short, not damage", (t) => {
  const bytes = journalBytes();
  const d = dumpJournal(bytes.subarray(0, bytes.length - 7), "j.bin");
  t.is(d.damage, null);
  t.is(d.records.length, 41);
  t.true(d.tornTailBytes > 0);
  t.regex(formatDump(d), /torn tail of \d+ bytes \(a write cut short, dropped\)/);
});

test("journal dump on the command line: a DIR or FILE, --json, exit 0 intact, 5 damaged, 2 missing", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "jdump-"));
  const bytes = journalBytes();
  writeFileSync(join(dir, "journal.bin"), bytes);
  const ok = spawnSync(process.execPath, [BIN, "journal", "dump", dir, "--json"], { encoding: "utf8" });
  t.is(ok.status, EXIT.ok, ok.stderr);
  t.is(JSON.parse(ok.stdout).records.length, 42);
  const bad = bytes.slice();
  bad[bytes.length - 30] ^= 1;
  writeFileSync(join(dir, "bad.bin"), bad);
  const dmg = spawnSync(process.execPath, [BIN, "journal", "dump", join(dir, "bad.bin")], { encoding: "utf8" });
  t.is(dmg.status, EXIT.damaged);
  t.regex(dmg.stdout, /!! DAMAGE journal bad-crc at byte/);
  const missing = spawnSync(process.execPath, [BIN, "journal", "dump", join(dir, "nope")], { encoding: "utf8" });
  t.is(missing.status, EXIT.usage);
  t.regex(missing.stderr, /cannot read journal .*nope: no such file or directory/);
});
