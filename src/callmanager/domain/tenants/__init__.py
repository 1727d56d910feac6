"""Tenants: the customer organisations, each with a name, a time zone and a Microsoft tenant id."""
