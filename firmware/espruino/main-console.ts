// The Espruino bundle's entry with the device console on USB
// (`osteodrive bundle espruino --console`).

import { runApp } from "./app.ts";
import { serveUsb, usbConsoleParts } from "./usb-console.ts";

runApp({ parts: usbConsoleParts, serve: serveUsb });
