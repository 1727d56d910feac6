"""Portal users, their roles in a tenant, and invitations."""
