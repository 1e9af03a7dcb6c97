// Splits a byte stream into text lines (LF, CR dropped) for the small line
// protocols between the emulated board's process, its host and its controller.

export function lineReader(onLine: (line: string) => void): (chunk: Buffer | string) => void {
  let buf = "";
  return (chunk) => {
    buf += chunk.toString();
    let i = buf.indexOf("\n");
    while (i >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, "");
      buf = buf.slice(i + 1);
      if (line !== "") onLine(line);
      i = buf.indexOf("\n");
    }
  };
}
