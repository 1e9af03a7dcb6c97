// What the Espruino interpreter provides (2v29, espruino.com/Reference and the
// interpreter's source): its global identifiers, the static members it implements on
// Math and Number, and members it lacks on other built-ins. Data only: the bundle
// checker (firmware/node/espruino/globals.ts) and the vm shim (sim/espruino-shim.ts)
// both read it.

export const ESPRUINO_GLOBALS = new Set([
  // language built-ins
  "Array", "ArrayBuffer", "Boolean", "DataView", "Date", "Error", "EvalError", "Function", "Infinity", "InternalError",
  "JSON", "Math", "NaN", "Number", "Object", "Promise", "RangeError", "ReferenceError", "RegExp", "String",
  "SyntaxError", "TypeError", "undefined", "arguments", "eval", "isFinite", "isNaN", "parseFloat", "parseInt",
  "encodeURIComponent", "decodeURIComponent", "atob", "btoa",
  "Float32Array", "Float64Array", "Int8Array", "Int16Array", "Int32Array", "Uint8Array", "Uint8ClampedArray",
  "Uint16Array", "Uint24Array", "Uint32Array",
  // Espruino
  "E", "global", "process", "console", "print", "require", "Pin", "Serial", "SPI", "I2C", "Waveform",
  "setTimeout", "setInterval", "clearTimeout", "clearInterval", "changeInterval", "setWatch", "clearWatch",
  "digitalWrite", "digitalRead", "digitalPulse", "analogRead", "analogWrite", "pinMode", "getPinMode",
  "getTime", "setTime", "getSerial", "peek8", "peek16", "peek32", "poke8", "poke16", "poke32", "shiftOut",
  "save", "load", "reset", "dump", "echo", "trace", "HIGH", "LOW",
]);

/** Static members Espruino implements on Math and Number (anything else is missing). */
export const STATIC_MEMBERS: { [obj: string]: string[] } = {
  Math: ["E", "PI", "LN2", "LN10", "LOG2E", "LOG10E", "SQRT2", "SQRT1_2", "abs", "acos", "asin", "atan", "atan2", "cos", "sin", "tan",
    "pow", "sqrt", "exp", "log", "ceil", "floor", "round", "random", "min", "max", "sign", "clip", "wrap"],
  Number: ["NaN", "MAX_VALUE", "MIN_VALUE", "NEGATIVE_INFINITY", "POSITIVE_INFINITY"],
};

/** Members the interpreter (2v29, measured, and its source) lacks on other built-ins. */
export const MISSING_MEMBERS: { [obj: string]: string[] } = {
  Object: ["freeze", "isFrozen", "seal", "isSealed", "preventExtensions", "getOwnPropertySymbols", "is"],
};
