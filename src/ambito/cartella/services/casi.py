"""Writes of the case record: casi. Keyword-only, one transaction, audited."""
