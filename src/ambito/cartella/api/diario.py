"""REST endpoints of the case record: diario."""

from ninja import Router

router = Router(tags=["diario"])
