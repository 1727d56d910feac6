// Wizard Call Flows: list; create, edit and delete with business hours, routing and holidays.

import { api } from "../api.js";
import { ctx } from "../context.js";
import { h, replace } from "../dom.js";
import { dateTime, today } from "../time.js";
import { alertBox, button, confirmDialog, emptyState, field, openDialog, toast } from "../ui.js";

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const SHORT_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const WHEN = [["open", "When open"], ["closed", "When closed"], ["holiday", "On holidays"]];
const TARGET_KINDS = [["group", "Group"], ["user", "Portal user"], ["voicemail", "Voicemail"], ["phone_number", "Phone number"]];

const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);
const clone = (value) => JSON.parse(JSON.stringify(value));

function hoursSummary(hours) {
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

function defaultHours() {
  const day = [{ start: "09:00", end: "17:00" }];
  return Object.fromEntries(WEEKDAYS.map((d, i) => [d, i < 5 ? clone(day) : []]));
}

export async function mount(root) {
  const canWrite = ctx.can("write");
  const region = h("div", { class: "table-region" });
  let groups = [];
  let users = [];
  let calendars = [];
  // The editor needs groups, users and calendars: load them before offering "New call flow".
  await loadReference();
  replace(root,
    h("div", { class: "toolbar" },
      h("p", { class: "muted toolbar-text" }, "Each call flow answers a phone number: business hours, where calls go, and holidays."),
      canWrite ? button("New call flow", () => edit(null), { kind: "primary", "data-action": "new-call-flow" }) : null),
    region);

  async function loadReference() {
    const [g, u, c] = await Promise.allSettled([
      api("GET", ctx.tenantApi("/groups")),
      api("GET", ctx.tenantApi("/portal-users")),
      fetch("/ui/holiday-calendars.json").then((r) => r.json()),
    ]);
    groups = g.status === "fulfilled" ? g.value.items : [];
    users = u.status === "fulfilled" ? u.value : [];
    calendars = c.status === "fulfilled" ? c.value : [];
  }

  function countryName(code) {
    return (calendars.find((c) => c.code === code) || { name: code }).name;
  }

  function targetLabel(target) {
    switch (target.kind) {
      case "group": return `Group ${(groups.find((g) => g.id === target.group_id) || { name: "(deleted)" }).name}`;
      case "user": return `User ${(users.find((u) => u.id === target.user_id) || { email: "(removed)" }).email}`;
      case "voicemail": return "Voicemail";
      default: return target.phone_number;
    }
  }

  async function load() {
    try {
      const { items } = await api("GET", ctx.tenantApi("/call-flows"));
      render(items);
    } catch (err) {
      replace(region, alertBox(`Couldn't load call flows: ${err.message}`), button("Retry", load));
    }
  }

  function holidaysSummary(flow) {
    const { country, subdivision, years } = flow.holidays;
    const year = today(flow.time_zone || ctx.timeZone).y;
    const days = (years.find((y) => y.year === year) || { days: [] }).days.filter((d) => d.observed).length;
    const where = country ? `${countryName(country)}${subdivision ? ` (${subdivision})` : ""}` : "No public calendar";
    return `${where} · ${days} day${days === 1 ? "" : "s"} in ${year}`;
  }

  function render(flows) {
    if (flows.length === 0) {
      replace(region, emptyState("No call flows yet",
        canWrite ? "Create a call flow to answer a phone number with business hours and holidays." : "This tenant has no call flows.",
        canWrite ? button("New call flow", () => edit(null), { kind: "primary" }) : null));
      return;
    }
    replace(region, h("table", { class: "table" },
      h("caption", { class: "visually-hidden" }, "Wizard Call Flows"),
      h("thead", null, h("tr", null,
        ["Name", "Phone number", "Business hours", "When open", "Holidays", "Updated"].map((t) => h("th", { scope: "col" }, t)),
        h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
      h("tbody", null, flows.map((flow) => h("tr", { "data-call-flow-id": flow.id },
        h("td", { "data-label": "Name" }, h("strong", null, flow.name)),
        h("td", { "data-label": "Phone number", class: "mono" }, flow.phone_number),
        h("td", { "data-label": "Business hours" }, hoursSummary(flow.business_hours), h("span", { class: "muted" }, ` · ${flow.time_zone}`)),
        h("td", { "data-label": "When open" }, targetLabel(flow.routing.open)),
        h("td", { "data-label": "Holidays" }, holidaysSummary(flow)),
        h("td", { "data-label": "Updated" }, dateTime(flow.updated_at, ctx.timeZone)),
        h("td", { class: "actions" },
          canWrite
            ? [button("Edit", () => edit(flow), { class: "button button-secondary button-small", "aria-label": `Edit ${flow.name}` }),
              button("Delete", () => remove(flow), { class: "button button-danger-quiet button-small", "aria-label": `Delete ${flow.name}` })]
            : button("View", () => edit(flow), { class: "button button-secondary button-small", "aria-label": `View ${flow.name}` })))))));
  }

  async function remove(flow) {
    const ok = await confirmDialog({
      title: "Delete call flow?",
      text: `Delete '${flow.name}'? Calls to ${flow.phone_number} will no longer be answered by it.`,
      confirmLabel: "Delete call flow",
    });
    if (!ok) return;
    try {
      await api("DELETE", ctx.tenantApi(`/call-flows/${flow.id}`));
      toast(`Call flow '${flow.name}' deleted.`);
    } catch (err) {
      toast(`Couldn't delete: ${err.message}`);
    }
    await load();
  }

  // ---- the editor ------------------------------------------------------------------------------

  function edit(flow) {
    const readOnly = !canWrite;
    const draft = flow ? clone(flow) : {
      name: "", phone_number: "", time_zone: ctx.timeZone, business_hours: defaultHours(),
      routing: {
        open: groups.length ? { kind: "group", group_id: groups[0].id } : { kind: "voicemail", greeting: "" },
        closed: { kind: "voicemail", greeting: "" },
        holiday: { kind: "voicemail", greeting: "" },
      },
      holidays: { country: null, subdivision: null, years: [] },
    };
    const title = readOnly ? `Call flow ${draft.name}` : flow ? `Edit call flow ${draft.name}` : "New call flow";
    return openDialog({
      title,
      wide: true,
      render(close) {
        const error = h("div", { class: "dialog-error" });
        const basics = basicsSection(draft);
        const hours = hoursSection(draft);
        const routing = routingSection(draft);
        const holidays = holidaysSection(draft, readOnly);
        const body = h("fieldset", { class: "editor-fields", disabled: readOnly }, basics, hours, routing, holidays);
        const save = h("button", { type: "submit", class: "button button-primary" }, flow ? "Save changes" : "Create call flow");
        const form = h("form", { class: "stack call-flow-editor", novalidate: true }, error, body,
          h("div", { class: "dialog-actions" },
            h("button", { type: "button", class: "button button-secondary", onclick: close }, readOnly ? "Close" : "Cancel"),
            readOnly ? null : save));
        form.addEventListener("submit", async (event) => {
          event.preventDefault();
          if (readOnly) return;
          save.disabled = true;
          replace(error);
          try {
            const payload = toPayload(draft);
            if (flow) {
              await api("PUT", ctx.tenantApi(`/call-flows/${flow.id}`), { ...payload, version: flow.version });
              toast(`Call flow '${payload.name}' saved.`);
            } else {
              await api("POST", ctx.tenantApi("/call-flows"), payload);
              toast(`Call flow '${payload.name}' created.`);
            }
            close();
            load();
          } catch (err) {
            const text = err.status === 409 && /changed meanwhile/.test(err.message)
              ? `${err.message} Close this dialog and open the call flow again.` : err.message;
            replace(error, alertBox(text));
            error.scrollIntoView({ block: "nearest" });
            save.disabled = false;
          }
        });
        return form;
      },
    });
  }

  function toPayload(draft) {
    return {
      name: draft.name.trim(),
      phone_number: draft.phone_number.replace(/[\s()-]/g, ""),
      time_zone: draft.time_zone.trim() || null,
      business_hours: draft.business_hours,
      routing: Object.fromEntries(WHEN.map(([when]) => [when, cleanTarget(draft.routing[when])])),
      holidays: {
        country: draft.holidays.country || null,
        subdivision: draft.holidays.subdivision || null,
        years: draft.holidays.years.map((y) => ({
          year: y.year,
          days: y.days.map((d) => ({
            date: d.date, name: d.name, kind: d.kind, observed: d.observed, auto_renew: d.kind === "custom" && d.auto_renew,
          })),
        })),
      },
    };
  }

  function cleanTarget(target) {
    switch (target.kind) {
      case "group": return { kind: "group", group_id: target.group_id };
      case "user": return { kind: "user", user_id: target.user_id };
      case "voicemail": return { kind: "voicemail", greeting: target.greeting || "" };
      default: return { kind: "phone_number", phone_number: (target.phone_number || "").replace(/[\s()-]/g, "") };
    }
  }

  function basicsSection(draft) {
    const name = h("input", { id: "cf-name", required: true, maxlength: 120, value: draft.name, autocomplete: "off" });
    name.addEventListener("input", () => { draft.name = name.value; });
    const phone = h("input", { id: "cf-phone", type: "tel", required: true, value: draft.phone_number, autocomplete: "off", placeholder: "+442079460000" });
    phone.addEventListener("input", () => { draft.phone_number = phone.value; });
    const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    const zone = h("input", { id: "cf-tz", list: "cf-tz-list", value: draft.time_zone, autocomplete: "off" });
    zone.addEventListener("input", () => { draft.time_zone = zone.value; });
    return h("fieldset", { class: "editor-section" }, h("legend", null, "Basics"),
      h("div", { class: "editor-grid" },
        field("Name", name),
        field("Phone number", phone, "International format, e.g. +44 20 7946 0000."),
        field("Time zone", zone, "Business hours and holidays follow this time zone."),
        h("datalist", { id: "cf-tz-list" }, zones.map((z) => h("option", { value: z })))));
  }

  function hoursSection(draft) {
    const rows = h("div", { class: "hours" });
    const renderDay = (day, index) => {
      const ranges = draft.business_hours[day];
      const list = h("div", { class: "hours-ranges" });
      if (ranges.length === 0) list.append(h("span", { class: "muted hours-closed" }, "Closed"));
      ranges.forEach((range, i) => {
        const start = h("input", { type: "time", value: range.start, "aria-label": `${capital(day)} opens`, required: true });
        const end = h("input", { type: "time", value: range.end === "24:00" ? "00:00" : range.end, "aria-label": `${capital(day)} closes`, required: true });
        start.addEventListener("change", () => { range.start = start.value; });
        end.addEventListener("change", () => { range.end = end.value === "00:00" ? "24:00" : end.value; });
        list.append(h("div", { class: "hours-range" }, start, h("span", { "aria-hidden": "true" }, "–"), end,
          h("button", {
            type: "button", class: "icon-button", "aria-label": `Remove ${capital(day)} hours ${i + 1}`,
            onclick: () => { ranges.splice(i, 1); redraw(); },
          }, "×")));
      });
      return h("div", { class: "hours-day" },
        h("span", { class: "hours-day-name" }, capital(day)), list,
        h("button", {
          type: "button", class: "button button-secondary button-small", "aria-label": `Add hours on ${capital(day)}`,
          onclick: () => {
            const last = ranges[ranges.length - 1];
            ranges.push(last ? { start: last.end === "24:00" ? "23:00" : last.end, end: "24:00" } : { start: "09:00", end: "17:00" });
            redraw();
          },
        }, "Add hours"),
        index === 0 ? h("button", {
          type: "button", class: "button button-secondary button-small", title: "Copy Monday's hours to Tuesday–Friday",
          onclick: () => { for (const d of WEEKDAYS.slice(1, 5)) draft.business_hours[d] = clone(ranges); redraw(); },
        }, "Copy to weekdays") : null);
    };
    const redraw = () => replace(rows, WEEKDAYS.map(renderDay));
    redraw();
    return h("fieldset", { class: "editor-section" }, h("legend", null, "Business hours"),
      h("p", { class: "hint" }, "A day without hours is closed all day. A closing time of 00:00 means midnight."), rows);
  }

  function routingSection(draft) {
    const rows = WHEN.map(([when, text]) => {
      const kindId = `cf-route-${when}`;
      const kind = h("select", { id: kindId }, TARGET_KINDS.map(([v, t]) => h("option", { value: v, selected: draft.routing[when].kind === v }, t)));
      const slot = h("div", { class: "route-target" });
      const drawTarget = () => {
        const target = draft.routing[when];
        const label = `${text}: target`;
        if (target.kind === "group") {
          if (!target.group_id && groups.length) target.group_id = groups[0].id;
          const sel = h("select", { "aria-label": label }, groups.length
            ? groups.map((g) => h("option", { value: g.id, selected: g.id === target.group_id }, g.name))
            : h("option", { value: "" }, "No groups yet"));
          sel.addEventListener("change", () => { target.group_id = sel.value; });
          replace(slot, sel);
        } else if (target.kind === "user") {
          if (!target.user_id && users.length) target.user_id = users[0].id;
          const sel = h("select", { "aria-label": label },
            users.map((u) => h("option", { value: u.id, selected: u.id === target.user_id }, `${u.name} (${u.email})`)));
          sel.addEventListener("change", () => { target.user_id = sel.value; });
          replace(slot, sel);
        } else if (target.kind === "voicemail") {
          const input = h("input", { "aria-label": `${text}: voicemail greeting`, placeholder: "Greeting (optional)", maxlength: 500, value: target.greeting || "" });
          input.addEventListener("input", () => { target.greeting = input.value; });
          replace(slot, input);
        } else {
          const input = h("input", { type: "tel", "aria-label": `${text}: phone number`, placeholder: "+442079460000", value: target.phone_number || "" });
          input.addEventListener("input", () => { target.phone_number = input.value; });
          replace(slot, input);
        }
      };
      kind.addEventListener("change", () => { draft.routing[when] = { kind: kind.value }; drawTarget(); });
      drawTarget();
      return h("div", { class: "route-row" }, h("label", { for: kindId }, text), kind, slot);
    });
    return h("fieldset", { class: "editor-section" }, h("legend", null, "Routing"), h("div", { class: "routes" }, rows));
  }

  function holidaysSection(draft, readOnly) {
    const hol = draft.holidays;
    const country = h("select", { id: "cf-country" }, h("option", { value: "" }, "No public holidays"),
      calendars.map((c) => h("option", { value: c.code, selected: c.code === hol.country }, c.name)));
    const subdivision = h("select", { id: "cf-subdivision" });
    const subField = field("Region", subdivision);
    const note = h("p", { class: "hint" });
    const years = h("div", { class: "holiday-years" });
    const drawSubdivisions = () => {
      const subs = (calendars.find((c) => c.code === country.value) || { subdivisions: [] }).subdivisions;
      replace(subdivision, h("option", { value: "" }, "Whole country"),
        subs.map((s) => h("option", { value: s.code, selected: s.code === hol.subdivision }, s.name === s.code ? s.code : `${s.name} (${s.code})`)));
      subField.hidden = subs.length === 0;
    };
    const original = `${hol.country || ""}/${hol.subdivision || ""}`;
    const drawNote = () => {
      const changed = `${hol.country || ""}/${hol.subdivision || ""}` !== original;
      note.textContent = changed || hol.years.length === 0
        ? "Public holidays are filled in from the calendar when you save; the holiday task adds next year's in time."
        : "Untick a public holiday to treat it as a normal working day. Custom days can renew every year.";
    };
    country.addEventListener("change", () => { hol.country = country.value || null; hol.subdivision = null; drawSubdivisions(); drawNote(); });
    subdivision.addEventListener("change", () => { hol.subdivision = subdivision.value || null; drawNote(); });

    const drawYears = () => {
      if (hol.years.length === 0) {
        replace(years, h("p", { class: "muted" }, "No holiday days listed yet."));
        return;
      }
      replace(years, hol.years.map((y) => h("div", { class: "holiday-year" },
        h("h4", null, String(y.year)),
        h("table", { class: "table table-compact holiday-table" },
          h("caption", { class: "visually-hidden" }, `Holidays in ${y.year}`),
          h("thead", null, h("tr", null, ["Date", "Name", "Type", "Observed", "Renews yearly", ""].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", null, y.days.map((d, i) => {
            const observed = h("input", { type: "checkbox", checked: d.observed, "aria-label": `Observe ${d.name} on ${d.date}` });
            observed.addEventListener("change", () => { d.observed = observed.checked; });
            let renew = h("span", { class: "muted" }, "—");
            if (d.kind === "custom") {
              renew = h("input", { type: "checkbox", checked: d.auto_renew, "aria-label": `Renew ${d.name} every year` });
              renew.addEventListener("change", () => { d.auto_renew = renew.checked; });
            }
            return h("tr", { class: d.observed ? "" : "holiday-off" },
              h("td", { "data-label": "Date", class: "mono" }, d.date),
              h("td", { "data-label": "Name" }, d.name),
              h("td", { "data-label": "Type" }, h("span", { class: `badge ${d.kind === "public" ? "badge-info" : "badge-neutral"}` }, d.kind === "public" ? "Public" : "Custom")),
              h("td", { "data-label": "Observed" }, observed),
              h("td", { "data-label": "Renews yearly" }, renew),
              h("td", { class: "actions" }, d.kind === "custom" && !readOnly
                ? h("button", { type: "button", class: "icon-button", "aria-label": `Remove ${d.name}`, onclick: () => { y.days.splice(i, 1); drawYears(); } }, "×")
                : null));
          }))))));
    };

    const newDate = h("input", { type: "date", id: "cf-new-date" });
    const newName = h("input", { id: "cf-new-name", maxlength: 100, placeholder: "e.g. Company day" });
    const newRenew = h("input", { type: "checkbox", id: "cf-new-renew" });
    const addDay = () => {
      const date = newDate.value;
      const name = newName.value.trim();
      if (!date || !name) {
        toast("Give the custom day a date and a name.");
        return;
      }
      const year = Number(date.slice(0, 4));
      let entry = hol.years.find((y) => y.year === year);
      if (!entry) {
        entry = { year, days: [] };
        hol.years.push(entry);
        hol.years.sort((a, b) => a.year - b.year);
      }
      entry.days.push({ date, name, kind: "custom", observed: true, auto_renew: newRenew.checked });
      entry.days.sort((a, b) => a.date.localeCompare(b.date));
      newDate.value = "";
      newName.value = "";
      newRenew.checked = false;
      drawYears();
    };
    const adder = readOnly ? null : h("div", { class: "holiday-add" },
      h("h4", null, "Add a custom day"),
      h("div", { class: "holiday-add-row" },
        field("Date", newDate), field("Holiday name", newName),
        h("label", { class: "checkbox" }, newRenew, " Renew every year"),
        button("Add day", addDay, { class: "button button-secondary" })));

    drawSubdivisions();
    drawNote();
    drawYears();
    return h("fieldset", { class: "editor-section" }, h("legend", null, "Holidays"),
      h("div", { class: "editor-grid" }, field("Public holidays of", country), subField), note, years, adder);
  }

  await load();
}
