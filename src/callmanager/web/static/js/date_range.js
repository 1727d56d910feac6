// The date filter of the audit log and call logs: today, the last N days or custom dates, its
// form field, and the instants it covers in the tenant's time zone.

import { ctx } from "./context.js";
import { h } from "./dom.js";
import { addDays, isoDay, parseDay, today, zonedMidnight } from "./time.js";

const todayIso = () => isoDay(today(ctx.timeZone));

/** Ranges of the last `days` (1 is "today") and custom dates; `state` holds range, from, to. */
export function dateRange(days) {
  const lengths = Object.fromEntries(days.map((n) => [n === 1 ? "today" : `${n}d`, n]));
  const choices = [
    ...Object.entries(lengths).map(([key, n]) => [key, n === 1 ? "Today" : `Last ${n} days`]),
    ["custom", "Custom"],
  ];
  return {
    choices,
    /** A valid range in `state`: a known range; custom dates are real days (today if not). */
    normalise(state, fallback) {
      if (!choices.some(([v]) => v === state.range)) state.range = fallback;
      if (state.range === "custom") {
        if (!parseDay(state.from)) state.from = parseDay(state.to) ? state.to : todayIso();
        if (!parseDay(state.to)) state.to = todayIso();
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
        let first = parseDay(state.from);
        let last = parseDay(state.to);
        if (isoDay(first) > isoDay(last)) [first, last] = [last, first];
        return [zonedMidnight(first, tz), zonedMidnight(addDays(last, 1), tz)];
      }
      const t = today(tz);
      return [zonedMidnight(addDays(t, 1 - lengths[state.range]), tz), zonedMidnight(addDays(t, 1), tz)];
    },
    /** "today", "last 7 days", "2026-03-01" or "2026-03-01 to 2026-03-12". */
    describe(state) {
      if (state.range !== "custom") return choices.find(([v]) => v === state.range)[1].toLowerCase();
      return state.from === state.to ? state.from : `${state.from} to ${state.to}`;
    },
    field: (idPrefix) => rangeField(choices, idPrefix),
  };
}

/** The radio buttons and the custom From/To dates; `sync` shows a state, `read` reads one. */
function rangeField(choices, idPrefix) {
  const range = h("fieldset", { class: "filter filter-range" },
    h("legend", null, "Date"),
    h("div", { class: "segmented" }, choices.map(([v, text]) => h("label", { class: "segment" },
      h("input", { type: "radio", name: "range", value: v }), h("span", null, text)))));
  const from = h("input", { type: "date", id: `${idPrefix}-from`, name: "from" });
  const to = h("input", { type: "date", id: `${idPrefix}-to`, name: "to" });
  const dates = h("div", { class: "filter filter-dates" },
    h("div", { class: "filter-date" }, h("label", { for: from.id }, "From"), from),
    h("div", { class: "filter-date" }, h("label", { for: to.id }, "To"), to));
  return {
    nodes: [range, dates],
    sync(state) {
      for (const radio of range.querySelectorAll("input")) radio.checked = radio.value === state.range;
      const custom = state.range === "custom";
      dates.hidden = !custom;
      from.value = custom ? state.from : "";
      to.value = custom ? state.to : "";
      from.max = todayIso();
      to.max = todayIso();
    },
    /** The range the form shows; an emptied custom date keeps `state`'s (or today). */
    read(state, fallback) {
      const value = range.querySelector("input:checked")?.value || fallback;
      const custom = value === "custom";
      return {
        range: value,
        from: custom ? from.value || state.from || todayIso() : "",
        to: custom ? to.value || state.to || todayIso() : "",
      };
    },
  };
}
