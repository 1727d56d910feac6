// The portal users and pending invitations tables; an Owner's rows carry role and remove controls.

import { ctx } from "../../context.js";
import { h } from "../../dom.js";
import { dateTime } from "../../time.js";
import { button, dataTable } from "../../ui.js";
import { shownZone } from "../../zone.js";

/** A role picker listing the server's roles. */
export function roleSelect(id, value, label) {
  return h("select", { id, name: "role", "aria-label": label },
    ctx.roles.map(([role, text]) => h("option", { value: role, selected: role === value }, text)));
}

const quiet = (label, onclick, ariaLabel) =>
  button(label, onclick, { class: "button button-danger-quiet button-small", "aria-label": ariaLabel });

/** `actions` (Owners only): changeRole(user, select), remove(user). */
export function usersTable(users, actions) {
  return dataTable("Portal users", ["Name", "Email", "Role", "Joined", actions ? "" : null], users.map((user) => {
    let role = ctx.roleLabel(user.role);
    if (actions) {
      role = roleSelect(`role-${user.id}`, user.role, `Role of ${user.email}`);
      role.addEventListener("change", () => actions.changeRole(user, role));
    }
    return h("tr", { "data-user-id": user.id },
      h("td", { "data-label": "Name" }, h("strong", null, user.name)),
      h("td", { "data-label": "Email" }, user.email),
      h("td", { "data-label": "Role" }, role),
      h("td", { "data-label": "Joined" }, dateTime(user.joined_at, shownZone())),
      actions ? h("td", { class: "actions" }, quiet("Remove", () => actions.remove(user), `Remove ${user.email}`)) : null);
  }));
}

/** `actions` (Owners only): revoke(invitation). */
export function invitationsTable(invitations, actions) {
  if (invitations.length === 0) return h("p", { class: "muted" }, "No pending invitations.");
  return dataTable("Pending invitations", ["Email", "Name", "Role", "Invited by", "Expires", actions ? "" : null],
    invitations.map((inv) => h("tr", { "data-invitation-id": inv.id },
      h("td", { "data-label": "Email" }, inv.email),
      h("td", { "data-label": "Name" }, inv.name),
      h("td", { "data-label": "Role" }, ctx.roleLabel(inv.role)),
      h("td", { "data-label": "Invited by" }, inv.invited_by || h("span", { class: "muted" }, "—")),
      h("td", { "data-label": "Expires" }, dateTime(inv.expires_at, shownZone())),
      actions ? h("td", { class: "actions" }, quiet("Revoke", () => actions.revoke(inv), `Revoke invitation for ${inv.email}`)) : null)));
}
