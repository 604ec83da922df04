"""Pages of the case record: erogazioni. Thin: parse, call a service or selector, render."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
