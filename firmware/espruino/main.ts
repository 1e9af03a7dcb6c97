// The Espruino bundle's entry: the app without a console (the Pico build: its
// Storage holds the app and the journal, not a console as well; docs/espruino.md).

import { runApp } from "./app.ts";

runApp(null);
