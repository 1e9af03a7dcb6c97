// The vault (device key, provisioning marker, replay counter, watermark), the
// audit trail's two kinds of entry, and the file store's commit record: each on
// its own.

import test from "ava";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Vault } from "../firmware/core/vault.ts";
import { AuditTrail, COUNT_BATCH, COUNTS_EVENT } from "../firmware/core/audit.ts";
import { cmacAes128 } from "../firmware/core/cmac.ts";
import { FileStore } from "../hal/node/file-store.ts";
import { PowerCutStore } from "../sim/power-cut-store.ts";
import { KEY } from "./journal-fixtures.ts";

test("vault: empty until a key is made; its fields round-trip; the counter and the watermark never go down", (t) => {
  const store = new PowerCutStore();
  const v = new Vault(store, cmacAes128);
  v.load();
  t.is(v.status, "empty");
  t.false(v.setJournal("0102030405060708", 2), "nothing is written without a key");
  t.true(v.makeKey(KEY));
  t.true(v.setJournal("0102030405060708", 2));
  t.true(v.raiseRxCounter(3));
  t.false(v.raiseRxCounter(2), "refuses to go back");
  t.true(v.mark(40));
  t.true(v.mark(10), "a lower watermark is no change");
  const again = new Vault(store, cmacAes128);
  again.load();
  t.deepEqual([again.status, again.journalId, again.rxCounter, again.seq], ["ok", "0102030405060708", 3, 40]);
  t.deepEqual(Array.from(again.key!), Array.from(KEY));
});

test("vault: any changed byte, a rewritten line without the key, or garbage is damaged", (t) => {
  const store = new PowerCutStore();
  const v = new Vault(store, cmacAes128);
  v.makeKey(KEY);
  v.setJournal("0102030405060708", 2);
  const good = store.read();
  for (let i = 0; i < good.length; i++) {
    const s = new PowerCutStore(good);
    s.flipBit(i, i % 7);
    const d = new Vault(s, cmacAes128);
    d.load();
    t.is(d.status, "damaged", "byte " + i);
  }
  const text = new TextDecoder().decode(good).replace(" 0 2 ", " 9 2 ");
  const edited = new Vault(new PowerCutStore(new TextEncoder().encode(text)), cmacAes128);
  edited.load();
  t.is(edited.status, "damaged", "the counter raised by hand");
  const unreadable = new PowerCutStore(good);
  unreadable.read = () => {
    throw new Error("EIO");
  };
  const u = new Vault(unreadable, cmacAes128);
  u.load();
  t.is(u.status, "damaged");
  t.regex(u.problem, /cannot be read: EIO/);
});

test("audit trail: events in order up to the cap, counts coalesced and batched, no count ever evicts an event", (t) => {
  const a = new AuditTrail(3);
  a.add(1, 10, "phase", "latency");
  for (let i = 0; i < 10 * COUNT_BATCH; i++) a.count("patient status ok", 1);
  t.deepEqual(a.image().events.map((e) => e.code), ["phase"]);
  t.is(a.image().counts["patient status ok"], 10 * COUNT_BATCH);
  let due = false;
  const b = new AuditTrail(3);
  for (let i = 0; i < COUNT_BATCH; i++) due = b.count("patient log ok", 1);
  t.true(due, "a batch is due after " + COUNT_BATCH);
  const text = b.pendingText();
  b.flushed();
  t.is(b.pendingText(), "");
  const replayed = new AuditTrail(3);
  replayed.add(5, 20, COUNTS_EVENT, text);
  t.is(replayed.image().counts["patient log ok"], COUNT_BATCH, "a journaled batch folds back into the counts");
  for (let i = 0; i < 5; i++) a.add(2 + i, 20 + i, "console", "clinician:dr-lee rx ok #" + i);
  t.deepEqual(a.image().events.map((e) => e.detail), ["clinician:dr-lee rx ok #2", "clinician:dr-lee rx ok #3", "clinician:dr-lee rx ok #4"]);
  t.is(a.image().dropped, 3, "only events pushed events out");
  for (let i = 0; i < 100; i++) a.count("kind " + i, 1);
  t.true(Object.keys(a.image().counts).length <= 33, "kinds are capped (then other)");
  t.true(a.image().counts.other > 0);
});

test("file store: the commit record tells a cut in the middle from a torn write, survives a replace, and goes with a preserved file", (t) => {
  const dir = fs.mkdtempSync(join(tmpdir(), "osteodrive-commit-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "journal.bin");
  const s = new FileStore(file);
  t.is(s.committedBytes(), -1, "no commit record yet");
  t.true(s.replace(Uint8Array.of(1, 2, 3, 4)));
  t.true(s.append(Uint8Array.of(5, 6)));
  t.is(new FileStore(file).committedBytes(), 6);
  fs.appendFileSync(file, Uint8Array.of(7)); // a torn write: beyond what was committed
  t.is(new FileStore(file).committedBytes(), 6);
  fs.truncateSync(file, 3); // a cut in the middle
  t.is(new FileStore(file).committedBytes(), 6, "still says 6: the file lost committed bytes");
  t.true(s.replace(Uint8Array.of(9)));
  t.is(new FileStore(file).committedBytes(), 1);
  fs.rmSync(file);
  t.is(new FileStore(file).committedBytes(), 1, "a file that is gone still owes what it committed");
  t.true(s.replace(Uint8Array.of(8, 8)));
  const where = s.preserve("refused");
  t.is(where, file + ".refused-1");
  t.is(fs.statSync(where).mode & 0o777, 0o444);
  t.deepEqual(Array.from(fs.readFileSync(where)), [8, 8]);
  t.deepEqual(Array.from(s.read()), []);
  t.true(s.committedBytes() <= 0, "the empty store owes nothing");
  const vault = new FileStore(join(dir, "vault.bin"), fs, 0o600);
  t.true(vault.replace(Uint8Array.of(1)));
  t.is(fs.statSync(join(dir, "vault.bin")).mode & 0o777, 0o600);
});
