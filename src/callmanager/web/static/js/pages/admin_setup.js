// Admin Setup: the tenant's consent status and facts, with how long its audit log is kept (Owners
// change that here as on the Audit Log); the one page Tenant Setup may use.

import { api } from "../api.js";
import { ctx } from "../context.js";
import { h, replace } from "../dom.js";
import { dateTime } from "../time.js";
import { alertBox, button, toast } from "../ui.js";
import { shownZone } from "../zone.js";
import { retentionLine } from "./audit_log/retention.js";

const STATUS = {
  not_granted: ["Not granted", "badge-neutral", "Call Manager can't manage Teams phone settings until an administrator grants consent."],
  granted: ["Granted", "badge-success", "Call Manager may manage this tenant's Teams phone settings."],
  revoked: ["Revoked", "badge-danger", "Consent was revoked; Call Manager no longer manages Teams phone settings."],
};

export async function mount(root) {
  const canChange = ctx.can("setup_write");
  const region = h("div");
  replace(root, region);

  async function load() {
    try {
      const [setup, tenant] = await Promise.all([
        api("GET", ctx.tenantApi("/admin-setup")),
        api("GET", ctx.tenantApi()),
      ]);
      render(setup, tenant);
    } catch (err) {
      replace(region, alertBox(`Couldn't load Admin Setup: ${err.message}`), button("Retry", load));
    }
  }

  async function change(status) {
    try {
      await api("PUT", ctx.tenantApi("/admin-setup"), { consent_status: status });
      toast(status === "granted" ? "Consent granted." : "Consent revoked.");
    } catch (err) {
      toast(`Couldn't change consent: ${err.message}`);
    }
    await load();
  }

  function render(setup, tenant) {
    const retention = retentionLine();
    retention.show(tenant);
    const [label, badge, text] = STATUS[setup.consent_status] || [setup.consent_status, "badge-neutral", ""];
    replace(region,
      h("section", { class: "card", "aria-labelledby": "consent-heading" },
        h("h2", { id: "consent-heading" }, "Microsoft consent"),
        h("p", null, "Status: ", h("span", { class: `badge ${badge}`, "data-consent": setup.consent_status }, label)),
        h("p", { class: "muted" }, text),
        h("dl", { class: "facts" },
          h("dt", null, "Consented by"), h("dd", null, setup.consented_by || "—"),
          h("dt", null, "Last changed"), h("dd", null, `${dateTime(setup.updated_at, shownZone())} (${shownZone()})`)),
        canChange ? h("div", { class: "button-row" },
          setup.consent_status !== "granted" ? button("Grant consent", () => change("granted"), { kind: "primary" }) : null,
          setup.consent_status === "granted" ? button("Revoke consent", () => change("revoked"), { kind: "danger" }) : null)
          : h("p", { class: "muted" }, "Only Owners, Writers and Tenant Setup change consent.")),
      h("section", { class: "card", "aria-labelledby": "tenant-heading" },
        h("h2", { id: "tenant-heading" }, "Tenant"),
        h("dl", { class: "facts" },
          h("dt", null, "Name"), h("dd", null, tenant.name),
          h("dt", null, "Time zone"), h("dd", null, tenant.time_zone),
          h("dt", null, "Microsoft tenant id"), h("dd", { class: "mono" }, tenant.microsoft_tenant_id || "—"),
          h("dt", null, "Tenant id"), h("dd", { class: "mono" }, tenant.id),
          h("dt", null, "Audit log kept"), h("dd", null, retention.node))));
  }

  await load();
}
