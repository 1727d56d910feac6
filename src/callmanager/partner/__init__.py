"""Access Service: partner staff enter a tenant with a grant signed by the Provisioner platform."""
