"""ISTAT survey and SIOSS: figures checked against the deliveries and cases created here,
annulled rows excluded, co-payments kept apart, unclassified services listed, suppression on the
page and in the workbook, the workbook read back, and who may see what."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from ambito.cartella.models import Caso, Erogazione
from ambito.cartella.services.erogazioni import annulla_erogazione, registra_erogazione
from ambito.catalogo.models import Corrispondenza, Servizio
from ambito.core.models import AccessoDati
from ambito.flussi import istat

from .conftest import crosswalk

ANNO = 2024
PAGINA, XLSX = reverse("flussi:istat"), reverse("flussi:istat_xlsx")


class Scena:
    """Deliveries of 2024 in two Comuni for two classified services and one unclassified."""

    def __init__(self, mondo):
        self.m = m = mondo
        for s, area, macro in ((m.sad, "ELD", "interventi_servizi"), (m.minori, "FAM", "strutture")):
            crosswalk(m, s, "istat_area_utenza", area, dal=dt.date(2022, 1, 1))
            crosswalk(m, s, "istat_macroarea", macro, dal=dt.date(2022, 1, 1))
        self.altro = Servizio.objects.create(ambito=m.ambito, codice="ALTRO", nome="Servizio senza codici")
        self.mese = 1

    def eroga(
        self,
        servizio,
        comune,
        *,
        persona=None,
        intervento=None,
        importo="100.00",
        ente=None,
        utente="0",
        ssn="0",
        data=None,
    ):
        if intervento is None:
            caso = self.m.caso(servizio=servizio, persona=persona, comune=comune)
            intervento = self.m.intervento(caso, erogatore=self.m.coop, dal=dt.date(2023, 1, 1))
        self.mese += 1  # each delivery its own month: periods never overlap
        anno, mese = divmod(self.mese, 12)
        dal = dt.date(2023 + anno, mese + 1, 1)
        quota_ente = D(ente) if ente is not None else D(importo) - D(utente) - D(ssn)
        return registra_erogazione(
            intervento=intervento,
            finanziamenti=[(self.m.fnps, quota_ente)] if quota_ente else [],
            dal=dal,
            al=dal + dt.timedelta(days=27),
            data_erogazione=data or dt.date(ANNO, 6, 15),
            quantita="5",
            importo=importo,
            quota_ente=quota_ente,
            quota_utente=utente,
            quota_ssn=ssn,
            attore=None,
        )


@pytest.fixture
def scena(mondo):
    s = Scena(mondo)
    m = mondo
    # SAD in Comune A: three persons, one of them with two deliveries; co-payments by users and SSN.
    e1 = s.eroga(m.sad, m.comune, importo="300.00", utente="40.50", ssn="60.00")
    s.eroga(m.sad, m.comune, intervento=e1.intervento, importo="120.00", utente="10.00")
    s.eroga(m.sad, m.comune, importo="99.99")
    s.eroga(m.sad, m.comune, importo="250.01", ssn="25.00")
    # An annulled delivery of a fourth person: counted nowhere.
    annulla_erogazione(erogazione=s.eroga(m.sad, m.comune, importo="5000.00"), motivo="errore", attore=None)
    # A delivery of the previous year: not in 2024.
    s.eroga(m.sad, m.comune, importo="777.00", data=dt.date(ANNO - 1, 12, 31))
    # SAD in Comune B: one person (a cell to suppress).
    s.eroga(m.sad, m.altro_comune, importo="80.00", utente="8.00")
    # MINORI: four persons in A, five in B.
    for _ in range(4):
        s.eroga(m.minori, m.comune, importo="1000.00", ssn="100.00")
    for _ in range(5):
        s.eroga(m.minori, m.altro_comune, importo="900.00")
    # A service with no ISTAT crosswalk.
    s.eroga(s.altro, m.comune, importo="55.00")
    return s


def attese(ambito):
    """Cells recomputed from the deliveries one by one, without the selector's aggregate."""
    celle = defaultdict(lambda: {"persone": set(), "ente": D(0), "utente": D(0), "ssn": D(0), "n": 0})
    for e in Erogazione.objects.filter(ambito=ambito).select_related("intervento__caso"):
        if e.annullato_il or e.data_erogazione.year != ANNO:
            continue
        c = celle[(e.intervento.servizio_id, e.intervento.caso.comune_responsabile_id)]
        c["persone"].add(e.intervento.caso.persona_id)
        c["ente"] += e.quota_ente
        c["utente"] += e.quota_utente
        c["ssn"] += e.quota_ssn
        c["n"] += 1
    return celle


