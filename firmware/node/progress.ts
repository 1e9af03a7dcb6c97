// A progress bar with an ETA on stderr for long runs; silent when stderr is not a
// terminal (CI, pipes), so `--json` output stays clean. While a bar is on screen it
// owns the terminal line: anything else written to stderr (or to stdout when that is
// the same kind of terminal) first clears the bar, prints on its own line, and the
// bar is drawn again under it, so no log line ever lands inside a bar.

export interface Progress {
  update(fraction: number, label: string): void;
  done(): void;
}

/** What the bar writes to and intercepts (injectable for tests). */
export interface ProgressIo {
  stream: { isTTY?: boolean; write: (chunk: any, ...rest: any[]) => boolean };
  /** Other streams sharing the terminal (stdout); their writes also step around the bar. */
  others: Array<{ isTTY?: boolean; write: (chunk: any, ...rest: any[]) => boolean }>;
  /** Milliseconds, monotonic. */
  now: () => number;
}

const CLEAR = "\r\x1b[K";
/** Redraw at least this often (ms) so the ETA keeps moving when the percentage does not. */
const REDRAW_MS = 1000;
/** No ETA until this much of the run and this long have passed (a first guess is noise). */
const ETA_MIN_FRACTION = 0.005;
const ETA_MIN_MS = 500;

/** "ETA 42s", "ETA 3m05s", "ETA 2h14m", "ETA 3d04h". */
export function formatEta(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return "ETA " + s + "s";
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 3600) return "ETA " + Math.floor(s / 60) + "m" + pad(s % 60) + "s";
  if (s < 86400) return "ETA " + Math.floor(s / 3600) + "h" + pad(Math.floor((s % 3600) / 60)) + "m";
  return "ETA " + Math.floor(s / 86400) + "d" + pad(Math.floor((s % 86400) / 3600)) + "h";
}

/** Wall time left, from the time spent so far and the fraction done ("ETA …" while too early to say). */
export function eta(elapsedMs: number, fraction: number): string {
  if (!(fraction >= ETA_MIN_FRACTION) || elapsedMs < ETA_MIN_MS) return "ETA …";
  if (fraction >= 1) return "ETA 0s";
  return formatEta((elapsedMs * (1 - fraction)) / fraction);
}

const processIo = (): ProgressIo => ({ stream: process.stderr, others: [process.stdout], now: () => performance.now() });

export function progressBar(enabled: boolean, width = 30, io: ProgressIo = processIo()): Progress {
  const tty = enabled && io.stream.isTTY === true;
  const t0 = io.now();
  let lastPct = -1;
  let lastDrawMs = -Infinity;
  let line = "";
  let shown = false;
  // a foreign write that did not end its line: the bar waits below it until it does
  let partial = false;
  const restore: Array<() => void> = [];
  const raw = io.stream.write.bind(io.stream);

  const draw = () => {
    if (line !== "" && !partial) {
      raw(CLEAR + line);
      shown = true;
    }
  };
  const intercept = (s: ProgressIo["stream"]) => {
    const orig = s.write;
    const own = orig.bind(s);
    s.write = (chunk: any, ...rest: any[]): boolean => {
      if (shown) raw(CLEAR);
      shown = false;
      const ok = own(chunk, ...rest);
      const text = typeof chunk === "string" ? chunk : String(chunk);
      if (text.length > 0) partial = !text.endsWith("\n");
      draw();
      return ok;
    };
    restore.push(() => {
      s.write = orig;
    });
  };

  return {
    update(fraction, label) {
      if (!tty) return;
      if (restore.length === 0) {
        intercept(io.stream);
        for (const o of io.others) if (o.isTTY === true && o !== io.stream) intercept(o);
      }
      const f = Math.min(1, Math.max(0, isFinite(fraction) ? fraction : 0));
      const pct = Math.floor(f * 100);
      const now = io.now();
      if (pct === lastPct && now - lastDrawMs < REDRAW_MS) return;
      lastPct = pct;
      lastDrawMs = now;
      const filled = Math.round(f * width);
      line = "[" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + String(pct).padStart(3) + "% " + eta(now - t0, f) + "  " + label + "\x1b[K";
      draw();
    },
    done() {
      if (shown) raw(CLEAR);
      shown = false;
      line = "";
      for (const r of restore.splice(0)) r();
    },
  };
}
