"""REST endpoints of the case record: persone."""

from ninja import Router

router = Router(tags=["persone"])
