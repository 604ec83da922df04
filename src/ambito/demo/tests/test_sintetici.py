"""The synthetic case records keep every invariant the services enforce."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from ambito.cartella.codice_fiscale import valida
from ambito.cartella.models import Caso, Erogazione, FinanziamentoErogazione, Isee, Persona, Residenza
from ambito.core.models import Ambito
from ambito.demo.services import carica_demo


@pytest.fixture
def demo_piccolo(db, settings):
    settings.DEBUG = True
    righe = carica_demo(persone=300)
    return Ambito.objects.get(codice="ATS-SGM"), righe


def test_synthetic_records_are_consistent(demo_piccolo):
    ambito, righe = demo_piccolo
    assert any(r.startswith("Cartelle sintetiche: 300 persone") for r in righe)
    persone = Persona.objects.filter(ambito=ambito)
    assert persone.count() == 300
    assert all(valida(cf).valido for cf in persone.values_list("codice_fiscale", flat=True))
    # Everyone lives in a Comune of the Ambito, and cases are charged to that Comune.
    residenza = dict(Residenza.objects.filter(ambito=ambito).values_list("persona_id", "comune_id"))
    assert len(residenza) == 300
    casi = Caso.objects.filter(ambito=ambito)
    assert casi.count() > 60
    for persona_id, comune_id in casi.values_list("persona_id", "comune_responsabile_id"):
        assert residenza[persona_id] == comune_id
    # Quotas add up to the amount and funds cover the quota ente, to the cent.
    fondi = defaultdict(Decimal)
    for erog_id, importo in FinanziamentoErogazione.objects.filter(erogazione__ambito=ambito).values_list(
        "erogazione_id", "importo"
    ):
        fondi[erog_id] += importo
    erogazioni = list(Erogazione.objects.filter(ambito=ambito))
    assert len(erogazioni) > 500
    for e in erogazioni:
        assert e.quota_ente + e.quota_utente + e.quota_ssn == e.importo
        assert fondi[e.pk] == e.quota_ente
        assert e.dal <= e.al and e.dal >= e.intervento.dal
    # ISEE certificates expire at the end of their DSU year.
    assert all(
        i.scadenza.year == i.data_dsu.year and (i.scadenza.month, i.scadenza.day) == (12, 31)
        for i in Isee.objects.filter(ambito=ambito)
    )


def test_the_demo_users_have_cases_to_work_on(demo_piccolo):
    ambito, _ = demo_piccolo
    minori = Caso.objects.filter(ambito=ambito, servizio__codice="MINORI")
    assert minori.exists() and not minori.filter(team__isnull=True).exists()
    per_servizio = dict(
        Erogazione.objects.filter(ambito=ambito)
        .values("intervento__servizio__codice")
        .annotate(n=Count("id"), euro=Sum("importo"))
        .values_list("intervento__servizio__codice", "n")
    )
    assert per_servizio.get("MINORI", 0) > 0
    from ambito.cartella.models import Intervento

    prova_mezzi = Intervento.objects.filter(ambito=ambito, presenza_prova_mezzi="1")
    assert prova_mezzi.exists() and not prova_mezzi.filter(isee__isnull=True).exists()


def test_loading_twice_adds_nothing(demo_piccolo, settings):
    ambito, _ = demo_piccolo
    prima = Persona.objects.filter(ambito=ambito).count(), Erogazione.objects.filter(ambito=ambito).count()
    righe = carica_demo(persone=300)
    assert "Cartelle sintetiche: già presenti" in righe
    assert (
        Persona.objects.filter(ambito=ambito).count(),
        Erogazione.objects.filter(ambito=ambito).count(),
    ) == prima


def test_synthetic_persons_are_found_by_the_search_as_typed(demo_piccolo):
    from ambito.cartella.selectors.persone import cerca
    from ambito.core.models import Utente
    from ambito.utenti.selectors import ambito_visibilita

    ambito, _ = demo_piccolo
    vis = ambito_visibilita(Utente.objects.get(username="direzione"))
    persone = list(Persona.objects.filter(ambito=ambito).order_by("pk"))
    difficili = [p for p in persone if "'" in p.cognome + p.nome or not (p.cognome + p.nome).isascii()]
    assert difficili, "the sample should contain names with apostrophes or accents"
    from ambito.cartella.persone_testo import chiave_ricerca

    assert all(p.chiave_ricerca == chiave_ricerca(p.cognome, p.nome) for p in persone)
    for p in difficili + persone[:20]:
        trovati = cerca(vis, f"{p.cognome} {p.nome}")
        assert p in trovati, (p.cognome, p.nome)


def test_the_demo_has_the_2023_riparto_of_allegato_7(demo_piccolo):
    from ambito.gestione.models import QuotaRiparto

    ambito, righe = demo_piccolo
    assert "Riparto 2023: caricato dall'esempio (Allegato 7 del Piano Programma 2023)" in righe
    quota = QuotaRiparto.objects.get(
        versione__ambito=ambito, comune__codice_istat="015195", voce__codice="I_POLO"
    )
    assert quota.importo == 559703
