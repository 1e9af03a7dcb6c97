// Bench commands (bench role only, so a bench key AND the bench-mode input):
// move (a raw move of `steps` microsteps, dir 1 = distract, -1 = retract) and
// calibrate (a forward move that reports the travel the position sensor saw per
// microstep, against the profile's figure). Both run only while paused and stay
// bounded and vetted by the controller (increment cap, budget, stroke); the reply
// comes when the move ends.

import type { Direction, MoveResult } from "../../../hal/types.ts";
import type { Command, ConsoleDevice, Reply } from "./command.ts";
import { intArg } from "./command.ts";

const REFUSALS: { [code: string]: string } = {
  "wrong-phase": "bench moves run only while paused",
  "busy": "a move is under way",
  "out-of-range": "steps must be from 1 to the increment cap and the driver's largest move",
  "over-budget": "the move would exceed the rolling 24 h travel budget",
  "over-stroke": "the move would leave the stroke",
  "storage-failure": "the journal refused the move: the device faulted",
};

function startMove(dev: ConsoleDevice, steps: number, dir: Direction, reply: Reply, done: (res: MoveResult) => void): void {
  const code = dev.ctl.benchMove(steps, dir, done);
  if (code !== "") reply(code, null, REFUSALS[code]);
}

function moveCode(res: MoveResult): string {
  return res.fault === "" ? "ok" : "move-fault";
}

export const move: Command = {
  name: "move",
  roles: ["bench"],
  args: [intArg("steps", 1, 1000000, false), intArg("dir", -1, 1, false)],
  run(dev, req, _who, reply) {
    if (req.dir === 0) return reply("bad-args", null, "dir must be 1 (distract) or -1 (retract)");
    startMove(dev, req.steps, req.dir, reply, (res) => reply(moveCode(res), { issued: res.issued, fault: res.fault }, res.fault));
  },
};

export const calibrate: Command = {
  name: "calibrate",
  roles: ["bench"],
  args: [intArg("steps", 1, 1000000, false)],
  run(dev, req, _who, reply) {
    const hal = dev.hal;
    const before = hal.position.read();
    startMove(dev, req.steps, 1, reply, (res) => {
      const after = hal.position.read();
      const measured = before.ok && after.ok && res.issued > 0 ? (after.value - before.value) / res.issued : null;
      reply(moveCode(res), { issued: res.issued, fault: res.fault, beforeUm: before.value, afterUm: after.value, measuredUmPerStep: measured, profileUmPerStep: dev.ctl.deviceProfile().umPerMicrostep }, res.fault);
    });
  },
};
