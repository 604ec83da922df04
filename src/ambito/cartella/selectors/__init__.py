"""Reads of the case record, always through `visibilita`: views never filter by hand."""
