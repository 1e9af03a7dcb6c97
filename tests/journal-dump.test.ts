// `osteodrive journal dump`: every record of a journal decoded (under the device
// key in its vault) with its sequence, offset, time and tag status; a flipped bit
// or a missing record shows where and why, and the intact records after it are
// still listed (marked as not replayed); a torn tail is named as such, not as
// damage; exit 0 intact, 5 damaged, 2 missing or no vault key.

import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Journal } from "../firmware/core/journal.ts";
import { cmacAes128 } from "../firmware/core/cmac.ts";
import { Vault } from "../firmware/core/vault.ts";
import { dumpJournal, formatDump } from "../firmware/node/journal-dump.ts";
import { vaultStore } from "../hal/node/storage.ts";
import { PowerCutStore } from "../sim/power-cut-store.ts";
import { EXIT } from "../firmware/node/exit-codes.ts";
import { JOURNAL_ID, KEY } from "./journal-fixtures.ts";
import { cli } from "./helpers/cli-in-process.ts";


/** Head, snapshot, 10 moves asked for with an intent (each then a wide move), 20 short moves, one event: 43 records. */
function journalBytes(): Uint8Array {
  const store = new PowerCutStore();
  const j = new Journal(store, 1 << 30, cmacAes128, KEY);
  if (!j.create(JOURNAL_ID, 1, { v: 3, note: "first snapshot" }, 0, 100)) throw new Error(j.lastError);
  let est = 100;
  for (let i = 0; i < 10; i++) {
    j.intent(500 + i, 1, est, 10000 * i);
    j.move(500 + i, 500 + i, 1, i === 3 ? "timeout" : "", est, 10000 * i + 2);
    est += 10;
  }
  for (let i = 0; i < 20; i++) {
    j.move(5 + i, 5 + i, 1, "", est, 100000 + 1000 * i);
    est += 0.5;
  }
  j.event("warning:force-soft-limit", "force 101 N above the soft limit 100 N: slowing", 300000);
  return store.read().slice();
}

const dump = (bytes: Uint8Array) => dumpJournal(bytes, "j.bin", KEY, bytes.length);

test("an intact journal: every record decoded with its sequence, offset, time and tag status", (t) => {
  const bytes = journalBytes();
  const d = dump(bytes);
  t.is(d.records.length, 43);
  t.is(d.damage, null);
  t.is(d.tornTailBytes, 0);
  t.is(d.journalId, "0102030405060708");
  t.deepEqual(d.records.map((r) => r.seq), Array.from({ length: 43 }, (_, i) => i + 1));
  t.true(d.records.every((r, i) => r.tag === "ok" && r.replayed && (i === 0 || r.offset === d.records[i - 1].offset + d.records[i - 1].size)));
  t.like(d.records[0], { type: "head", offset: 0, size: 22, payload: { journalId: "0102030405060708", baseSeq: 1 } });
  t.like(d.records[1], { type: "snapshot", tMs: 0, payload: { note: "first snapshot" } });
  t.like(d.records[2], { type: "intent", tMs: 0, payload: { steps: 500, dir: 1, estUm: 100 } });
  t.like(d.records[9], { type: "move", tMs: 30002, size: 29, payload: { issued: 503, requested: 503, fault: "timeout", estUm: 130 } });
  t.like(d.records[23], { type: "move", tMs: 101000, size: 14, payload: { issued: 6, estUm: 200.5 } });
  t.like(d.records[42], { type: "event", tMs: 300000, payload: { code: "warning:force-soft-limit" } });
  const text = formatDump(d);
  t.regex(text, /^ +43 +\d+ +event +300000 +0\.0035 +ok +warning:force-soft-limit: force 101 N/m);
  t.regex(text, /^ +10 +\d+ +move +30002 .* ok +issued 503 dir 1 from 130\.000 µm fault timeout$/m);
  t.regex(text, /43 records replayed by recovery; no damage\n$/);
});