def test_cells_and_totals_equal_the_deliveries(mondo, scena):
    ind = istat.indagine_istat(mondo.ambito, ANNO)
    att = attese(mondo.ambito)
    classificate = {k: v for k, v in att.items() if k[0] != scena.altro.pk}
    assert set(ind.celle) == set(classificate)
    for k, a in classificate.items():
        v = ind.celle[k]
        assert (v.utenti, v.erogazioni) == (len(a["persone"]), a["n"])
        assert (v.spesa_comuni, v.compartecipazione_utenti, v.quota_ssn) == (a["ente"], a["utente"], a["ssn"])
        assert v.spesa_totale == a["ente"] + a["utente"] + a["ssn"]
    # Totals are sums of the cells, to the cent, by area, by Comune and overall.
    assert ind.totale.utenti == sum(len(a["persone"]) for a in classificate.values())
    assert ind.totale.spesa_comuni == sum(a["ente"] for a in classificate.values())
    assert ind.totale.compartecipazione_utenti == sum(a["utente"] for a in classificate.values())
    assert ind.totale.quota_ssn == sum(a["ssn"] for a in classificate.values())
    for comune in (mondo.comune, mondo.altro_comune):
        assert ind.per_comune[comune.pk].spesa_totale == sum(
            a["ente"] + a["utente"] + a["ssn"] for (s, c), a in classificate.items() if c == comune.pk
        )
    assert [a.codice for a in ind.aree] == ["FAM", "ELD"]  # the survey's order
    assert ind.per_area["ELD"].utenti == sum(
        len(a["persone"]) for (s, _), a in classificate.items() if s == mondo.sad.pk
    )


def test_annulled_and_other_years_excluded_and_copayments_apart(mondo, scena):
    ind = istat.indagine_istat(mondo.ambito, ANNO)
    sad_a = ind.celle[(mondo.sad.pk, mondo.comune.pk)]
    annullata = Erogazione.objects.get(annullato_il__isnull=False)
    valide = Erogazione.objects.filter(
        intervento__servizio=mondo.sad,
        intervento__caso__comune_responsabile=mondo.comune,
        annullato_il__isnull=True,
        data_erogazione__year=ANNO,
    )
    assert sad_a.utenti == 3 == valide.values("intervento__caso__persona").distinct().count()
    assert annullata.importo not in (sad_a.spesa_comuni, sad_a.spesa_totale)
    assert sad_a.spesa_totale == sum(e.importo for e in valide)
    assert sad_a.compartecipazione_utenti == sum(e.quota_utente for e in valide) > 0
    assert sad_a.quota_ssn == sum(e.quota_ssn for e in valide) > 0
    assert sad_a.spesa_comuni == sum(e.importo - e.quota_utente - e.quota_ssn for e in valide)


def test_unclassified_services_are_listed_with_a_link_to_the_catalogue(mondo, scena):
    ind = istat.indagine_istat(mondo.ambito, ANNO)
    (nc,) = ind.non_classificati
    assert nc.servizio_id == scena.altro.pk and "area di utenza" in nc.motivo
    e = Erogazione.objects.get(intervento__servizio=scena.altro)
    assert (nc.valori.erogazioni, nc.valori.spesa_totale, nc.valori.utenti) == (1, e.importo, 1)
    assert all(k[0] != scena.altro.pk for k in ind.celle)
    testo = mondo.client(mondo.ufficiodipiano).get(PAGINA, {"anno": ANNO}).content.decode()
    assert reverse("catalogo:servizio", args=[scena.altro.pk]) in testo and "ALTRO" in testo


