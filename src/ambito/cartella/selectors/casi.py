"""Reads of the case record: casi, always scoped through selectors.visibilita."""
