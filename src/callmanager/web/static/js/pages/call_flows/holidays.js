// A call flow's holidays: the calendar (country and region), the days listed per year with their
// observed and renew ticks, and custom days added by hand.

import { h, replace } from "../../dom.js";
import { today } from "../../time.js";
import { button, field, toast } from "../../ui.js";

/** "United Kingdom (ENG) · 9 days in 2026" for the list. */
export function holidaysSummary(flow, ref, timeZone) {
  const { country, subdivision, years } = flow.holidays;
  const year = today(flow.time_zone || timeZone).y;
  const days = (years.find((y) => y.year === year) || { days: [] }).days.filter((d) => d.observed).length;
  const name = (ref.calendars.find((c) => c.code === country) || { name: country }).name;
  const where = country ? `${name}${subdivision ? ` (${subdivision})` : ""}` : "No public calendar";
  return `${where} · ${days} day${days === 1 ? "" : "s"} in ${year}`;
}

function checkbox(checked, label, onchange) {
  const box = h("input", { type: "checkbox", checked, "aria-label": label });
  box.addEventListener("change", () => onchange(box.checked));
  return box;
}

function dayRow(d, remove) {
  const renew = d.kind === "custom"
    ? checkbox(d.auto_renew, `Renew ${d.name} every year`, (on) => { d.auto_renew = on; })
    : h("span", { class: "muted" }, "—");
  return h("tr", { class: d.observed ? "" : "holiday-off" },
    h("td", { "data-label": "Date", class: "mono" }, d.date),
    h("td", { "data-label": "Name" }, d.name),
    h("td", { "data-label": "Type" }, h("span", { class: `badge ${d.kind === "public" ? "badge-info" : "badge-neutral"}` }, d.kind === "public" ? "Public" : "Custom")),
    h("td", { "data-label": "Observed" }, checkbox(d.observed, `Observe ${d.name} on ${d.date}`, (on) => { d.observed = on; })),
    h("td", { "data-label": "Renews yearly" }, renew),
    h("td", { class: "actions" }, remove
      ? h("button", { type: "button", class: "icon-button", "aria-label": `Remove ${d.name}`, onclick: remove }, "×") : null));
}

function yearTable(y, readOnly, redraw) {
  return h("div", { class: "holiday-year" },
    h("h4", null, String(y.year)),
    h("table", { class: "table table-compact holiday-table" },
      h("caption", { class: "visually-hidden" }, `Holidays in ${y.year}`),
      h("thead", null, h("tr", null, ["Date", "Name", "Type", "Observed", "Renews yearly", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, y.days.map((d, i) => dayRow(d, d.kind === "custom" && !readOnly
        ? () => { y.days.splice(i, 1); redraw(); } : null)))));
}

/** The "Add a custom day" row; `add(day)` files it under its year. */
function customDayAdder(add) {
  const date = h("input", { type: "date", id: "cf-new-date" });
  const name = h("input", { id: "cf-new-name", maxlength: 100, placeholder: "e.g. Company day" });
  const renew = h("input", { type: "checkbox", id: "cf-new-renew" });
  const addDay = () => {
    if (!date.value || !name.value.trim()) {
      toast("Give the custom day a date and a name.");
      return;
    }
    add({ date: date.value, name: name.value.trim(), kind: "custom", observed: true, auto_renew: renew.checked });
    date.value = "";
    name.value = "";
    renew.checked = false;
  };
  return h("div", { class: "holiday-add" },
    h("h4", null, "Add a custom day"),
    h("div", { class: "holiday-add-row" },
      field("Date", date), field("Holiday name", name),
      h("label", { class: "checkbox" }, renew, " Renew every year"),
      button("Add day", addDay, { class: "button button-secondary" })));
}

/** The country and region pickers; `changed()` runs after either changes `hol`. */
function calendarPickers(hol, calendars, changed) {
  const country = h("select", { id: "cf-country" }, h("option", { value: "" }, "No public holidays"),
    calendars.map((c) => h("option", { value: c.code, selected: c.code === hol.country }, c.name)));
  const subdivision = h("select", { id: "cf-subdivision" });
  const subField = field("Region", subdivision);
  const drawSubdivisions = () => {
    const subs = (calendars.find((c) => c.code === country.value) || { subdivisions: [] }).subdivisions;
    replace(subdivision, h("option", { value: "" }, "Whole country"),
      subs.map((s) => h("option", { value: s.code, selected: s.code === hol.subdivision }, s.name === s.code ? s.code : `${s.name} (${s.code})`)));
    subField.hidden = subs.length === 0;
  };
  country.addEventListener("change", () => { hol.country = country.value || null; hol.subdivision = null; drawSubdivisions(); changed(); });
  subdivision.addEventListener("change", () => { hol.subdivision = subdivision.value || null; changed(); });
  drawSubdivisions();
  return h("div", { class: "editor-grid" }, field("Public holidays of", country), subField);
}

/** The editor's holidays, edited in place in `draft.holidays`. */
export function holidaysSection(draft, readOnly, ref) {
  const hol = draft.holidays;
  const note = h("p", { class: "hint" });
  const years = h("div", { class: "holiday-years" });
  const original = `${hol.country || ""}/${hol.subdivision || ""}`;
  const drawNote = () => {
    const changed = `${hol.country || ""}/${hol.subdivision || ""}` !== original;
    note.textContent = changed || hol.years.length === 0
      ? "Public holidays are filled in from the calendar when you save; the holiday task adds next year's in time."
      : "Untick a public holiday to treat it as a normal working day. Custom days can renew every year.";
  };
  const drawYears = () => replace(years, hol.years.length === 0
    ? h("p", { class: "muted" }, "No holiday days listed yet.")
    : hol.years.map((y) => yearTable(y, readOnly, drawYears)));
  const add = (day) => {
    const year = Number(day.date.slice(0, 4));
    let entry = hol.years.find((y) => y.year === year);
    if (!entry) {
      entry = { year, days: [] };
      hol.years.push(entry);
      hol.years.sort((a, b) => a.year - b.year);
    }
    entry.days.push(day);
    entry.days.sort((a, b) => a.date.localeCompare(b.date));
    drawYears();
  };
  const pickers = calendarPickers(hol, ref.calendars, drawNote);
  drawNote();
  drawYears();
  return h("fieldset", { class: "editor-section" }, h("legend", null, "Holidays"),
    pickers, note, years, readOnly ? null : customDayAdder(add));
}
