"""Background System tasks: a small in-process scheduler and the tasks it runs."""

HOLIDAY_MIGRATION = "holiday-migration"
"""The task that checks and migrates every call flow's holidays; its name in the audit log."""

AUDIT_RETENTION = "audit-retention"
"""The task that prunes every tenant's audit log to its retention period; its name in the log."""
