// A call flow's business hours: the editor's section (ranges per weekday) and the one-line summary.

import { h, replace } from "../../dom.js";

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const SHORT_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);
export const clone = (value) => JSON.parse(JSON.stringify(value));

/** "Mon–Fri 09:00–17:00; Sat 10:00–12:00", or "Closed all week". */
export function hoursSummary(hours) {
  const keys = WEEKDAYS.map((day) => (hours[day] || []).map((r) => `${r.start}–${r.end}`).join(", "));
  const parts = [];
  let i = 0;
  while (i < 7) {
    let j = i;
    while (j + 1 < 7 && keys[j + 1] === keys[i]) j += 1;
    if (keys[i]) parts.push(`${SHORT_DAYS[i]}${j > i ? `–${SHORT_DAYS[j]}` : ""} ${keys[i]}`);
    i = j + 1;
  }
  return parts.length ? parts.join("; ") : "Closed all week";
}

/** 09:00–17:00 on weekdays, closed at the weekend. */
export function defaultHours() {
  const day = [{ start: "09:00", end: "17:00" }];
  return Object.fromEntries(WEEKDAYS.map((d, i) => [d, i < 5 ? clone(day) : []]));
}

const smallButton = (label, props) => h("button", { type: "button", class: "button button-secondary button-small", ...props }, label);

/** One range's inputs; a closing time of 00:00 is stored as 24:00 (midnight at the day's end). */
function rangeInputs(day, range, i, remove) {
  const start = h("input", { type: "time", value: range.start, "aria-label": `${capital(day)} opens`, required: true });
  const end = h("input", { type: "time", value: range.end === "24:00" ? "00:00" : range.end, "aria-label": `${capital(day)} closes`, required: true });
  start.addEventListener("change", () => { range.start = start.value; });
  end.addEventListener("change", () => { range.end = end.value === "00:00" ? "24:00" : end.value; });
  return h("div", { class: "hours-range" }, start, h("span", { "aria-hidden": "true" }, "–"), end,
    h("button", { type: "button", class: "icon-button", "aria-label": `Remove ${capital(day)} hours ${i + 1}`, onclick: remove }, "×"));
}

/** The editor's business hours, edited in place in `draft.business_hours`. */
export function hoursSection(draft) {
  const rows = h("div", { class: "hours" });
  const renderDay = (day, index) => {
    const ranges = draft.business_hours[day];
    const list = h("div", { class: "hours-ranges" });
    if (ranges.length === 0) list.append(h("span", { class: "muted hours-closed" }, "Closed"));
    ranges.forEach((range, i) => list.append(rangeInputs(day, range, i, () => { ranges.splice(i, 1); redraw(); })));
    const add = () => {
      const last = ranges[ranges.length - 1];
      ranges.push(last ? { start: last.end === "24:00" ? "23:00" : last.end, end: "24:00" } : { start: "09:00", end: "17:00" });
      redraw();
    };
    const copy = () => {
      for (const d of WEEKDAYS.slice(1, 5)) draft.business_hours[d] = clone(ranges);
      redraw();
    };
    return h("div", { class: "hours-day" },
      h("span", { class: "hours-day-name" }, capital(day)), list,
      smallButton("Add hours", { "aria-label": `Add hours on ${capital(day)}`, onclick: add }),
      index === 0 ? smallButton("Copy to weekdays", { title: "Copy Monday's hours to Tuesday–Friday", onclick: copy }) : null);
  };
  const redraw = () => replace(rows, WEEKDAYS.map(renderDay));
  redraw();
  return h("fieldset", { class: "editor-section" }, h("legend", null, "Business hours"),
    h("p", { class: "hint" }, "A day without hours is closed all day. A closing time of 00:00 means midnight."), rows);
}
