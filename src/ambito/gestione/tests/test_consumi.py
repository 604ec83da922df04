"""Consumption from the case record: the read equals a direct sum over the deliveries, the
anomalies are reported, and applying it changes only the consumption services' cells."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from ambito.cartella.codice_fiscale import genera
from ambito.cartella.models import Attivita, Caso, Erogazione, Intervento, Persona
from ambito.catalogo.models import Servizio
from ambito.core.models import EventoAudit, Utente
from ambito.gestione import consumi as C
from ambito.gestione import services
from ambito.gestione.models import QuotaRiparto

from .conftest import ESEMPIO, utente

ANNO = (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
# In the 2023 workbook SAD is conferred by 7 Comuni, AES by 3; Buccinasco confers neither.
COLLEGATI = {"SAD": "voucher", "CDD": "giorni", "AES": "ore"}
BUCCINASCO = "015036"


@pytest.fixture
def catalogo(ambito):
    return {
        codice: Servizio.objects.create(ambito=ambito, codice=codice, nome=codice, unita_misura=unita)
        for codice, unita in COLLEGATI.items()
    }


@pytest.fixture
def versione(ambito, comuni, catalogo):
    return services.importa_riparto(
        ambito=ambito, file=ESEMPIO, esercizio=2023, versione="preventivo", attore=None
    )


class Cartella:
    """Persons, cases, interventions and deliveries written directly, to set the scene."""

    def __init__(self, ambito, comuni, catalogo):
        self.ambito, self.comuni, self.catalogo = ambito, comuni, catalogo
        self.n = 0
        self.righe: list[Erogazione] = []

    def intervento(self, servizio: str, comune: str) -> Intervento:
        self.n += 1
        nascita = dt.date(1940, 1, 1) + dt.timedelta(days=self.n)
        p = Persona.objects.create(
            ambito=self.ambito,
            codice_fiscale=genera(
                cognome="Rossi", nome="Anna", data_nascita=nascita, sesso="F", codice_belfiore="F205"
            ),
            cognome="Rossi",
            nome="Anna",
            sesso="F",
            data_nascita=nascita,
            codice_belfiore_nascita="F205",
        )
        caso = Caso.objects.create(
            ambito=self.ambito,
            persona=p,
            servizio=self.catalogo[servizio],
            comune_responsabile=self.comuni[comune],
            data_apertura=dt.date(2022, 1, 1),
        )
        return Intervento.objects.create(
            ambito=self.ambito,
            caso=caso,
            servizio=self.catalogo[servizio],
            dal=dt.date(2022, 1, 1),
            presenza_prova_mezzi="0",
            carattere_prestazione="1",
        )

    def eroga(self, intervento, dal, al, quantita, importo=D("10.00"), annullata=False) -> Erogazione:
        e = Erogazione.objects.create(
            ambito=self.ambito,
            intervento=intervento,
            dal=dal,
            al=al,
            data_erogazione=al,
            quantita=D(quantita),
            importo=importo,
            quota_ente=importo,
        )
        if annullata:
            e.segna_annullato("errore")
        self.righe.append(e)
        return e

    def somma(self, servizio, comune, dal, al, campo="quantita") -> D:
        """The direct sum the read must equal: non-annulled, period overlapping [dal, al]."""
        return sum(
            (
                getattr(e, campo)
                for e in Erogazione.objects.filter(pk__in=[x.pk for x in self.righe]).select_related(
                    "intervento__caso__comune_responsabile", "intervento__servizio"
                )
                if e.annullato_il is None
                and e.intervento.annullato_il is None
                and e.intervento.servizio.codice == servizio
                and e.intervento.caso.comune_responsabile.codice_istat == comune
                and e.dal <= al
                and e.al >= dal
            ),
            D(0),
        )


@pytest.fixture
def cartella(ambito, comuni, catalogo):
    return Cartella(ambito, comuni, catalogo)


def _mesi(cartella, intervento, anno, quantita):
    for m in range(1, 13):
        dal = dt.date(anno, m, 1)
        al = (dt.date(anno + m // 12, m % 12 + 1, 1)) - dt.timedelta(days=1)
        cartella.eroga(intervento, dal, al, quantita)


def _tutti_i_conferenti(cartella, dati, quantita=3):
    """Deliveries of 2023 for every linked service in every Comune that confers it."""
    for i, codice in enumerate(COLLEGATI):
        for j, comune in enumerate(sorted(dati.conferimenti[codice])):
            _mesi(cartella, cartella.intervento(codice, comune), 2023, quantita + i + j)


def _quote(v):
    return {
        (q.comune.codice_istat, q.voce.codice): q
        for q in QuotaRiparto.objects.filter(versione=v).select_related("comune", "voce")
    }


def test_unita_uguali_alla_somma_diretta(ambito, versione, cartella, django_assert_num_queries):
    dati = services.dati_versione(versione)
    a, b = sorted(dati.conferimenti["SAD"])[:2]
    i = cartella.intervento("SAD", a)
    cartella.eroga(i, dt.date(2022, 12, 20), dt.date(2023, 1, 5), "4")  # overlaps: counted
    cartella.eroga(i, dt.date(2023, 2, 1), dt.date(2023, 2, 28), "7.5")
    cartella.eroga(i, dt.date(2023, 3, 1), dt.date(2023, 3, 31), "100", annullata=True)
    cartella.eroga(i, dt.date(2024, 1, 1), dt.date(2024, 1, 31), "50")  # outside
    cartella.eroga(cartella.intervento("SAD", b), dt.date(2023, 5, 1), dt.date(2023, 5, 31), "2")
    annullato = cartella.intervento("SAD", b)
    cartella.eroga(annullato, dt.date(2023, 6, 1), dt.date(2023, 6, 30), "40")
    annullato.segna_annullato("aperto per errore")
    cdd = sorted(dati.conferimenti["CDD"])[0]
    cartella.eroga(cartella.intervento("CDD", cdd), dt.date(2023, 5, 1), dt.date(2023, 5, 31), "20")

    with django_assert_num_queries(4):  # input, services, the aggregate, the Comuni
        c = C.consumi_dalla_cartella(ambito, versione, *ANNO)
    assert c.consumi[("SAD", a)] == cartella.somma("SAD", a, *ANNO) == D("11.50")
    assert c.consumi[("SAD", b)] == cartella.somma("SAD", b, *ANNO) == D("2")
    assert c.consumi[("CDD", cdd)] == D("20")
    assert not c.anomalie
    sad = next(s for s in c.servizi if s.codice == "SAD")
    assert sad.unita == "voucher" and sad.totale_cartella == D("13.50")
    cella = next(x for x in sad.celle if x.comune == a)
    assert cella.righe == 2 and cella.attuale == dati.consumi[("SAD", a)]
    assert {x.comune for x in sad.celle} == set(dati.conferimenti["SAD"])
    # services of the version by consumption without a catalogue link are listed, not read
    assert {v.codice for v in c.senza_catalogo} >= {"EDU_III_POLO", "COMUNITA_III_POLO", "PSICHIATRIA"}
    assert "CAT" not in {s.codice for s in c.servizi}  # per capita: not read

    periodo = (dt.date(2023, 1, 1), dt.date(2023, 1, 31))
    assert C.consumi_dalla_cartella(ambito, versione, *periodo).consumi == {("SAD", a): D("4")}


def test_fonti_importo_e_attivita(ambito, versione, cartella):
    a = sorted(services.dati_versione(versione).conferimenti["AES"])[0]
    i = cartella.intervento("AES", a)
    cartella.eroga(i, dt.date(2023, 1, 1), dt.date(2023, 1, 31), "10", importo=D("228.00"))
    cartella.eroga(i, dt.date(2023, 2, 1), dt.date(2023, 2, 28), "5", importo=D("114.50"))
    operatore = Utente.objects.create(ambito=ambito, username="op")
    for giorno, ore, annullata in ((3, "2.5", False), (4, "3", False), (5, "8", True)):
        x = Attivita.objects.create(
            ambito=ambito,
            intervento=i,
            operatore=operatore,
            data=dt.date(2023, 1, giorno),
            tipo="altro",
            ore=ore,
        )
        if annullata:
            x.segna_annullato("doppia")
    Attivita.objects.create(
        ambito=ambito, intervento=i, operatore=operatore, data=dt.date(2024, 1, 3), tipo="altro", ore="4"
    )
    assert C.consumi_dalla_cartella(ambito, versione, *ANNO, fonte="importo").consumi == {
        ("AES", a): D("342.50")
    }
    c = C.consumi_dalla_cartella(ambito, versione, *ANNO, fonte="attivita")
    assert c.consumi == {("AES", a): D("5.50")}
    assert c.servizi[0].unita == "ore"
    with pytest.raises(ValidationError, match="Fonte"):
        C.consumi_dalla_cartella(ambito, versione, *ANNO, fonte="altro")
    with pytest.raises(ValidationError, match="periodo"):
        C.consumi_dalla_cartella(ambito, versione, ANNO[1], ANNO[0])


def test_anomalie_riportate_e_applicazione_rifiutata(ambito, versione, cartella):
    dati = services.dati_versione(versione)
    assert BUCCINASCO not in dati.conferimenti["SAD"]
    _tutti_i_conferenti(cartella, dati)
    fuori = cartella.intervento("SAD", BUCCINASCO)
    cartella.eroga(fuori, dt.date(2023, 1, 1), dt.date(2023, 1, 31), "6")
    cartella.eroga(fuori, dt.date(2023, 2, 1), dt.date(2023, 2, 28), "4")

    c = C.consumi_dalla_cartella(ambito, versione, *ANNO)
    [a] = c.anomalie
    assert (a.servizio, a.comune, a.unita, a.righe) == ("SAD", BUCCINASCO, D("10"), 2)
    assert ("SAD", BUCCINASCO) not in c.consumi
    assert "Buccinasco" in a.messaggio("erogazioni") and "non conferisce" in a.messaggio("erogazioni")

    prima = {k: q.importo for k, q in _quote(versione).items()}
    with pytest.raises(ValidationError) as exc:
        C.applica_consumi(versione=versione, dal=ANNO[0], al=ANNO[1], attore=None)
    assert any("Buccinasco" in m for m in exc.value.messages)
    assert {k: q.importo for k, q in _quote(versione).items()} == prima
    assert not EventoAudit.objects.filter(azione=C.AZIONE).exists()

    esito = C.applica_consumi(
        versione=versione, dal=ANNO[0], al=ANNO[1], attore=None, escludi_non_conferenti=True
    )
    assert esito.cambiata
    ev = EventoAudit.objects.get(azione=C.AZIONE)
    d = ev.dopo["dettagli"]
    assert d["escludi_non_conferenti"] is True
    assert d["esclusi"] == [{"servizio": "SAD", "comune": BUCCINASCO, "unita": "10.00", "righe": 2}]
    assert (BUCCINASCO, "SAD") not in _quote(versione)


def test_comuni_a_tariffa_non_sono_anomalie(ambito, versione, cartella):
    """Buccinasco buys CDD places at a tariff (the example's tariffe sheet): its CDD days are
    reported beside the tariff units, not as an anomaly, and they do not block applying."""
    dati = services.dati_versione(versione)
    assert BUCCINASCO not in dati.conferimenti["CDD"]
    tariffa = sum(t.unita for t in dati.tariffe if (t.servizio, t.comune) == ("CDD", BUCCINASCO))
    assert tariffa > 0
    _tutti_i_conferenti(cartella, dati)
    cartella.eroga(cartella.intervento("CDD", BUCCINASCO), dt.date(2023, 3, 1), dt.date(2023, 3, 31), "21")

    c = C.consumi_dalla_cartella(ambito, versione, *ANNO)
    assert not c.anomalie
    [t] = c.a_tariffa
    assert (t.servizio, t.comune, t.unita, t.righe, t.unita_tariffa) == (
        "CDD",
        BUCCINASCO,
        D("21"),
        1,
        tariffa,
    )
    assert "a tariffa" in t.messaggio("erogazioni") and ("CDD", BUCCINASCO) not in c.consumi
    assert C.applica_consumi(versione=versione, dal=ANNO[0], al=ANNO[1], attore=None).cambiata
    assert services.dati_versione(versione).tariffe == dati.tariffe  # the tariff units do not change


def test_applica_cambia_solo_le_celle_a_consumo_in_proporzione(ambito, versione, cartella):
    dati = services.dati_versione(versione)
    _tutti_i_conferenti(cartella, dati)
    prima = {k: q.importo for k, q in _quote(versione).items()}
    c = C.consumi_dalla_cartella(ambito, versione, *ANNO)

    esito = C.applica_consumi(versione=versione, dal=ANNO[0], al=ANNO[1], attore=None)
    assert esito.cambiata
    dopo = _quote(versione)
    cambiati = {s for (_c, s), q in dopo.items() if q.importo != prima[(_c, s)]}
    assert cambiati and cambiati <= set(COLLEGATI)
    assert set(dopo) == set(prima)
    nuovi = services.dati_versione(versione)
    for k, v in dati.consumi.items():  # unlinked services keep their input
        if k[0] not in COLLEGATI:
            assert nuovi.consumi[k] == v
    for codice in COLLEGATI:
        unita = {comune: c.consumi[(codice, comune)] for comune in dati.conferimenti[codice]}
        totale = sum(unita.values())
        for comune, u in unita.items():
            [parte] = [p for p in dopo[(comune, codice)].spiegazione["parti"] if p["descrizione"] == "unità"]
            assert D(parte["peso"]) == u and D(parte["totale_pesi"]) == totale
            # each Comune's share of the amount split by consumption is proportional to its units
            atteso = D(parte["importo_ripartito"]) * u / totale
            assert abs(D(parte["importo"]) - atteso) < D("0.000001")
    ev = EventoAudit.objects.get(azione=C.AZIONE)
    sad = ev.dopo["dettagli"]["servizi"]["SAD"]
    comune = sorted(dati.conferimenti["SAD"])[0]
    assert sad[comune] == {
        "prima": str(dati.consumi[("SAD", comune)]),
        "dopo": str(c.consumi[("SAD", comune)]),
    }
    assert ev.dopo["dettagli"]["dal"] == "2023-01-01"


def test_doppia_applicazione_innocua(ambito, versione, cartella):
    _tutti_i_conferenti(cartella, services.dati_versione(versione))
    C.applica_consumi(versione=versione, dal=ANNO[0], al=ANNO[1], attore=None)
    quote = {k: q.importo for k, q in _quote(versione).items()}
    esito = C.applica_consumi(versione=versione, dal=ANNO[0], al=ANNO[1], attore=None)
    assert not esito.cambiata
    assert EventoAudit.objects.filter(azione=C.AZIONE).count() == 1
    assert {k: q.importo for k, q in _quote(versione).items()} == quote


def test_firma_dell_anteprima(ambito, versione, cartella):
    dati = services.dati_versione(versione)
    _tutti_i_conferenti(cartella, dati)
    firma = C.consumi_dalla_cartella(ambito, versione, *ANNO).firma
    comune = sorted(dati.conferimenti["SAD"])[0]
    cartella.eroga(cartella.intervento("SAD", comune), dt.date(2023, 7, 1), dt.date(2023, 7, 31), "1")
    with pytest.raises(ValidationError, match="cambiati dopo l'anteprima"):
        C.applica_consumi(versione=versione, dal=ANNO[0], al=ANNO[1], attore=None, firma=firma)
    nuova = C.consumi_dalla_cartella(ambito, versione, *ANNO).firma
    assert C.applica_consumi(versione=versione, dal=ANNO[0], al=ANNO[1], attore=None, firma=nuova).cambiata


def test_consumi_tutti_zero_messaggio_del_motore(ambito, versione, cartella):
    """No deliveries for a service whose cost is to be split by consumption: the engine refuses."""
    quote = {k: q.importo for k, q in _quote(versione).items()}
    with pytest.raises(ValidationError) as exc:
        C.applica_consumi(versione=versione, dal=ANNO[0], al=ANNO[1], attore=None)
    assert any("consumi dei Comuni partecipanti sono tutti zero" in m for m in exc.value.messages)
    assert {k: q.importo for k, q in _quote(versione).items()} == quote


def test_versione_approvata_rifiutata(ambito, versione, cartella):
    _tutti_i_conferenti(cartella, services.dati_versione(versione))
    services.approva_versione(versione=versione, attore=None)
    with pytest.raises(ValidationError, match="approvata"):
        C.applica_consumi(versione=versione, dal=ANNO[0], al=ANNO[1], attore=None)


# --- the pages --------------------------------------------------------------------------------


def _utente(ambito, username, ruolo, comune=None):
    from ambito.utenti import ruoli as R

    R.assicura_ruoli()
    return utente(ambito, username, ruolo, comune)


def test_pagina_anteprima_e_applica(client, ambito, comuni, versione, cartella):
    from django.urls import reverse

    from ambito.utenti import ruoli as R

    dati = services.dati_versione(versione)
    _tutti_i_conferenti(cartella, dati)
    cartella.eroga(cartella.intervento("SAD", BUCCINASCO), dt.date(2023, 1, 1), dt.date(2023, 1, 31), "6")
    client.force_login(_utente(ambito, "amministrazione", R.AMMINISTRAZIONE))
    url = reverse("gestione:consumi", args=[versione.pk])
    assert url in client.get(reverse("gestione:versione", args=[versione.pk])).content.decode()

    r = client.get(url)  # default period: the esercizio's year
    html = r.content.decode()
    assert r.status_code == 200 and 'value="2023-01-01"' in html and 'value="2023-12-31"' in html
    assert 'id="consumi-SAD"' in html and 'id="anomalie"' in html and "Buccinasco" in html
    assert 'id="senza-catalogo"' in html and "EDU_III_POLO" in html
    a = r.context["a"]
    assert a.consumi == C.consumi_dalla_cartella(ambito, versione, *ANNO).consumi

    dati_post = {"dal": "2023-01-01", "al": "2023-12-31", "fonte": "erogazioni", "firma": a.firma}
    prima = {k: q.importo for k, q in _quote(versione).items()}
    r = client.post(reverse("gestione:applica_consumi", args=[versione.pk]), dati_post, follow=True)
    assert "non conferisce" in r.content.decode()
    assert {k: q.importo for k, q in _quote(versione).items()} == prima

    dati_post["escludi_non_conferenti"] = "1"
    r = client.post(reverse("gestione:applica_consumi", args=[versione.pk]), dati_post, follow=True)
    assert r.redirect_chain[-1][0] == reverse("gestione:versione", args=[versione.pk])
    assert "applicati a 3 servizi" in r.content.decode()
    assert {k: q.importo for k, q in _quote(versione).items()} != prima
    r = client.post(reverse("gestione:applica_consumi", args=[versione.pk]), dati_post, follow=True)
    assert "Nessuna modifica" in r.content.decode()  # a double post is harmless
    assert EventoAudit.objects.filter(azione=C.AZIONE).count() == 1

    r = client.get(url + "?dal=2023-12-31&al=2023-01-01&fonte=erogazioni")
    assert r.status_code == 400 and "precedere" in r.content.decode()


def test_permessi_delle_pagine(client, ambito, comuni, versione, cartella):
    from django.urls import reverse

    from ambito.utenti import ruoli as R

    _tutti_i_conferenti(cartella, services.dati_versione(versione))
    url = reverse("gestione:consumi", args=[versione.pk])
    applica = reverse("gestione:applica_consumi", args=[versione.pk])
    firma = C.consumi_dalla_cartella(ambito, versione, *ANNO).firma
    dati_post = {"dal": "2023-01-01", "al": "2023-12-31", "fonte": "erogazioni", "firma": firma}

    client.force_login(_utente(ambito, "direzione", R.DIREZIONE))  # reads, cannot apply
    r = client.get(url)
    assert r.status_code == 200 and 'id="modulo-applica"' not in r.content.decode()
    assert client.post(applica, dati_post).status_code == 403

    client.force_login(_utente(ambito, "comune.sgm", R.OPERATORE_COMUNALE, comuni["015195"]))
    assert client.get(url).status_code in (403, 404)
    assert client.post(applica, dati_post).status_code in (403, 404)

    client.logout()
    assert client.get(url).status_code == 302  # to the login page

    amministrazione = _utente(ambito, "amministrazione", R.AMMINISTRAZIONE)
    client.force_login(amministrazione)
    assert client.get(applica).status_code == 405
    services.approva_versione(versione=versione, attore=None)
    r = client.get(url)
    assert 'id="modulo-applica"' not in r.content.decode() and "approvata" in r.content.decode()
    r = client.post(applica, dati_post, follow=True)
    assert "approvata" in r.content.decode()
    assert not EventoAudit.objects.filter(azione=C.AZIONE).exists()


def test_comando_anteprima_e_applica(ambito, versione, cartella):
    import io

    from django.core.management import CommandError, call_command

    _tutti_i_conferenti(cartella, services.dati_versione(versione))
    cartella.eroga(cartella.intervento("SAD", BUCCINASCO), dt.date(2023, 1, 1), dt.date(2023, 1, 31), "6")
    argomenti = ["riparto", "consumi", "--esercizio", "2023", "--versione", "preventivo"]
    out = io.StringIO()
    call_command(*argomenti, stdout=out)
    assert "SAD – SAD" in out.getvalue() and "ANOMALIA: Il Comune di Buccinasco" in out.getvalue()
    assert not EventoAudit.objects.filter(azione=C.AZIONE).exists()
    with pytest.raises(CommandError, match="nulla è cambiato"):
        call_command(*argomenti, "--applica", stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command(*argomenti, "--applica", "--escludi-non-conferenti", "--dal", "2023-01-01", stdout=out)
    assert "ricalcolato" in out.getvalue()
    assert EventoAudit.objects.get(azione=C.AZIONE).dopo["dettagli"]["escludi_non_conferenti"] is True


def test_pagina_query_costanti(client, ambito, comuni, versione, cartella):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from ambito.utenti import ruoli as R

    client.force_login(_utente(ambito, "amministrazione", R.AMMINISTRAZIONE))
    url = reverse("gestione:consumi", args=[versione.pk])
    dati = services.dati_versione(versione)
    conti = []
    for quantita in (1, 2):
        _tutti_i_conferenti(cartella, dati, quantita)
        client.get(url)  # warm the session and the permissions
        with CaptureQueriesContext(connection) as q:
            assert client.get(url).status_code == 200
        conti.append(len(q))
    assert conti[0] == conti[1] == 14  # session, user, permissions, visibility, menu, version, the read (4)…
