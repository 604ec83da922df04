"""Writes of the case record: persone. Keyword-only, one transaction, audited."""
