// Creating, editing and deleting a group: the form dialog, its fields, and the confirmation.

import { api } from "../../api.js";
import { ctx } from "../../context.js";
import { h } from "../../dom.js";
import { confirmThen, field, formDialog, toast } from "../../ui.js";

function groupFields(group) {
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

/** Create a group (`group` null) or edit one; `reload()` once saved. */
export async function editGroup(group, reload) {
  await formDialog({
    title: group ? `Edit group ${group.name}` : "New group",
    fields: groupFields(group),
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
      await reload();
    },
  });
}

/** Delete a group once confirmed; `reload()` after. */
export async function deleteGroup(group, reload) {
  const asked = await confirmThen({
    title: "Delete group?",
    text: `Delete the group '${group.name}'? Call flows that route to it will need a new target.`,
    confirmLabel: "Delete group",
    run: () => api("DELETE", ctx.tenantApi(`/groups/${group.id}`)),
    done: `Group '${group.name}' deleted.`,
    failed: "Couldn't delete",
  });
  if (asked) await reload();
}
