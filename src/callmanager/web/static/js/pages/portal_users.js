// Portal users and invitations: Owners invite (the link is shown once), change roles, remove.

import { api } from "../api.js";
import { ctx } from "../context.js";
import { h, replace } from "../dom.js";
import { dateTime, shortDate } from "../time.js";
import {
  ROLES, alertBox, button, confirmDialog, copyButton, emptyState, field, formDialog, roleLabel, toast,
} from "../ui.js";

function roleSelect(id, value, label) {
  return h("select", { id, name: "role", "aria-label": label },
    ROLES.map(([role, text]) => h("option", { value: role, selected: role === value }, text)));
}

function invitationLink(invitation) {
  const url = invitation.invitation_url;
  const input = h("input", { id: "invitation-url", class: "mono", readonly: true, value: url });
  input.addEventListener("focus", () => input.select());
  return h("div", { class: "stack invitation-issued" },
    alertBox(`Invitation created for ${invitation.name} (${invitation.email}) as ${roleLabel(invitation.role)}.`, "success"),
    h("p", null, h("strong", null, "Copy this link now and send it to them."),
      " It is shown only once: Call Manager does not keep it, and the audit log records only a summary. "
      + `It expires on ${shortDate(invitation.expires_at, ctx.timeZone)}.`),
    h("div", { class: "field" }, h("label", { for: "invitation-url" }, "Invitation link"),
      h("div", { class: "input-with-button" }, input, copyButton(() => url, "Copy link"))),
  );
}

