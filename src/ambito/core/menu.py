"""Main-menu registry: each app adds its entries in AppConfig.ready(), so core imports no app."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class VoceMenu:
    etichetta: str
    url_name: str
    permesso: str | None  # Django permission "app_label.codename"; None = any logged-in user
    ordine: int = 100


_VOCI: list[VoceMenu] = []


def registra(etichetta: str, url_name: str, permesso: str | None = None, ordine: int = 100) -> None:
    voce = VoceMenu(etichetta, url_name, permesso, ordine)
    if voce not in _VOCI:
        _VOCI.append(voce)


def voci_per(user, path: str = "") -> list[dict]:
    out = []
    for voce in sorted(_VOCI, key=lambda v: (v.ordine, v.etichetta)):
        if voce.permesso and not user.has_perm(voce.permesso):
            continue
        try:
            url = reverse(voce.url_name)
        except NoReverseMatch:
            continue
        out.append({"etichetta": voce.etichetta, "url": url, "attiva": bool(path) and path.startswith(url)})
    return out
