"""REST endpoints of the case record: erogazioni."""

from ninja import Router

router = Router(tags=["erogazioni"])
