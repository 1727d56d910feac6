// The date filter of the audit log and call logs: today, the last N days or custom dates (a
// custom end may carry a time, as the activity chart narrows to hours), its form field, and the
// instants it covers in the tenant's time zone.

import { ctx } from "./context.js";
import { h } from "./dom.js";
import { addDays, isoDay, parseDay, today, zonedInstant, zonedMidnight } from "./time.js";

/** The longest span the audit API searches, in days. */
export const MAX_DAYS = 366;
const DAY_MS = 24 * 3600 * 1000;
const WHEN = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2}))?$/;
const todayIso = () => isoDay(today(ctx.timeZone));

/** "2026-03-12" or "2026-03-12T14:00" (also with a space) as {day, minutes} (minutes null for a day). */
export function parseWhen(text) {
  const match = WHEN.exec(String(text || "").trim());
  const day = match && parseDay(match[1]);
  if (!day) return null;
  if (match[2] === undefined) return { day, minutes: null };
  const [hh, mm] = [Number(match[2]), Number(match[3])];
  return hh < 24 && mm < 60 ? { day, minutes: hh * 60 + mm } : null;
}

/** The URL form of a valid `text`: "2026-03-12" or "2026-03-12T14:00"; null if it isn't one. */
function canonical(text) {
  const when = parseWhen(text);
  if (!when) return null;
  if (when.minutes === null) return isoDay(when.day);
  const pad = (n) => String(n).padStart(2, "0");
  return `${isoDay(when.day)}T${pad(Math.floor(when.minutes / 60))}:${pad(when.minutes % 60)}`;
}

const shown = (text) => text.replace("T", " ");
const startOf = (w, tz) => (w.minutes === null ? zonedMidnight(w.day, tz) : zonedInstant(w.day, w.minutes, tz));
const endOf = (w, tz) => (w.minutes === null ? zonedMidnight(addDays(w.day, 1), tz) : zonedInstant(w.day, w.minutes, tz));

/** The custom range of the last `days` days up to today, kept within MAX_DAYS across a DST change. */
export function lastDays(days = MAX_DAYS) {
  const t = today(ctx.timeZone);
  let first = addDays(t, 1 - days);
  const end = zonedMidnight(addDays(t, 1), ctx.timeZone);
  if (end - zonedMidnight(first, ctx.timeZone) > MAX_DAYS * DAY_MS) first = addDays(first, 1);
  return { range: "custom", from: isoDay(first), to: isoDay(t) };
}

/** Ranges of the last `days` (1 is "today") and custom dates; `state` holds range, from, to. */
export function dateRange(days) {
  const lengths = Object.fromEntries(days.map((n) => [n === 1 ? "today" : `${n}d`, n]));
  const choices = [
    ...Object.entries(lengths).map(([key, n]) => [key, n === 1 ? "Today" : `Last ${n} days`]),
    ["custom", "Custom"],
  ];
  const range = {
    choices,
    /** A valid range in `state`: a known range; custom dates are real days (today if not). */
    normalise(state, fallback) {
      if (!choices.some(([v]) => v === state.range)) state.range = fallback;
      if (state.range === "custom") {
        state.from = canonical(state.from) || canonical(state.to) || todayIso();
        state.to = canonical(state.to) || todayIso();
      } else {
        state.from = "";
        state.to = "";
      }
      return state;
    },
    /** The [start, end) instants of the range in the tenant's time zone. */
    bounds(state) {
      const tz = ctx.timeZone;
      if (state.range === "custom") {
        const [first, last] = [parseWhen(state.from), parseWhen(state.to)];
        const [start, end] = [startOf(first, tz), endOf(last, tz)];
        return start <= end ? [start, end] : [startOf(last, tz), endOf(first, tz)];
      }
      const t = today(tz);
      return [zonedMidnight(addDays(t, 1 - lengths[state.range]), tz), zonedMidnight(addDays(t, 1), tz)];
    },
    /** Does the range span more than the API searches? */
    tooLong(state) {
      const [start, end] = range.bounds(state);
      return end - start > MAX_DAYS * DAY_MS;
    },
    /** "today", "last 7 days", "2026-03-01" or "2026-03-01 to 2026-03-12 14:00". */
    describe(state) {
      if (state.range !== "custom") return choices.find(([v]) => v === state.range)[1].toLowerCase();
      return state.from === state.to ? shown(state.from) : `${shown(state.from)} to ${shown(state.to)}`;
    },
    field: (idPrefix) => rangeField(choices, idPrefix),
  };
  return range;
}

function dateInput(id, label) {
  const input = h("input", {
    type: "text", id, name: id, placeholder: "YYYY-MM-DD", autocomplete: "off", spellcheck: "false",
    pattern: "\\d{4}-\\d{2}-\\d{2}([ T]\\d{2}:\\d{2})?", maxlength: 16, size: 16,
    title: "A date as YYYY-MM-DD, optionally with a time as YYYY-MM-DD HH:MM",
  });
  return [input, h("div", { class: "filter-date" }, h("label", { for: id }, label), input)];
}

/** The radio buttons and the custom From/To dates; `sync` shows a state, `read` reads one. */
function rangeField(choices, idPrefix) {
  const range = h("fieldset", { class: "filter filter-range" },
    h("legend", null, "Date"),
    h("div", { class: "segmented" }, choices.map(([v, text]) => h("label", { class: "segment" },
      h("input", { type: "radio", name: "range", value: v }), h("span", null, text)))));
  const [from, fromField] = dateInput(`${idPrefix}-from`, "From");
  const [to, toField] = dateInput(`${idPrefix}-to`, "To");
  const dates = h("div", { class: "filter filter-dates" }, fromField, toField);
  return {
    nodes: [range, dates],
    sync(state) {
      for (const radio of range.querySelectorAll("input")) radio.checked = radio.value === state.range;
      const custom = state.range === "custom";
      dates.hidden = !custom;
      from.value = custom ? shown(state.from) : "";
      to.value = custom ? shown(state.to) : "";
    },
    /** The range the form shows; an emptied or mistyped custom date keeps `state`'s (or today). */
    read(state, fallback) {
      const value = range.querySelector("input:checked")?.value || fallback;
      const custom = value === "custom";
      return {
        range: value,
        from: custom ? canonical(from.value) || state.from || todayIso() : "",
        to: custom ? canonical(to.value) || state.to || todayIso() : "",
      };
    },
  };
}
