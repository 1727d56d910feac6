// Portal users and invitations: everyone sees who can log in; Owners invite, change roles, remove.

import { api } from "../../api.js";
import { ctx } from "../../context.js";
import { h, replace } from "../../dom.js";
import { alertBox, button, readOnlyNote, toolbar } from "../../ui.js";
import { ownerActions } from "./actions.js";
import { invitationsTable, usersTable } from "./tables.js";

function section(id, title, region) {
  return h("section", { "aria-labelledby": id }, h("h2", { id, class: "section-title" }, title), region);
}

export async function mount(root) {
  const actions = ctx.can("manage_users") ? ownerActions(load) : null;
  const usersRegion = h("div", { class: "table-region" });
  const invitesRegion = h("div", { class: "table-region" });
  replace(root,
    toolbar("People who can log in to this tenant, and their roles.",
      actions ? button("Invite user", actions.invite, { kind: "primary", "data-action": "invite" }) : null),
    actions ? null : readOnlyNote(`As a ${ctx.roleLabel(ctx.role) || "viewer"} you can see who has access; only Owners invite, change roles and remove.`),
    section("users-heading", "Portal users", usersRegion),
    section("invites-heading", "Pending invitations", invitesRegion));

  async function load() {
    const [users, invitations] = await Promise.allSettled([
      api("GET", ctx.tenantApi("/portal-users")),
      api("GET", ctx.tenantApi("/invitations")),
    ]);
    replace(usersRegion, users.status === "fulfilled" ? usersTable(users.value, actions)
      : alertBox(`Couldn't load portal users: ${users.reason.message}`));
    replace(invitesRegion, invitations.status === "fulfilled" ? invitationsTable(invitations.value, actions)
      : alertBox(`Couldn't load invitations: ${invitations.reason.message}`));
  }

  await load();
}
