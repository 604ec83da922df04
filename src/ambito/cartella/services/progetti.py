"""Writes of the case record: progetti. Keyword-only, one transaction, audited."""
