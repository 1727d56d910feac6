// Groups: the list, and (for roles that may write) create, edit and delete.

import { ctx } from "../../context.js";
import { h, replace } from "../../dom.js";
import { dateTime } from "../../time.js";
import { resourceList } from "../../resource_list.js";
import { button, dataTable, emptyState, readOnlyNote, toolbar } from "../../ui.js";
import { shownZone } from "../../zone.js";
import { deleteGroup, editGroup } from "./dialogs.js";

function membersText(members) {
  if (members.length === 0) return h("span", { class: "muted" }, "None");
  return `${members.length} · ${members.slice(0, 2).join(", ")}${members.length > 2 ? ", …" : ""}`;
}

function groupRow(group, actions) {
  return h("tr", { "data-group-id": group.id },
    h("td", { "data-label": "Name" }, h("strong", null, group.name)),
    h("td", { "data-label": "Description" }, group.description || h("span", { class: "muted" }, "—")),
    h("td", { "data-label": "Members", title: group.members.join(", ") }, membersText(group.members)),
    h("td", { "data-label": "Updated" }, dateTime(group.updated_at, shownZone())),
    actions ? h("td", { class: "actions" },
      button("Edit", () => actions.edit(group), { class: "button button-secondary button-small", "aria-label": `Edit ${group.name}` }),
      button("Delete", () => actions.remove(group), { class: "button button-danger-quiet button-small", "aria-label": `Delete ${group.name}` }))
      : null);
}

export async function mount(root) {
  const actions = ctx.can("write")
    ? { edit: (group) => editGroup(group, list.load), remove: (group) => deleteGroup(group, list.load) } : null;
  const newGroup = (props) => button("New group", () => actions.edit(null), { kind: "primary", ...props });
  const list = resourceList({
    path: ctx.tenantApi("/groups"),
    what: "groups",
    table: (items) => dataTable("Groups", ["Name", "Description", "Members", `Updated (${shownZone()})`, actions ? "" : null],
      items.map((group) => groupRow(group, actions))),
    empty: () => emptyState("No groups yet",
      actions ? "Create a group to route calls to a set of people." : "This tenant has no groups.",
      actions ? newGroup() : null),
  });
  replace(root,
    toolbar("Groups route calls to a set of people.", actions ? newGroup({ "data-action": "new-group" }) : null),
    actions ? null : readOnlyNote(`As a ${ctx.roleLabel(ctx.role) || "viewer"} you can see groups; Owners and Writers create, edit and delete them.`),
    list.region);
  await list.load();
}
