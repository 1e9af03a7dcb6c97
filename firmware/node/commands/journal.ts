// `osteodrive journal dump DIR|FILE [--vault FILE] [--json]`: every record of a
// device journal, decoded (read with the device key in its vault), with its
// sequence, offset, time and tag status; a damaged journal shows where and why,
// and the intact records after the damage (journal-dump.ts).

import { parseArgs, usageLine, UsageError } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { formatDump, readJournalDump } from "../journal-dump.ts";

const DUMP: CommandSpec = {
  name: "journal dump",
  summary: "prints every journal record decoded (sequence, offset, type, time, tag status, payload); damage shows where and why",
  synopsis: "DIR|FILE [--vault FILE] [--json]",
  positionals: [{ name: "DIR|FILE", help: "a journal file, or a directory holding journal.bin (device --journal DIR, a trial's --out DIR)" }],
  flags: [
    { name: "vault", value: "FILE", help: "the vault holding the device key the journal is authenticated with", default: "vault.bin beside the journal (a trial's), else DIR.vault beside its directory (a device's)" },
    { name: "json", help: "print the dump as JSON: {file, vault, bytes, committedBytes, journalId, records, damage, laterDamage, tornTailBytes}" },
  ],
  notes: ["exit code: 0 the journal is intact (a torn tail is not damage), 5 it is damaged (the dump shows where), 2 no such file or no vault key"],
};

export const spec: CommandSpec = {
  name: "journal",
  summary: "tools for a device journal (read-only)",
  synopsis: "dump DIR|FILE [--vault FILE] [--json]",
  flags: [],
  subcommands: [DUMP],
};

export async function main(argv: string[]): Promise<number> {
  if (argv[0] !== "dump") throw new UsageError((argv[0] ? "unknown subcommand " + JSON.stringify(argv[0]) : "a subcommand is needed") + "\n" + usageLine(DUMP));
  const args = parseArgs(argv.slice(1), DUMP);
  if (args.positional.length !== 1) throw new UsageError("one DIR or FILE is needed\n" + usageLine(DUMP));
  const d = readJournalDump(args.positional[0], args.values.vault || "");
  process.stdout.write(args.switches.json ? JSON.stringify(d) + "\n" : formatDump(d));
  return d.damage ? EXIT.damaged : EXIT.ok;
}
