// Groups: list, create, edit, delete (create/edit/delete only for roles that may write).

import { api } from "../api.js";
import { ctx } from "../context.js";
import { h, replace } from "../dom.js";
import { dateTime } from "../time.js";
import { alertBox, button, confirmDialog, emptyState, field, formDialog, toast } from "../ui.js";

function groupForm(group) {
  const name = h("input", { id: "group-name", name: "name", required: true, maxlength: 120, autocomplete: "off" });
  const description = h("textarea", { id: "group-description", name: "description", rows: 3, maxlength: 1000 });
  const members = h("textarea", { id: "group-members", name: "members", rows: 4 });
  if (group) {
    name.value = group.name;
    description.value = group.description;
    members.value = group.members.join("\n");
  }
  return [
    field("Name", name),
    field("Description", description),
    field("Members", members, "One email address per line."),
  ];
}

function bodyOf(data) {
  return {
    name: String(data.get("name") || "").trim(),
    description: String(data.get("description") || "").trim(),
    members: String(data.get("members") || "").split(/[\n,;]+/).map((m) => m.trim()).filter(Boolean),
  };
}

export async function mount(root) {
  const canWrite = ctx.can("write");
  const list = h("div", { class: "table-region" });
  const toolbar = h("div", { class: "toolbar" },
    h("p", { class: "muted toolbar-text" }, "Groups route calls to a set of people."),
    canWrite ? button("New group", () => edit(null), { kind: "primary", "data-action": "new-group" }) : null);
  replace(root, toolbar, list);

  async function load() {
    try {
      const { items } = await api("GET", ctx.tenantApi("/groups"));
      render(items);
    } catch (err) {
      replace(list, alertBox(`Couldn't load groups: ${err.message}`), button("Retry", load));
    }
  }

  function render(items) {
    if (items.length === 0) {
      replace(list, emptyState("No groups yet",
        canWrite ? "Create a group to route calls to a set of people." : "This tenant has no groups.",
        canWrite ? button("New group", () => edit(null), { kind: "primary" }) : null));
      return;
    }
    replace(list, h("table", { class: "table" },
      h("caption", { class: "visually-hidden" }, "Groups"),
      h("thead", null, h("tr", null,
        h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Description"),
        h("th", { scope: "col" }, "Members"), h("th", { scope: "col" }, "Updated"),
        canWrite ? h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")) : null)),
      h("tbody", null, items.map((group) => h("tr", { "data-group-id": group.id },
        h("td", { "data-label": "Name" }, h("strong", null, group.name)),
        h("td", { "data-label": "Description" }, group.description || h("span", { class: "muted" }, "—")),
        h("td", { "data-label": "Members", title: group.members.join(", ") },
          group.members.length === 0 ? h("span", { class: "muted" }, "None")
            : `${group.members.length} · ${group.members.slice(0, 2).join(", ")}${group.members.length > 2 ? ", …" : ""}`),
        h("td", { "data-label": "Updated" }, dateTime(group.updated_at, ctx.timeZone)),
        canWrite ? h("td", { class: "actions" },
          button("Edit", () => edit(group), { class: "button button-secondary button-small", "aria-label": `Edit ${group.name}` }),
          button("Delete", () => remove(group), { class: "button button-danger-quiet button-small", "aria-label": `Delete ${group.name}` }))
          : null)))));
  }

  async function edit(group) {
    await formDialog({
      title: group ? `Edit group ${group.name}` : "New group",
      fields: groupForm(group),
      submitLabel: group ? "Save changes" : "Create group",
      async submit(data) {
        const body = bodyOf(data);
        if (group) {
          await api("PATCH", ctx.tenantApi(`/groups/${group.id}`), body);
          toast(`Group '${body.name}' saved.`);
        } else {
          await api("POST", ctx.tenantApi("/groups"), body);
          toast(`Group '${body.name}' created.`);
        }
        await load();
      },
    });
  }

  async function remove(group) {
    const ok = await confirmDialog({
      title: "Delete group?",
      text: `Delete the group '${group.name}'? Call flows that route to it will need a new target.`,
      confirmLabel: "Delete group",
    });
    if (!ok) return;
    try {
      await api("DELETE", ctx.tenantApi(`/groups/${group.id}`));
      toast(`Group '${group.name}' deleted.`);
    } catch (err) {
      toast(`Couldn't delete: ${err.message}`);
    }
    await load();
  }

  await load();
}
