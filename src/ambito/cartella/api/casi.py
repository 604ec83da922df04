"""REST endpoints of the case record: casi."""

from ninja import Router

router = Router(tags=["casi"])
