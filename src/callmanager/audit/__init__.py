"""The audit engine: records every API call of an ASGI app, redacted and durable, and searches them.

It imports nothing from the rest of Call Manager; the host app plugs its own rules in.
"""
