"""Writes of the case record: erogazioni. Keyword-only, one transaction, audited."""