def test_small_cell_suppressed_with_a_partner_and_shown_as_such(mondo, scena):
    ind = istat.indagine_istat(mondo.ambito, ANNO)
    chiave = ("s", mondo.sad.pk, mondo.altro_comune.pk)
    assert ind.celle[chiave[1:]].utenti == 1 and chiave in ind.oscuramento.primarie
    # The SAD row has two Comuni: the other cell goes too, else the service total gives it away.
    assert ("s", mondo.sad.pk, mondo.comune.pk) in ind.oscuramento.secondarie
    pubblicate = {t.chiave: t for t in istat.tabelle_indagine(ind)}
    riga_sad = next(r for r in pubblicate["servizio"].righe if mondo.sad.codice in r.celle)
    assert istat.PRIMARIA in riga_sad.celle and istat.SECONDARIA in riga_sad.celle
    dettaglio = [r for r in pubblicate["dettaglio"].righe if mondo.sad.codice in r.celle]
    for r in dettaglio:  # money goes with the users cell
        assert set(r.celle[6:]) <= {istat.PRIMARIA, istat.SECONDARIA}
    # Totals stay published and true.
    assert pubblicate["servizio"].righe[-1].celle[-1] == ind.totale.spesa_totale
    r = mondo.client(mondo.ufficiodipiano).get(PAGINA, {"anno": ANNO, "vista": "servizio"})
    assert "≤2" in r.content.decode() and "Legenda" in r.content.decode()


def _leggi(contenuto: bytes) -> dict[str, list[list]]:
    wb = load_workbook(io.BytesIO(contenuto))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def _cella(v):
    """A table value as openpyxl reads it back: Decimal as float, an empty label as None."""
    return float(v) if isinstance(v, D) else (None if v == "" else v)


def _come_foglio(t: istat.Tabella) -> list[list]:
    return [t.intestazioni, *[[_cella(v) for v in r.celle] for r in t.righe]]


@pytest.mark.parametrize("non_oscurato", [False, True])
def test_workbook_read_back_equals_the_published_tables(mondo, scena, non_oscurato):
    c = mondo.client(mondo.ufficiodipiano)
    r = c.get(XLSX, {"anno": ANNO, **({"non_oscurato": "1"} if non_oscurato else {})})
    assert r.status_code == 200
    fogli = _leggi(r.content)
    ind = istat.indagine_istat(mondo.ambito, ANNO)
    s = istat.sioss(mondo.ambito, ANNO)
    tabelle = [
        *istat.tabelle_indagine(ind, oscurato=not non_oscurato),
        istat.tabella_sioss(s, oscurato=not non_oscurato),
    ]
    nomi = ["Per area", "Per Comune", "Per servizio", "Servizi per Comune", "SIOSS"]
    for nome, t in zip(nomi, tabelle, strict=True):
        righe = fogli[nome]
        inizio = 3 if non_oscurato else 2
        if non_oscurato:
            assert righe[1][0] == istat.USO_INTERNO
        assert righe[inizio - 1 :] == _come_foglio(t), nome
    # The grand total read back equals the deliveries' total.
    totale = fogli["Per area"][-1]
    assert D(str(totale[-1])) == ind.totale.spesa_totale
    assert totale[2] == ind.totale.utenti
    note = {r[0]: r[1] for r in fogli["Note"] if r[0]}
    versioni = [r[1] for r in fogli["Note"] if r[0] == "Tabella di corrispondenza"]
    assert versioni == ind.versioni and any(v.startswith("istat_area_utenza") for v in versioni)
    assert note["Utenti"] == istat.CONTEGGIO_UTENTI
    if non_oscurato:
        assert "Non classificate" in fogli
        cella = next(r for r in fogli["Per servizio"] if mondo.sad.codice in r)
        assert cella.count(1) >= 1  # the true count (1 person), for internal use
    else:
        assert "Non classificate" not in fogli
        assert "Segreto statistico" in note and note["Legenda"] == istat.LEGENDA


def test_page_values_equal_the_tables(mondo, scena):
    c = mondo.client(mondo.direzione)
    ind = istat.indagine_istat(mondo.ambito, ANNO)
    r = c.get(PAGINA, {"anno": ANNO, "vista": "comune"})
    tab = r.context["tabelle"][0]
    attesa = next(t for t in istat.tabelle_indagine(ind) if t.chiave == "comune")
    assert [[v for v, _ in riga["celle"]] for riga in tab["righe"]] == [riga.celle for riga in attesa.righe]
    # Money rendered Italian-style with two decimals.
    assert f"{ind.totale.spesa_totale:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") in (
        r.content.decode()
    )


