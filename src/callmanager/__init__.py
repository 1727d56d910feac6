"""Call Manager: a multi-tenant admin portal for a Teams phone system, centred on its Audit Log."""
