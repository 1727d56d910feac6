"""Call Logs: the read-only list of a tenant's PSTN calls, and a generator of realistic traffic."""
