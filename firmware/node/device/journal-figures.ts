// What a Node device says of its journal when it ends (both targets): the records
// and bytes on disk, read back with the key in its vault as the next start would,
// the damage if any, and whether this start resumed from a journal.

import { inspectJournal } from "../../core/journal-boot.ts";
import { cmacAes128 } from "../../core/cmac.ts";
import type { Recovery } from "../../core/journal-recover.ts";
import type { Store } from "../../../hal/types.ts";

export function journalFigures(stores: { store: Store; vault: Store }, boot: Recovery | null) {
  const rec = inspectJournal(stores.store, stores.vault, cmacAes128);
  return {
    journalRecords: rec ? rec.records : 0,
    journalBytes: rec ? rec.validBytes : 0,
    journalError: !rec ? "no vault key to read the journal with" : rec.error ? rec.error.message : null,
    recoveredAtBoot: boot !== null && boot.error === null && boot.format === "v3",
  };
}
