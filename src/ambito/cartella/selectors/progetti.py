"""Reads of the case record: progetti, always scoped through selectors.visibilita."""
