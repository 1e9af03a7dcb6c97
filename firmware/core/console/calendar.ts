// UTC calendar arithmetic for the console (prescription expiry, the time command)
// without the platform's Date parser, whose accepted formats differ between
// engines: exactly "YYYY-MM-DDTHH:MM:SSZ" is read and written.

import { MS_PER_DAY } from "../units.ts";

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Milliseconds since 1970 of "YYYY-MM-DDTHH:MM:SSZ", or NaN when it is not exactly that (or not a real date). */
export function parseUtc(s: unknown): number {
  if (typeof s !== "string" || s.length !== 20) return NaN;
  if (s.charAt(4) !== "-" || s.charAt(7) !== "-" || s.charAt(10) !== "T" || s.charAt(13) !== ":" || s.charAt(16) !== ":" || s.charAt(19) !== "Z") return NaN;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const se = digits(s, 17, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59) return NaN;
  const monthDays = daysFromCivil(mo === 12 ? y + 1 : y, mo === 12 ? 1 : mo + 1, 1) - daysFromCivil(y, mo, 1);
  if (d > monthDays) return NaN;
  return daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + se) * 1000;
}

function pad(n: number, w: number): string {
  let s = String(n);
  while (s.length < w) s = "0" + s;
  return s;
}

/** "YYYY-MM-DDTHH:MM:SSZ" of a time in ms since 1970 (seconds truncated), for years 1970–9999. */
export function formatUtc(ms: number): string {
  const days = Math.floor(ms / MS_PER_DAY);
  const sec = Math.floor((ms - days * MS_PER_DAY) / 1000);
  // civil_from_days
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(Math.floor(sec / 3600), 2) + ":" + pad(Math.floor(sec / 60) % 60, 2) + ":" + pad(sec % 60, 2) + "Z";
}