def test_sioss_counts_cases_open_in_the_year(mondo):
    m = mondo
    crosswalk(m, m.sad, "istat_area_utenza", "ELD")
    aperto_prima = m.caso(servizio=m.sad, apertura=dt.date(2022, 5, 1))
    nuovo = m.caso(servizio=m.sad, apertura=dt.date(ANNO, 3, 1))
    chiuso_nell_anno = m.caso(servizio=m.minori, apertura=dt.date(2023, 2, 1))
    Caso.objects.filter(pk=chiuso_nell_anno.pk).update(chiuso_il=dt.date(ANNO, 2, 1))
    chiuso_prima = m.caso(servizio=m.sad, apertura=dt.date(2022, 1, 1))
    Caso.objects.filter(pk=chiuso_prima.pk).update(chiuso_il=dt.date(ANNO - 1, 12, 31))
    m.caso(servizio=m.sad, apertura=dt.date(ANNO + 1, 1, 1))  # opened after the year
    annullato = m.caso(servizio=m.sad, apertura=dt.date(ANNO, 4, 1))
    Caso.objects.filter(pk=annullato.pk).update(annullato_il=dt.datetime(ANNO, 5, 1, tzinfo=dt.UTC))
    # The same person in charge twice (two services): one person, two areas.
    m.caso(servizio=m.minori, persona=nuovo.persona, apertura=dt.date(ANNO, 6, 1))
    s = istat.sioss(m.ambito, ANNO)
    riga = next(r for r in s.righe if r.comune.pk == m.comune.pk)
    attese = {aperto_prima.persona_id, nuovo.persona_id, chiuso_nell_anno.persona_id}
    assert riga.persone == len(attese) == s.persone
    assert riga.nuove == 1  # only `nuovo`'s person opened a case in the year
    assert riga.per_area == {"ELD": 2, istat.NON_CLASSIFICATA: 2}
    assert riga.totale_aree == 4
    # Every count is 1 or 2: all suppressed, and a Comune operator sees only its own row.
    t = istat.tabella_sioss(s, comune_id=m.comune.pk)
    assert [r.celle[0] for r in t.righe] == [m.comune.nome]
    assert set(t.righe[0].celle[1:3]) <= {istat.PRIMARIA, istat.SECONDARIA}
    # The Comune's totals are published; its new cases (1) are not.
    assert t.righe[0].celle[-3:] == [4, 3, istat.PRIMARIA]


@pytest.mark.parametrize("ruolo", ["ufficiodipiano", "direzione", "amministrazione"])
def test_whole_ambito_readers_see_every_comune(mondo, scena, ruolo):
    r = mondo.client(getattr(mondo, ruolo)).get(PAGINA, {"anno": ANNO, "vista": "comune"})
    testo = r.content.decode()
    assert r.status_code == 200 and mondo.comune.nome in testo and mondo.altro_comune.nome in testo


def test_comune_operator_sees_its_own_published_figures_only(mondo, scena):
    c = mondo.client(mondo.comunale)
    for vista in ("area", "comune", "servizio", "sioss"):
        r = c.get(PAGINA, {"anno": ANNO, "vista": vista})
        assert r.status_code == 200 and mondo.altro_comune.nome not in r.content.decode()
        assert "ALTRO" not in r.content.decode()  # the internal list of unclassified services
    assert c.get(PAGINA, {"anno": ANNO, "non_oscurato": "1"}).status_code == 403
    fogli = _leggi(c.get(XLSX, {"anno": ANNO}).content)
    ind = istat.indagine_istat(mondo.ambito, ANNO)
    # Its row equals the whole Ambito's published row for that Comune (same suppression).
    propria = next(r for r in fogli["Per Comune"] if r[0] == mondo.comune.nome)
    tutte = next(t for t in istat.tabelle_indagine(ind) if t.chiave == "comune")
    attesa = next(r.celle for r in tutte.righe if r.celle[0] == mondo.comune.nome)
    assert propria == [_cella(v) for v in attesa]
    assert all(mondo.altro_comune.nome not in str(r) for f in fogli.values() for r in f)


