"""Reads of the case record: persone, always scoped through selectors.visibilita."""
