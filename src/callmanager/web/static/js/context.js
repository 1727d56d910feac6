// What the server told the page about the tenant and the caller (data-* attributes on <body>).

const data = document.body.dataset;
const permissions = new Set((data.permissions || "").split(" ").filter(Boolean));
// The role names as [value, label] pairs, Owner first, as the server writes them (web/routes.py).
const roles = JSON.parse(data.roleLabels || "[]");
const roleLabels = new Map(roles);

export const ctx = {
  page: data.page || "",
  tenantId: data.tenantId || "",
  tenantName: data.tenantName || "",
  timeZone: data.tenantTz || "UTC",
  role: data.role || "",
  actorKind: data.actorKind || "",
  /** The roles as [value, label] pairs, in the server's order: Owner first. */
  roles,
  /** "Tenant Setup" for "tenant_setup". */
  roleLabel(role) {
    return roleLabels.get(role) || role;
  },
  /** May the caller do `permission` here (read, write, manage_users, audit_read, ...)? */
  can(permission) {
    return permissions.has(permission);
  },
  /** The tenant API path of `rest`, e.g. tenantApi("/groups") → /tenants/<id>/groups. */
  tenantApi(rest = "") {
    return `/tenants/${this.tenantId}${rest}`;
  },
};
