// Wizard Call Flows: the list, and create, edit and delete through the editor (view only for
// roles that can't write).

import { api } from "../../api.js";
import { ctx } from "../../context.js";
import { h, replace } from "../../dom.js";
import { dateTime } from "../../time.js";
import { resourceList } from "../../resource_list.js";
import { button, confirmThen, dataTable, emptyState, readOnlyNote, toolbar } from "../../ui.js";
import { shownZone } from "../../zone.js";
import { editCallFlow } from "./editor.js";
import { holidaysSummary } from "./holidays.js";
import { hoursSummary } from "./hours.js";
import { targetLabel } from "./routing.js";

/** What the editor and the list name targets and calendars with; a part that fails is empty. */
async function loadReference() {
  const [groups, users, calendars] = await Promise.allSettled([
    api("GET", ctx.tenantApi("/groups")),
    api("GET", ctx.tenantApi("/portal-users")),
    fetch("/ui/holiday-calendars.json").then((r) => r.json()),
  ]);
  const value = (result, fallback) => (result.status === "fulfilled" ? result.value : fallback);
  return { groups: value(groups, { items: [] }).items, users: value(users, []), calendars: value(calendars, []) };
}

const small = (label, onclick, ariaLabel, kind = "secondary") =>
  button(label, onclick, { class: `button button-${kind} button-small`, "aria-label": ariaLabel });

function flowRow(flow, ref, actions) {
  return h("tr", { "data-call-flow-id": flow.id },
    h("td", { "data-label": "Name" }, h("strong", null, flow.name)),
    h("td", { "data-label": "Phone number", class: "mono" }, flow.phone_number),
    h("td", { "data-label": "Business hours" }, hoursSummary(flow.business_hours), h("span", { class: "muted" }, ` · ${flow.time_zone}`)),
    h("td", { "data-label": "When open" }, targetLabel(flow.routing.open, ref)),
    h("td", { "data-label": "Holidays" }, holidaysSummary(flow, ref, ctx.timeZone)),
    h("td", { "data-label": "Updated" }, dateTime(flow.updated_at, shownZone())),
    h("td", { class: "actions" }, actions.canWrite
      ? [small("Edit", () => actions.edit(flow), `Edit ${flow.name}`),
        small("Delete", () => actions.remove(flow), `Delete ${flow.name}`, "danger-quiet")]
      : small("View", () => actions.edit(flow), `View ${flow.name}`)));
}

export async function mount(root) {
  const canWrite = ctx.can("write");
  // The editor needs groups, users and calendars: load them before offering "New call flow".
  const ref = await loadReference();
  const actions = {
    canWrite,
    edit: (flow) => editCallFlow(flow, { ref, readOnly: !canWrite, saved: list.load }),
    async remove(flow) {
      const asked = await confirmThen({
        title: "Delete call flow?",
        text: `Delete '${flow.name}'? Calls to ${flow.phone_number} will no longer be answered by it.`,
        confirmLabel: "Delete call flow",
        run: () => api("DELETE", ctx.tenantApi(`/call-flows/${flow.id}`)),
        done: `Call flow '${flow.name}' deleted.`,
        failed: "Couldn't delete",
      });
      if (asked) await list.load();
    },
  };
  const newFlow = (props) => button("New call flow", () => actions.edit(null), { kind: "primary", ...props });
  const list = resourceList({
    path: ctx.tenantApi("/call-flows"),
    what: "call flows",
    table: (flows) => dataTable("Wizard Call Flows",
      ["Name", "Phone number", "Business hours", "When open", "Holidays", `Updated (${shownZone()})`, ""],
      flows.map((flow) => flowRow(flow, ref, actions))),
    empty: () => emptyState("No call flows yet",
      canWrite ? "Create a call flow to answer a phone number with business hours and holidays." : "This tenant has no call flows.",
      canWrite ? newFlow() : null),
  });
  replace(root,
    toolbar("Each call flow answers a phone number: business hours, where calls go, and holidays.",
      canWrite ? newFlow({ "data-action": "new-call-flow" }) : null),
    canWrite ? null : readOnlyNote(`As a ${ctx.roleLabel(ctx.role) || "viewer"} you can view call flows; Owners and Writers create, edit and delete them.`),
    list.region);
  await list.load();
}
