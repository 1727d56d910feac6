// What an Owner changes on the Portal Users page: invite (the link is shown once), change a
// role, remove a user, revoke an invitation. Each calls `reload()` once the server has answered.

import { api } from "../../api.js";
import { ctx } from "../../context.js";
import { h } from "../../dom.js";
import { shortDate } from "../../time.js";
import { shownZone } from "../../zone.js";
import { alertBox, confirmThen, copyButton, field, formDialog, toast } from "../../ui.js";
import { roleSelect } from "./tables.js";

function invitationLink(invitation) {
  const url = invitation.invitation_url;
  const input = h("input", { id: "invitation-url", class: "mono", readonly: true, value: url });
  input.addEventListener("focus", () => input.select());
  return h("div", { class: "stack invitation-issued" },
    alertBox(`Invitation created for ${invitation.name} (${invitation.email}) as ${ctx.roleLabel(invitation.role)}.`, "success"),
    h("p", null, h("strong", null, "Copy this link now and send it to them."),
      " It is shown only once: Call Manager does not keep it, and the audit log records only a summary. "
      + `It expires on ${shortDate(invitation.expires_at, shownZone())}.`),
    h("div", { class: "field" }, h("label", { for: "invitation-url" }, "Invitation link"),
      h("div", { class: "input-with-button" }, input, copyButton(() => url, "Copy link"))),
  );
}

export function ownerActions(reload) {
  return {
    async changeRole(user, select) {
      const role = select.value;
      select.disabled = true;
      try {
        await api("PATCH", ctx.tenantApi(`/portal-users/${user.id}`), { role });
        user.role = role;
        toast(`${user.email} is now ${ctx.roleLabel(role)}.`);
      } catch (err) {
        select.value = user.role;
        toast(`Couldn't change the role: ${err.message}`);
      } finally {
        select.disabled = false;
      }
    },

    async remove(user) {
      const asked = await confirmThen({
        title: "Remove portal user?",
        text: `Remove ${user.name} (${user.email}) from ${ctx.tenantName}? They lose access at once.`,
        confirmLabel: "Remove user",
        run: () => api("DELETE", ctx.tenantApi(`/portal-users/${user.id}`)),
        done: `${user.email} removed.`,
        failed: "Couldn't remove",
      });
      if (asked) await reload();
    },

    async revoke(inv) {
      const asked = await confirmThen({
        title: "Revoke invitation?",
        text: `Revoke the invitation for ${inv.email}? The link stops working.`,
        confirmLabel: "Revoke invitation",
        run: () => api("DELETE", ctx.tenantApi(`/invitations/${inv.id}`)),
        done: `Invitation for ${inv.email} revoked.`,
        failed: "Couldn't revoke",
      });
      if (asked) await reload();
    },

    async invite() {
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
          reload();
          return h("div", { class: "stack" }, invitationLink(invitation),
            h("div", { class: "dialog-actions" },
              h("button", { type: "button", class: "button button-primary", onclick: (e) => e.target.closest("dialog").close() }, "Done")));
        },
      });
    },
  };
}
