// Dates in a time zone: one format everywhere (ISO days, "2026-11-29 21:22"), and the UTC
// instants of a zone's wall-clock times (its midnights, the hours the activity chart narrows to).

const formatters = new Map();

function partsFormatter(timeZone) {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

/** The wall-clock fields of `date` in `timeZone`. */
export function zonedParts(date, timeZone) {
  const out = {};
  for (const { type, value } of partsFormatter(timeZone).formatToParts(date)) {
    if (type !== "literal") out[type] = Number(value);
  }
  return { y: out.year, m: out.month, d: out.day, hh: out.hour % 24, mm: out.minute, ss: out.second };
}

/** How far `timeZone` is ahead of UTC at `date`, in milliseconds. */
export function offsetMs(date, timeZone) {
  const p = zonedParts(date, timeZone);
  const wall = Date.UTC(p.y, p.m - 1, p.d, p.hh, p.mm, p.ss);
  return wall - (date.getTime() - date.getUTCMilliseconds());
}

/** The instant a calendar day {y, m, d} begins in `timeZone` (DST-safe). */
export function zonedMidnight(day, timeZone) {
  return zonedInstant(day, 0, timeZone);
}

/** The instant of the wall-clock time `minutes` after midnight of `day` in `timeZone`. */
export function zonedInstant(day, minutes, timeZone) {
  const wall = Date.UTC(day.y, day.m - 1, day.d, 0, minutes);
  let instant = wall - offsetMs(new Date(wall), timeZone);
  instant = wall - offsetMs(new Date(instant), timeZone);
  return new Date(instant);
}

export function today(timeZone) {
  const p = zonedParts(new Date(), timeZone);
  return { y: p.y, m: p.m, d: p.d };
}

export function addDays(day, n) {
  const date = new Date(Date.UTC(day.y, day.m - 1, day.d + n));
  return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate() };
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

export function isoDay(day) {
  return `${day.y}-${pad(day.m)}-${pad(day.d)}`;
}

export function parseDay(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
  if (!match) return null;
  const day = { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
  return isoDay(addDays(day, 0)) === text ? day : null;
}

function offsetLabel(ms) {
  const minutes = Math.round(ms / 60000);
  const sign = minutes < 0 ? "−" : "+";
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** "14:03:22" (same day as today in the zone) or "2026-03-12 14:03:22". */
export function shortTime(iso, timeZone) {
  const p = zonedParts(new Date(iso), timeZone);
  const t = today(timeZone);
  const time = `${pad(p.hh)}:${pad(p.mm)}:${pad(p.ss)}`;
  if (p.y === t.y && p.m === t.m && p.d === t.d) return time;
  return `${isoDay(p)} ${time}`;
}

/** "2026-03-12 14:03:22.123456 Europe/London (UTC+00:00)", microseconds kept from `iso`. */
export function fullTime(iso, timeZone) {
  const date = new Date(iso);
  const p = zonedParts(date, timeZone);
  const fraction = (/\.(\d+)/.exec(iso) || [null, pad(date.getUTCMilliseconds(), 3)])[1];
  return `${p.y}-${pad(p.m)}-${pad(p.d)} ${pad(p.hh)}:${pad(p.mm)}:${pad(p.ss)}.${fraction} `
    + `${timeZone} (${offsetLabel(offsetMs(date, timeZone))})`;
}

/** "2026-03-12" for dates (e.g. "expires"), in the zone. */
export function shortDate(iso, timeZone) {
  return isoDay(zonedParts(new Date(iso), timeZone));
}

/** "2026-03-12 14:03" in the zone. */
export function dateTime(iso, timeZone) {
  const p = zonedParts(new Date(iso), timeZone);
  return `${isoDay(p)} ${pad(p.hh)}:${pad(p.mm)}`;
}

/** "2026-03-12 14:00", the wall-clock time of `date` in the zone to the minute. */
export function wallMinute(date, timeZone) {
  return dateTime(date.toISOString(), timeZone);
}
