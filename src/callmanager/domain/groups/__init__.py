"""Groups: named sets of members (Teams users) in a tenant."""
