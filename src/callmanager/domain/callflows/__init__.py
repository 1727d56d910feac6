"""Wizard Call Flows: a phone number, business hours, routing, and holidays that migrate yearly."""