@pytest.mark.parametrize("ruolo", ["operatore", "coordinatore", "cittadino", "erogatore", "sistema"])
def test_other_roles_are_refused(mondo, ruolo):
    c = mondo.client(getattr(mondo, ruolo))
    assert c.get(PAGINA).status_code == 403
    assert c.get(XLSX).status_code == 403


@pytest.mark.parametrize("ruolo", ["direzione", "amministrazione"])
def test_only_ufficio_di_piano_gets_the_unsuppressed_version(mondo, ruolo):
    c = mondo.client(getattr(mondo, ruolo))
    assert c.get(XLSX, {"anno": ANNO, "non_oscurato": "1"}).status_code == 403
    assert c.get(PAGINA, {"anno": ANNO, "non_oscurato": "1"}).status_code == 403
    r = mondo.client(mondo.ufficiodipiano).get(PAGINA, {"anno": ANNO, "non_oscurato": "1"})
    assert istat.USO_INTERNO in r.content.decode()
    # Every request for the unsuppressed figures is in the access log, refusals included.
    log = AccessoDati.objects.filter(oggetto_tipo="flussi.IndagineIstat", oggetto_id=str(ANNO))
    assert log.filter(esito="negato", utente=getattr(mondo, ruolo)).count() == 2
    assert log.filter(esito="consentito", utente=mondo.ufficiodipiano).count() == 1


def test_anonymous_goes_to_login(db):
    from django.test import Client

    assert Client().get(PAGINA).status_code == 302


def test_another_ambitos_deliveries_never_counted(mondo, scena, altro_mondo):
    altra = Scena(altro_mondo)
    altra.eroga(altro_mondo.sad, altro_mondo.comune, importo="12345.00")
    ind = istat.indagine_istat(mondo.ambito, ANNO)
    assert ind.totale.spesa_totale == sum(
        a["ente"] + a["utente"] + a["ssn"] for k, a in attese(mondo.ambito).items() if k[0] != scena.altro.pk
    )
    assert altro_mondo.comune.pk not in {c.pk for c in ind.comuni}


def test_page_queries_do_not_grow_with_the_deliveries(mondo, scena):
    c = mondo.client(mondo.ufficiodipiano)
    c.get(PAGINA, {"anno": ANNO})

    def conta(vista):
        with CaptureQueriesContext(connection) as q:
            assert c.get(PAGINA, {"anno": ANNO, "vista": vista}).status_code == 200
        return len(q)

    prima = {v: conta(v) for v in ("area", "servizio", "sioss")}
    for _ in range(6):
        scena.eroga(mondo.minori, mondo.altro_comune, importo="10.00")
    assert {v: conta(v) for v in ("area", "servizio", "sioss")} == prima


def test_command_prints_counts_and_writes_the_workbook(mondo, scena, tmp_path):
    out = io.StringIO()
    f = tmp_path / "istat.xlsx"
    call_command(
        "istat",
        "indagine",
        "--anno",
        str(ANNO),
        "--xlsx",
        str(f),
        "--ambito",
        mondo.ambito.codice,
        stdout=out,
    )
    ind = istat.indagine_istat(mondo.ambito, ANNO)
    testo = out.getvalue()
    assert f"utenti (per servizio) {ind.totale.utenti}" in testo
    assert f"totale {ind.totale.spesa_totale} €" in testo and "Non classificate: 1 erogazioni" in testo
    assert "Per servizio" in load_workbook(f).sheetnames
    call_command(
        "istat",
        "indagine",
        "--anno",
        str(ANNO),
        "--xlsx",
        str(f),
        "--non-oscurato",
        "--ambito",
        mondo.ambito.codice,
        stdout=out,
    )
    assert load_workbook(f)["Per area"]["A2"].value == istat.USO_INTERNO


def _marcata(v) -> bool:
    return v in (istat.PRIMARIA, istat.SECONDARIA)


