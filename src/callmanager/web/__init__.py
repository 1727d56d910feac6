"""The Call Manager web UI: page routes, Jinja2 templates and static ES modules (no build step)."""
