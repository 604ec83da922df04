"""Writes of the case record, one module per area."""
