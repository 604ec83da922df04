"""Records loaded without an author (demo, imports) render: the author shows as "—"."""

import datetime as dt

from django.urls import reverse

from ambito.cartella.models import Progetto, Valutazione, VersioneProgetto


def test_assessment_and_plan_pages_render_without_author(mondo):
    caso = mondo.caso()
    val = Valutazione.objects.create(
        ambito=mondo.ambito, caso=caso, tipo="professionale", data=dt.date(2024, 2, 1), testo="Sintesi"
    )
    prog = Progetto.objects.create(ambito=mondo.ambito, caso=caso, tipo="individualizzato")
    VersioneProgetto.objects.create(
        ambito=mondo.ambito,
        progetto=prog,
        numero=1,
        sintesi="Sintesi del progetto",
        data_inizio=dt.date(2024, 2, 10),
        prossima_verifica=dt.date(2024, 8, 10),
    )
    client = mondo.client(mondo.operatore)
    for url in (reverse("cartella:valutazione", args=[val.pk]), reverse("cartella:progetto", args=[prog.pk])):
        risposta = client.get(url)
        assert risposta.status_code == 200, url
        assert "redatta da —" in risposta.content.decode()
