"""Reads of the case record: diario, always scoped through selectors.visibilita."""