def test_published_tables_never_isolate_a_suppressed_cell(mondo, scena):
    """On the published tables themselves: no row or column of Comune cells has exactly one
    marker, no published count is 1 or 2, and the totals shown are the true ones."""
    ind = istat.indagine_istat(mondo.ambito, ANNO)
    tab = {t.chiave: t for t in istat.tabelle_indagine(ind)}
    n = len(ind.comuni)
    servizio = [r.celle[4 : 4 + n] for r in tab["servizio"].righe if r.stile != "totale"]
    per_comune = [r.celle[1 : 1 + len(ind.aree)] for r in tab["comune"].righe if r.stile != "totale"]
    for griglia in (servizio, per_comune):
        for riga in griglia:
            assert sum(map(_marcata, riga)) != 1, riga
        for colonna in zip(*griglia, strict=True):
            assert sum(map(_marcata, colonna)) != 1, colonna
        for v in (v for riga in griglia for v in riga if not _marcata(v)):
            assert v == 0 or v >= 3
    assert any(_marcata(v) for riga in servizio for v in riga)
    totale = tab["servizio"].righe[-1].celle
    assert totale[4 : 4 + n] == [ind.per_comune[c.pk].utenti for c in ind.comuni]
    assert totale[-1] == sum((v.spesa_totale for v in ind.celle.values()), D(0))


def test_crosswalk_changed_in_the_year_uses_the_last_one_and_says_so(mondo):
    s = Scena(mondo)
    Corrispondenza.objects.filter(servizio=mondo.sad, voce__tabella__codice="istat_area_utenza").update(
        valido_al=dt.date(ANNO, 6, 30)
    )
    crosswalk(mondo, mondo.sad, "istat_area_utenza", "DIS", dal=dt.date(ANNO, 7, 1))
    # A crosswalk that ended before the year does not classify the minori service.
    Corrispondenza.objects.filter(servizio=mondo.minori, voce__tabella__codice="istat_macroarea").update(
        valido_al=dt.date(ANNO - 1, 12, 31)
    )
    s.eroga(mondo.sad, mondo.comune)
    s.eroga(mondo.minori, mondo.comune)
    ind = istat.indagine_istat(mondo.ambito, ANNO)
    assert [(a.codice, [x.id for x in a.servizi]) for a in ind.aree] == [("DIS", [mondo.sad.pk])]
    assert len(ind.cambi_nell_anno) == 1 and "ELD, DIS" in ind.cambi_nell_anno[0]
    (nc,) = ind.non_classificati
    assert nc.servizio_id == mondo.minori.pk and "macro-area" in nc.motivo


def _conteggi_pubblicati(tabelle) -> list:
    """Every published count of the tables (the columns of persons), totals included."""
    return [
        v
        for t in tabelle
        for r in t.righe
        for v, tipo in zip(r.celle, t.tipi, strict=True)
        if tipo == "intero"
    ]


def test_a_comune_total_of_one_person_is_not_published(mondo):
    """A Comune with one user in the year: its total is a cell of 1 person, suppressed in every
    published table (and the other Comune's total with it, or the Ambito's total would give it
    away); the internal, unsuppressed tables show the true values."""
    s, m = Scena(mondo), mondo
    for _ in range(3):
        s.eroga(m.sad, m.comune)
    for _ in range(4):
        s.eroga(m.minori, m.comune)
    s.eroga(m.sad, m.altro_comune)
    ind = istat.indagine_istat(m.ambito, ANNO)
    assert ind.per_comune[m.altro_comune.pk].utenti == 1
    assert ("C", m.altro_comune.pk) in ind.oscuramento.primarie
    assert ("C", m.comune.pk) in ind.oscuramento.secondarie
    tab = {t.chiave: t for t in istat.tabelle_indagine(ind)}
    riga_b = next(r for r in tab["comune"].righe if r.celle[0] == m.altro_comune.nome)
    assert riga_b.celle[1 + len(ind.aree)] == istat.PRIMARIA
    assert set(riga_b.celle[2 + len(ind.aree) :]) == {istat.PRIMARIA}  # its money with it
    pubblicati = _conteggi_pubblicati([*tab.values(), istat.tabella_sioss(istat.sioss(m.ambito, ANNO))])
    assert all(v in (istat.PRIMARIA, istat.SECONDARIA) or v == 0 or v >= 3 for v in pubblicati)
    interni = _conteggi_pubblicati(istat.tabelle_indagine(ind, oscurato=False))
    assert interni.count(1) >= 1  # the true 1 of Comune B is there
    assert [v for v in interni if v in (istat.PRIMARIA, istat.SECONDARIA)] == []
    # The Ambito's total stays published and true.
    assert tab["comune"].righe[-1].celle[-5] == ind.totale.utenti == 8
