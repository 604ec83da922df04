"""Ambito: the information system of an Ambito territoriale sociale."""

__version__ = "0.1.0"
