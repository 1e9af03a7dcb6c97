// A progress bar on stderr for long runs; silent when stderr is not a terminal
// (CI, pipes), so `--json` output stays clean.

export interface Progress {
  update(fraction: number, label: string): void;
  done(): void;
}

export function progressBar(enabled: boolean, width = 30): Progress {
  const tty = enabled && process.stderr.isTTY === true;
  let last = -1;
  return {
    update(fraction, label) {
      if (!tty) return;
      const pct = Math.floor(fraction * 100);
      if (pct === last) return;
      last = pct;
      const filled = Math.round(fraction * width);
      process.stderr.write("\r[" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + String(pct).padStart(3) + "% " + label + "\x1b[K");
    },
    done() {
      if (tty && last >= 0) process.stderr.write("\r\x1b[K");
    },
  };
}
