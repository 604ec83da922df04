"""REST endpoints of the case record: progetti."""

from ninja import Router

router = Router(tags=["progetti"])