export async function mount(root) {
  const isOwner = ctx.can("manage_users");
  const usersRegion = h("div", { class: "table-region" });
  const invitesRegion = h("div", { class: "table-region" });
  replace(root,
    h("div", { class: "toolbar" },
      h("p", { class: "muted toolbar-text" },
        isOwner ? "People who can log in to this tenant, and their roles."
          : "People who can log in to this tenant. Only Owners invite, change roles and remove."),
      isOwner ? button("Invite user", invite, { kind: "primary", "data-action": "invite" }) : null),
    h("section", { "aria-labelledby": "users-heading" }, h("h2", { id: "users-heading", class: "section-title" }, "Portal users"), usersRegion),
    h("section", { "aria-labelledby": "invites-heading" }, h("h2", { id: "invites-heading", class: "section-title" }, "Pending invitations"), invitesRegion));

  async function load() {
    const [users, invitations] = await Promise.allSettled([
      api("GET", ctx.tenantApi("/portal-users")),
      api("GET", ctx.tenantApi("/invitations")),
    ]);
    if (users.status === "fulfilled") renderUsers(users.value);
    else replace(usersRegion, alertBox(`Couldn't load portal users: ${users.reason.message}`));
    if (invitations.status === "fulfilled") renderInvitations(invitations.value);
    else replace(invitesRegion, alertBox(`Couldn't load invitations: ${invitations.reason.message}`));
  }

  function renderUsers(users) {
    replace(usersRegion, h("table", { class: "table" },
      h("caption", { class: "visually-hidden" }, "Portal users"),
      h("thead", null, h("tr", null,
        h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Email"),
        h("th", { scope: "col" }, "Role"), h("th", { scope: "col" }, "Joined"),
        isOwner ? h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")) : null)),
      h("tbody", null, users.map((user) => {
        let roleCell = roleLabel(user.role);
        if (isOwner) {
          const select = roleSelect(`role-${user.id}`, user.role, `Role of ${user.email}`);
          select.addEventListener("change", () => changeRole(user, select));
          roleCell = select;
        }
        return h("tr", { "data-user-id": user.id },
          h("td", { "data-label": "Name" }, h("strong", null, user.name)),
          h("td", { "data-label": "Email" }, user.email),
          h("td", { "data-label": "Role" }, roleCell),
          h("td", { "data-label": "Joined" }, dateTime(user.joined_at, ctx.timeZone)),
          isOwner ? h("td", { class: "actions" },
            button("Remove", () => removeUser(user), { class: "button button-danger-quiet button-small", "aria-label": `Remove ${user.email}` }))
            : null);
      }))));
  }

  function renderInvitations(invitations) {
    if (invitations.length === 0) {
      replace(invitesRegion, h("p", { class: "muted" }, "No pending invitations."));
      return;
    }
    replace(invitesRegion, h("table", { class: "table" },
      h("caption", { class: "visually-hidden" }, "Pending invitations"),
      h("thead", null, h("tr", null,
        h("th", { scope: "col" }, "Email"), h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Role"),
        h("th", { scope: "col" }, "Invited by"), h("th", { scope: "col" }, "Expires"),
        isOwner ? h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")) : null)),
      h("tbody", null, invitations.map((inv) => h("tr", { "data-invitation-id": inv.id },
        h("td", { "data-label": "Email" }, inv.email),
        h("td", { "data-label": "Name" }, inv.name),
        h("td", { "data-label": "Role" }, roleLabel(inv.role)),
        h("td", { "data-label": "Invited by" }, inv.invited_by || h("span", { class: "muted" }, "—")),
        h("td", { "data-label": "Expires" }, dateTime(inv.expires_at, ctx.timeZone)),
        isOwner ? h("td", { class: "actions" },
          button("Revoke", () => revoke(inv), { class: "button button-danger-quiet button-small", "aria-label": `Revoke invitation for ${inv.email}` }))
          : null)))));
  }

  async function changeRole(user, select) {
    const role = select.value;
    select.disabled = true;
    try {
      await api("PATCH", ctx.tenantApi(`/portal-users/${user.id}`), { role });
      user.role = role;
      toast(`${user.email} is now ${roleLabel(role)}.`);
    } catch (err) {
      select.value = user.role;
      toast(`Couldn't change the role: ${err.message}`);
    } finally {
      select.disabled = false;
    }
  }

  async function removeUser(user) {
    const ok = await confirmDialog({
      title: "Remove portal user?",
      text: `Remove ${user.name} (${user.email}) from ${ctx.tenantName}? They lose access at once.`,
      confirmLabel: "Remove user",
    });
    if (!ok) return;
    try {
      await api("DELETE", ctx.tenantApi(`/portal-users/${user.id}`));
      toast(`${user.email} removed.`);
    } catch (err) {
      toast(`Couldn't remove: ${err.message}`);
    }
    await load();
  }

  async function revoke(inv) {
    const ok = await confirmDialog({
      title: "Revoke invitation?",
      text: `Revoke the invitation for ${inv.email}? The link stops working.`,
      confirmLabel: "Revoke invitation",
    });
    if (!ok) return;
    try {
      await api("DELETE", ctx.tenantApi(`/invitations/${inv.id}`));
      toast(`Invitation for ${inv.email} revoked.`);
    } catch (err) {
      toast(`Couldn't revoke: ${err.message}`);
    }
    await load();
  }

  async function invite() {
    await formDialog({
      title: "Invite a portal user",
      fields: [
        field("Email", h("input", { id: "invite-email", name: "email", type: "email", required: true, autocomplete: "off" })),
        field("Name", h("input", { id: "invite-name", name: "name", required: true, maxlength: 200, autocomplete: "off" })),
        field("Role", roleSelect("invite-role", "reader")),
      ],
      submitLabel: "Create invitation",
      async submit(data) {
        const invitation = await api("POST", ctx.tenantApi("/invitations"), {
          email: String(data.get("email")).trim(),
          name: String(data.get("name")).trim(),
          role: data.get("role"),
        });
        load();
        return h("div", { class: "stack" }, invitationLink(invitation),
          h("div", { class: "dialog-actions" },
            h("button", { type: "button", class: "button button-primary", onclick: (e) => e.target.closest("dialog").close() }, "Done")));
      },
    });
  }

  await load();
}
