"""The demo's 2023 preventivo is approved and its two advances issued, once."""

from decimal import Decimal

from django.db.models import Sum

from ambito.demo.services import carica_demo


def test_demo_acconti_2023(db, settings):
    from ambito.gestione.models import Addebito, QuotaRiparto, VersioneBilancio

    settings.DEBUG = True
    righe = carica_demo(persone=0)
    assert "Riparto 2023: «Preventivo 2023» approvato" in righe
    v = VersioneBilancio.objects.get(esercizio__anno=2023, nome="Preventivo 2023")
    assert v.approvata
    totale = QuotaRiparto.objects.filter(versione=v).aggregate(t=Sum("importo"))["t"]
    for numero, quota, data in ((1, Decimal("0.5"), "2023-01-31"), (2, Decimal("0.4"), "2023-09-30")):
        docs = Addebito.objects.filter(rata__numero=numero)
        assert docs.aggregate(t=Sum("importo"))["t"] == (totale * quota).quantize(Decimal("0.01"))
        assert {d.data.isoformat() for d in docs} == {data}
    n = Addebito.objects.count()
    righe = carica_demo(persone=0)
    assert Addebito.objects.count() == n
    assert any("già emesso per tutti i Comuni" in r for r in righe)
