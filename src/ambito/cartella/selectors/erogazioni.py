"""Reads of the case record: erogazioni, always scoped through selectors.visibilita."""
