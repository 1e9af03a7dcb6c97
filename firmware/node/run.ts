// Runs the CLI and exits as soon as the command returns: a library timer or handle
// left behind (firmata-io's version timeout, a serial port) never keeps a finished
// command alive, and socat goes with the process (sim/uno/pty.ts). bin.mjs runs it
// through tsx; the tests run its prebuilt bundle (tests/helpers/bundle.ts).
import { main } from "./cli.ts";

process.exit(await main(process.argv.slice(2)));