test("a flipped bit in the middle: the dump says where and why and still lists the intact records after it", (t) => {
  const bytes = journalBytes();
  const clean = dump(bytes);
  const hit = clean.records[30]; // a short move: seq 31
  const bad = bytes.slice();
  bad[hit.offset + 3] ^= 0x10; // its step count
  const d = dump(bad);
  t.truthy(d.damage);
  t.is(d.damage!.code, "bad-tag");
  t.is(d.damage!.offset, hit.offset);
  t.is(d.damage!.seq, 31);
  t.is(d.records.filter((r) => r.replayed).length, 30);
  const after = d.records.filter((r) => !r.replayed);
  t.deepEqual(after.map((r) => r.seq), Array.from({ length: 12 }, (_, i) => i + 32), "every intact record after the damage is found");
  t.deepEqual(after.map((r) => r.offset), clean.records.slice(31).map((r) => r.offset));
  // a short move's time and estimate are relative to the one lost: unknown, until the event's own time
  t.true(after.slice(0, 11).every((r) => r.type === "move" && isNaN(r.tMs) && isNaN(r.payload.estUm) && r.payload.issued === clean.records[r.seq - 1].payload.issued));
  t.like(after[11], { type: "event", tMs: 300000 });
  const text = formatDump(d);
  const lines = text.split("\n");
  const at = lines.findIndex((l) => l.includes("!! DAMAGE journal bad-tag at byte " + hit.offset + " (record seq 31)"));
  t.true(at > 0, text);
  t.regex(lines[at - 1], /^ +30 /);
  t.regex(lines[at + 1], /^ +~ *32 +\d+ +move +\? +\? +ok +issued \d+ dir 1 from \?$/);
  t.regex(text, /30 records replayed by recovery; DAMAGED at byte \d+ \(bad-tag\), 12 intact records after it/);
});

test("a record missing from the middle is named a gap, and the records after it are still listed", (t) => {
  const bytes = journalBytes();
  const clean = dump(bytes);
  const gone = clean.records[5]; // an intent: seq 6
  const cut = new Uint8Array(bytes.length - gone.size);
  cut.set(bytes.subarray(0, gone.offset));
  cut.set(bytes.subarray(gone.offset + gone.size), gone.offset);
  const d = dump(cut);
  t.like(d.damage, { code: "seq-gap", offset: gone.offset, seq: 6 });
  t.deepEqual(d.records.filter((r) => !r.replayed).map((r) => r.seq), Array.from({ length: 37 }, (_, i) => i + 7));
  t.deepEqual(d.laterDamage, []);
});

test("a torn tail is a write cut short, not damage; a format-2 journal is named as one", (t) => {
  const bytes = journalBytes();
  const torn = bytes.subarray(0, bytes.length - 7);
  const d = dumpJournal(torn, "j.bin", KEY, -1);
  t.is(d.damage, null);
  t.is(d.records.length, 42);
  t.true(d.tornTailBytes > 0);
  t.regex(formatDump(d), /torn tail of \d+ bytes \(a write cut short, dropped\)/);
  // the same bytes where the store says it committed them all: lost from the middle
  t.is(dumpJournal(torn, "j.bin", KEY, bytes.length).damage!.code, "truncated");
  const old = dumpJournal(Uint8Array.of(0xa7, 2, 0, 0, 0, 0), "old.bin", KEY, 6);
  t.like(old.damage, { code: "old-format", offset: 0 });
  t.is(old.records.length, 0);
});

test("journal dump on the command line: the vault beside it or --vault, --json, exit 0 intact, 5 damaged, 2 missing", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "jdump-"));
  const bytes = journalBytes();
  writeFileSync(join(dir, "journal.bin"), bytes);
  const noVault = await cli("journal", "dump", dir);
  t.is(noVault.status, EXIT.usage);
  t.regex(noVault.stderr, /no vault for .*journal\.bin \(looked for .*vault\.bin and .*\.vault\)/);
  const v = new Vault(vaultStore(join(dir, "vault.bin")), cmacAes128);
  v.load();
  t.true(v.makeKey(KEY) && v.setJournal("0102030405060708", 43));
  const ok = await cli("journal", "dump", dir, "--json");
  t.is(ok.status, EXIT.ok, ok.stderr);
  t.is(JSON.parse(ok.stdout).records.length, 43);
  t.is(JSON.parse(ok.stdout).vault, join(dir, "vault.bin"));
  const bad = bytes.slice();
  bad[bytes.length - 30] ^= 1;
  writeFileSync(join(dir, "bad.bin"), bad);
  const dmg = await cli("journal", "dump", join(dir, "bad.bin"));
  t.is(dmg.status, EXIT.damaged);
  t.regex(dmg.stdout, /!! DAMAGE journal bad-tag at byte/);
  // another device's vault: nothing is authentic under its key
  const other = mkdtempSync(join(tmpdir(), "jdump-other-"));
  const w = new Vault(vaultStore(join(other, "vault.bin")), cmacAes128);
  w.load();
  t.true(w.makeKey(new Uint8Array(16).fill(7)));
  const foreign = await cli("journal", "dump", dir, "--vault", join(other, "vault.bin"));
  t.is(foreign.status, EXIT.damaged);
  t.regex(foreign.stdout, /!! DAMAGE journal bad-tag at byte 0 \(record seq \?\): the head is not authentic/);
  const missing = await cli("journal", "dump", join(dir, "nope"));
  t.is(missing.status, EXIT.usage);
  t.regex(missing.stderr, /cannot read journal .*nope: no such file or directory/);
});
