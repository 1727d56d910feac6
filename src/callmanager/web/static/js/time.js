// Dates in the tenant's time zone: formatting, and the UTC instants of its midnights.

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
  const wall = Date.UTC(day.y, day.m - 1, day.d);
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

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "14:03:22" (same day as today in the zone) or "12 Mar 14:03:22". */
export function shortTime(iso, timeZone) {
  const p = zonedParts(new Date(iso), timeZone);
  const t = today(timeZone);
  const time = `${pad(p.hh)}:${pad(p.mm)}:${pad(p.ss)}`;
  if (p.y === t.y && p.m === t.m && p.d === t.d) return time;
  const year = p.y === t.y ? "" : ` ${p.y}`;
  return `${p.d} ${MONTHS[p.m - 1]}${year} ${time}`;
}

/** "2026-03-12 14:03:22.123456 Europe/London (UTC+00:00)", microseconds kept from `iso`. */
export function fullTime(iso, timeZone) {
  const date = new Date(iso);
  const p = zonedParts(date, timeZone);
  const fraction = (/\.(\d+)/.exec(iso) || [null, pad(date.getUTCMilliseconds(), 3)])[1];
  return `${p.y}-${pad(p.m)}-${pad(p.d)} ${pad(p.hh)}:${pad(p.mm)}:${pad(p.ss)}.${fraction} `
    + `${timeZone} (${offsetLabel(offsetMs(date, timeZone))})`;
}

/** "12 Mar 2026" for dates (e.g. "expires"), in the zone. */
export function shortDate(iso, timeZone) {
  const p = zonedParts(new Date(iso), timeZone);
  return `${p.d} ${MONTHS[p.m - 1]} ${p.y}`;
}

/** "12 Mar 2026, 14:03" in the zone. */
export function dateTime(iso, timeZone) {
  const p = zonedParts(new Date(iso), timeZone);
  return `${p.d} ${MONTHS[p.m - 1]} ${p.y}, ${pad(p.hh)}:${pad(p.mm)}`;
}
