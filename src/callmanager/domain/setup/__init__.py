"""Admin Setup: the tenant's consent status, the only thing Tenant Setup may touch."""
