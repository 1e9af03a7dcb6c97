// Progress bars: every bar shows an ETA from the wall time spent and the fraction
// done; a line written to stderr or to a terminal stdout while a bar is up lands on
// its own line (the bar is cleared first and drawn again under it); nothing is drawn
// when stderr is not a terminal; done() gives the streams back untouched.

import test from "ava";
import { eta, formatEta, progressBar } from "../firmware/node/progress.ts";
import type { ProgressIo } from "../firmware/node/progress.ts";

function fakeIo(tty = true) {
  let now = 0;
  const screen = { err: "", out: "" };
  const io: ProgressIo = {
    stream: { isTTY: tty, write: (c: any) => ((screen.err += String(c)), true) },
    others: [{ isTTY: tty, write: (c: any) => ((screen.out += String(c)), true) }],
    now: () => now,
  };
  return { io, screen, advance: (ms: number) => (now += ms) };
}

/** What a terminal shows for the stderr byte stream: \r returns to the line start, ESC[K clears the rest. */
function terminal(bytes: string): string[] {
  const lines: string[] = [""];
  let col = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === "\r") col = 0;
    else if (c === "\n") {
      lines.push("");
      col = 0;
    } else if (bytes.startsWith("\x1b[K", i)) {
      lines[lines.length - 1] = lines[lines.length - 1].slice(0, col);
      i += 2;
    } else {
      const l = lines[lines.length - 1];
      lines[lines.length - 1] = l.slice(0, col) + c + l.slice(col + 1);
      col++;
    }
  }
  return lines;
}

test("the ETA is the time left at the pace so far, in readable units", (t) => {
  t.is(eta(10_000, 0.25), "ETA 30s");
  t.is(eta(60_000, 0.5), "ETA 1m00s");
  t.is(eta(3_600_000, 0.5), "ETA 1h00m");
  t.is(eta(86_400_000, 0.25), "ETA 3d00h");
  t.is(eta(100, 0.5), "ETA …", "too early to say");
  t.is(eta(10_000, 0), "ETA …");
  t.is(eta(10_000, 1), "ETA 0s");
  t.is(formatEta(185_000), "ETA 3m05s");
});

test("a bar shows its percentage, ETA and label, and redraws the ETA each second", (t) => {
  const { io, screen, advance } = fakeIo();
  const bar = progressBar(true, 10, io);
  bar.update(0, "sim");
  advance(20_000);
  bar.update(0.4, "sim day 4");
  t.deepEqual(terminal(screen.err), ["[####------]  40% ETA 30s  sim day 4"]);
  advance(1000);
  bar.update(0.4, "sim day 4");
  t.deepEqual(terminal(screen.err), ["[####------]  40% ETA 32s  sim day 4"], "same percentage, a second later: the ETA moves");
  bar.done();
  t.deepEqual(terminal(screen.err), [""], "done() clears the bar");
});

test("log lines written while a bar is up land on their own lines, with the bar redrawn under them", (t) => {
  const { io, screen, advance } = fakeIo();
  const bar = progressBar(true, 10, io);
  advance(5000);
  bar.update(0.5, "trial");
  io.stream.write("advisor: backend wasm\n");
  io.stream.write("partial ");
  io.stream.write("line\n");
  t.deepEqual(terminal(screen.err), ["advisor: backend wasm", "partial line", "[#####-----]  50% ETA 5s  trial"]);
  // stdout on the same terminal steps around the bar too
  io.others[0].write("result\n");
  t.is(screen.out, "result\n");
  t.deepEqual(terminal(screen.err).slice(-1), ["[#####-----]  50% ETA 5s  trial"]);
  const patched = io.stream.write;
  bar.done();
  t.not(io.stream.write, patched, "done() restores the stream's own write");
  io.stream.write("after\n");
  t.deepEqual(terminal(screen.err), ["advisor: backend wasm", "partial line", "after", ""]);
});

test("nothing is drawn or intercepted when stderr is not a terminal", (t) => {
  const { io, screen, advance } = fakeIo(false);
  const write = io.stream.write;
  const bar = progressBar(true, 10, io);
  advance(5000);
  bar.update(0.5, "x");
  t.is(io.stream.write, write);
  io.stream.write("line\n");
  bar.done();
  t.is(screen.err, "line\n");
});
