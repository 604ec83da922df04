"""The pack and the report against the database: every figure is recomputed here with plain
ORM aggregates, then looked up in the PDF text (pypdf) and in the XLSX."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.db.models import Count, Q, Sum
from openpyxl import load_workbook
from pypdf import PdfReader

from ambito.cartella.models import Attivita, Erogazione, OperatoreCaso
from ambito.core.formats import numero_it
from ambito.core.models import EventoAudit
from ambito.gestione.models import Addebito, QuotaRiparto
from ambito.relazioni import documenti, selectors, services
from ambito.relazioni import engine as e
from ambito.territorio.models import Ente

ANNO = 2025


def _testo_pdf(contenuto: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(contenuto)).pages)


def erogazioni(ambito, anno, **filtri):
    return Erogazione.objects.filter(
        ambito=ambito,
        annullato_il__isnull=True,
        intervento__annullato_il__isnull=True,
        data_erogazione__year=anno,
        **filtri,
    )


@pytest.fixture
def comune(demo):
    """The Comune with most deliveries in the year: the richest pack."""
    top = (
        erogazioni(demo, ANNO)
        .values("intervento__caso__comune_responsabile")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return Ente.objects.get(pk=top["intervento__caso__comune_responsabile"])


def riga(tabella, servizio):
    return next(r for r in tabella.righe if r[0].startswith(f"{servizio.codice} – "))


def test_the_pack_equals_the_database(demo, comune):
    p = selectors.pacchetto_comune(demo, comune, ANNO)
    erog = erogazioni(demo, ANNO, intervento__caso__comune_responsabile=comune)
    attese = list(
        erog.values("intervento__servizio__codice")
        .annotate(persone=Count("intervento__caso__persona", distinct=True), importo=Sum("importo"))
        .order_by()
    )
    assert attese, "the demo has deliveries in the year"
    for a in attese:
        r = next(r for r in p.servizi.righe if r[0].startswith(a["intervento__servizio__codice"] + " – "))
        assert r[5] == a["persone"]
        c = next(r for r in p.costi.righe if r[0].startswith(a["intervento__servizio__codice"] + " – "))
        assert c[1] == a["importo"]
    assert p.costi.totale[1] == erog.aggregate(t=Sum("importo"))["t"]
    assert p.persone_distinte == erog.values("intervento__caso__persona").distinct().count()
    # Operators: activity in the year or assignment to a case during the year, per service.
    coppie = set(
        Attivita.objects.filter(
            ambito=demo,
            annullato_il__isnull=True,
            intervento__annullato_il__isnull=True,
            data__year=ANNO,
            intervento__caso__comune_responsabile=comune,
        ).values_list("intervento__servizio__codice", "operatore_id")
    )
    coppie |= set(
        OperatoreCaso.objects.filter(
            ambito=demo,
            annullato_il__isnull=True,
            caso__comune_responsabile=comune,
            dal__lte=dt.date(ANNO, 12, 31),
        )
        .filter(Q(al__isnull=True) | Q(al__gte=dt.date(ANNO, 1, 1)))
        .values_list("caso__servizio__codice", "utente_id")
    )
    for r in p.servizi.righe:
        codice = r[0].split(" – ")[0]
        assert r[6] == len({u for s, u in coppie if s == codice})
    assert p.operatori_distinti == len({u for _, u in coppie})


def test_the_pack_pdf_and_xlsx_show_the_database_figures(demo, comune):
    p = selectors.pacchetto_comune(demo, comune, ANNO)
    erog = erogazioni(demo, ANNO, intervento__caso__comune_responsabile=comune)
    totale = erog.aggregate(t=Sum("importo"))["t"]
    testo = _testo_pdf(documenti.pdf_comune(p))
    assert f"Comune di {comune.nome}" in testo and "Pagina 1 di" in testo
    assert numero_it(totale) in testo
    for codice, importo in erog.values_list("intervento__servizio__codice").annotate(t=Sum("importo")):
        assert numero_it(importo) in testo, codice

    ws = load_workbook(io.BytesIO(documenti.xlsx_comune(p))).active
    righe = [[c.value for c in r] for r in ws.iter_rows()]
    inizio = next(i for i, r in enumerate(righe) if r[0] == "Costi delle erogazioni ai residenti")
    fine = next(i for i in range(inizio, len(righe)) if righe[i][0] == "Totale")
    corpo = righe[inizio + 2 : fine]
    assert D(str(righe[fine][1])) == totale
    assert sum(D(str(r[1])) for r in corpo) == totale
    assert ws.cell(row=inizio + 2, column=1).font.b  # bold header


def test_the_packs_of_all_comuni_add_up_to_the_report(demo):
    totale_db = erogazioni(demo, ANNO).aggregate(t=Sum("importo"))["t"]
    somma = sum(selectors.pacchetto_comune(demo, c, ANNO).costi.totale[1] for c in selectors.comuni(demo))
    r = selectors.relazione_gestione(demo, ANNO)
    assert somma == totale_db == r.servizi.totale[4] == r.aree.totale[4]


def test_the_report_pdf(demo, utenti):
    services.registra_evento_rilevante(
        ambito=demo,
        anno=2023,
        data=dt.date(2023, 9, 28),
        titolo="Approvato l'assestamento di settembre",
        attore=utenti["direzione"],
    )
    assert EventoAudit.objects.filter(azione="relazioni.evento_rilevante.crea").exists()
    r = selectors.relazione_gestione(demo, 2023)
    testo = _testo_pdf(documenti.pdf_gestione(r))
    quote_db = QuotaRiparto.objects.filter(ambito=demo, versione__esercizio__anno=2023).aggregate(
        t=Sum("importo")
    )
    assert numero_it(quote_db["t"]) in testo  # the Comuni's quotas, in the summary and in the table
    assert r.comuni.totale[1] == r.dati.comuni == quote_db["t"]
    assert "Relazione sulla gestione 2023" in testo
    assert "Approvato l'assestamento di settembre" in testo
    costo = erogazioni(demo, 2023).aggregate(t=Sum("importo"))["t"]
    assert numero_it(costo) in testo


def test_the_advances_section_is_not_available_without_data():
    assert selectors.sezione_acconti_saldi(None).disponibile is False
    assert selectors.sezione_acconti_saldi([]).messaggio.endswith("non disponibile.")


def test_the_advances_section_comes_from_the_documents_issued(demo):
    """The demo issues the two 2023 advances (50% + 40% of the approved preventivo)."""
    r = selectors.relazione_gestione(demo, 2023)
    assert r.acconti.disponibile
    t = r.acconti.tabella
    fatturato = Addebito.objects.filter(ambito=demo, esercizio__anno=2023).aggregate(t=Sum("importo"))["t"]
    preventivo = QuotaRiparto.objects.filter(
        ambito=demo, versione__esercizio__anno=2023, versione__tipo="preventivo"
    ).aggregate(t=Sum("importo"))["t"]
    assert t.totale[2] == fatturato == (preventivo * D("0.9")).quantize(D("0.01"))
    assert t.totale[1] == preventivo
    assert t.totale[3] is None and t.totale[4] is None  # no consuntivo yet: "—"
    per_comune = dict(
        Addebito.objects.filter(ambito=demo, esercizio__anno=2023)
        .values_list("comune__nome")
        .annotate(t=Sum("importo"))
    )
    assert {riga[0]: riga[2] for riga in t.righe} == per_comune
    testo = _testo_pdf(documenti.pdf_gestione(r))
    assert "Saldo (consuntivo − acconti)" in testo and numero_it(fatturato) in testo


def test_a_report_that_does_not_add_up_is_never_produced(demo, comune):
    p = selectors.pacchetto_comune(demo, comune, ANNO)
    t = p.costi
    p.costi = e.Tabella(t.titolo, t.colonne, t.righe, ("Totale", t.totale[1] + D("0.01"), *t.totale[2:]))
    with pytest.raises(e.TabellaNonQuadra):
        documenti.pdf_comune(p)
    with pytest.raises(e.TabellaNonQuadra):
        documenti.xlsx_comune(p)


def test_the_pack_reads_in_a_constant_number_of_queries(demo, comune, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        selectors.pacchetto_comune(demo, comune, ANNO)


def test_the_report_reads_in_a_constant_number_of_queries(demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(31):
        selectors.relazione_gestione(demo, 2023)


def test_the_zip_is_refused_before_its_first_byte_when_a_comune_does_not_add_up(demo, monkeypatch):
    """The zip streams Comune by Comune, but every Comune's tables are checked first: one that
    does not add up (the last Comune's, here) refuses the download, never a zip cut half-way."""
    comuni = list(selectors.comuni(demo))
    originale = selectors.pacchetto_comune

    def ultimo_non_quadra(ambito, comune, anno):
        p = originale(ambito, comune, anno)
        if comune.pk == comuni[-1].pk:
            t = p.costi
            p.costi = e.Tabella(
                t.titolo, t.colonne, t.righe, ("Totale", t.totale[1] + D("0.01"), *t.totale[2:])
            )
        return p

    monkeypatch.setattr(selectors, "pacchetto_comune", ultimo_non_quadra)
    pdf = []
    monkeypatch.setattr(documenti, "pdf_comune", lambda p: pdf.append(p) or b"%PDF")
    with pytest.raises(e.TabellaNonQuadra):
        documenti.zip_comuni_a_pezzi(demo, ANNO)
    assert pdf == []  # nothing was rendered
