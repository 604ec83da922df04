"""The case record's REST router, mounted at /api/v1/cartella/ by ambito.api."""

from ninja import Router

from . import casi, diario, erogazioni, persone, progetti

router = Router()
router.add_router("", persone.router)
router.add_router("", casi.router)
router.add_router("", progetti.router)
router.add_router("", erogazioni.router)
router.add_router("", diario.router)
