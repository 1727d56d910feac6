"""Background System tasks: a small in-process scheduler and the tasks it runs."""

HOLIDAY_MIGRATION = "holiday-migration"
"""The task that checks and migrates every call flow's holidays; its name in the audit log."""
