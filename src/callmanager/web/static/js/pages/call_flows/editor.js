// The call flow editor: a dialog over a draft copy of the flow (basics, hours, routing,
// holidays), saved as one PUT or POST; for roles that can't write, the same view read-only.

import { api } from "../../api.js";
import { ctx } from "../../context.js";
import { h, replace } from "../../dom.js";
import { alertBox, field, openDialog, toast } from "../../ui.js";
import { holidaysSection } from "./holidays.js";
import { clone, defaultHours, hoursSection } from "./hours.js";
import { WHEN, cleanTarget, routingSection } from "./routing.js";

const digits = (phone) => phone.replace(/[\s()-]/g, "");

function newDraft(ref) {
  const voicemail = { kind: "voicemail", greeting: "" };
  return {
    name: "", phone_number: "", time_zone: ctx.timeZone, business_hours: defaultHours(),
    routing: {
      open: ref.groups.length ? { kind: "group", group_id: ref.groups[0].id } : { ...voicemail },
      closed: { ...voicemail },
      holiday: { ...voicemail },
    },
    holidays: { country: null, subdivision: null, years: [] },
  };
}

/** The draft as the API takes it. */
function toPayload(draft) {
  const { country, subdivision, years } = draft.holidays;
  return {
    name: draft.name.trim(),
    phone_number: digits(draft.phone_number),
    time_zone: draft.time_zone.trim() || null,
    business_hours: draft.business_hours,
    routing: Object.fromEntries(WHEN.map(([when]) => [when, cleanTarget(draft.routing[when])])),
    holidays: {
      country: country || null,
      subdivision: subdivision || null,
      years: years.map((y) => ({
        year: y.year,
        days: y.days.map((d) => ({
          date: d.date, name: d.name, kind: d.kind, observed: d.observed, auto_renew: d.kind === "custom" && d.auto_renew,
        })),
      })),
    },
  };
}

function textInput(id, draft, key, props) {
  const input = h("input", { id, value: draft[key], autocomplete: "off", ...props });
  input.addEventListener("input", () => { draft[key] = input.value; });
  return input;
}

function basicsSection(draft) {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return h("fieldset", { class: "editor-section" }, h("legend", null, "Basics"),
    h("div", { class: "editor-grid" },
      field("Name", textInput("cf-name", draft, "name", { required: true, maxlength: 120 })),
      field("Phone number", textInput("cf-phone", draft, "phone_number", { type: "tel", required: true, placeholder: "+442079460000" }),
        "International format, e.g. +44 20 7946 0000."),
      field("Time zone", textInput("cf-tz", draft, "time_zone", { list: "cf-tz-list" }),
        "Business hours and holidays follow this time zone."),
      h("datalist", { id: "cf-tz-list" }, zones.map((z) => h("option", { value: z })))));
}

/** Save `draft` (a new flow when `flow` is null); throws the API's refusal. */
async function save(flow, draft) {
  const payload = toPayload(draft);
  if (flow) {
    await api("PUT", ctx.tenantApi(`/call-flows/${flow.id}`), { ...payload, version: flow.version });
    toast(`Call flow '${payload.name}' saved.`);
  } else {
    await api("POST", ctx.tenantApi("/call-flows"), payload);
    toast(`Call flow '${payload.name}' created.`);
  }
}

/** Open `flow` (null: a new one) in the editor; `ref` holds groups, users and calendars. */
export function editCallFlow(flow, { ref, readOnly, saved }) {
  const draft = flow ? clone(flow) : newDraft(ref);
  return openDialog({
    title: readOnly ? `Call flow ${draft.name}` : flow ? `Edit call flow ${draft.name}` : "New call flow",
    wide: true,
    render(close) {
      const error = h("div", { class: "dialog-error" });
      const fields = h("fieldset", { class: "editor-fields", disabled: readOnly },
        basicsSection(draft), hoursSection(draft), routingSection(draft, ref), holidaysSection(draft, readOnly, ref));
      const submit = h("button", { type: "submit", class: "button button-primary" }, flow ? "Save changes" : "Create call flow");
      const form = h("form", { class: "stack call-flow-editor", novalidate: true }, error, fields,
        h("div", { class: "dialog-actions" },
          h("button", { type: "button", class: "button button-secondary", onclick: close }, readOnly ? "Close" : "Cancel"),
          readOnly ? null : submit));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (readOnly) return;
        submit.disabled = true;
        replace(error);
        try {
          await save(flow, draft);
          close();
          saved();
        } catch (err) {
          const text = err.status === 409 && /changed meanwhile/.test(err.message)
            ? `${err.message} Close this dialog and open the call flow again.` : err.message;
          replace(error, alertBox(text));
          error.scrollIntoView({ block: "nearest" });
          submit.disabled = false;
        }
      });
      return form;
    },
  });
}
