"""Pages of the case record, one module per area; each module exposes `urlpatterns`."""
