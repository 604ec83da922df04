"""Writes of the case record: diario. Keyword-only, one transaction, audited."""
