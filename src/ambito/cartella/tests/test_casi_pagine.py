"""Pages of the casi area: the case page, its forms, accesses, break the glass, deadlines, caseload."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ambito.cartella.models import (
    Accesso,
    AccessoStraordinario,
    Attivita,
    Caso,
    Erogazione,
    EventoCaso,
    Isee,
    MandatoGiudiziario,
    OperatoreCaso,
    Progetto,
    Tutela,
    VersioneProgetto,
    VoceDiario,
)
from ambito.core.models import AccessoDati

OGGI = dt.date.today()


_NASCITE = iter(range(1, 100000))


def _p(mondo, **kw):
    """A person with a birth date of their own, so that generated codici fiscali never collide."""
    return mondo.persona(nascita=dt.date(1940, 1, 1) + dt.timedelta(days=next(_NASCITE)), **kw)


def _caso(mondo, **kw):
    return mondo.caso(persona=_p(mondo), **kw)


def _token(html: str) -> str:
    return re.search(r'name="token_modulo" value="([^"]+)"', html).group(1)


def _riempi(mondo, caso, *, erogazioni, voci):
    intervento = mondo.intervento(caso, erogatore=mondo.coop)
    Erogazione.objects.bulk_create(
        [
            Erogazione(
                ambito=mondo.ambito,
                intervento=intervento,
                dal=dt.date(2024, 2, 1) + dt.timedelta(days=i),
                al=dt.date(2024, 2, 1) + dt.timedelta(days=i),
                data_erogazione=dt.date(2024, 2, 1) + dt.timedelta(days=i),
                quantita=Decimal("2"),
                importo=Decimal("40.00"),
                quota_ente=Decimal("40.00"),
            )
            for i in range(erogazioni)
        ]
    )
    VoceDiario.objects.bulk_create(
        [
            VoceDiario(
                ambito=mondo.ambito,
                caso=caso,
                data=dt.date(2024, 3, 1) + dt.timedelta(days=i % 300),
                testo=f"Colloquio numero {i}",
                riservatezza=["ordinaria", "team", "giudiziaria"][i % 3],
                creato_da=mondo.operatore,
            )
            for i in range(voci)
        ]
    )
    Attivita.objects.bulk_create(
        [
            Attivita(
                ambito=mondo.ambito,
                intervento=intervento,
                operatore=mondo.erogatore,
                data=dt.date(2024, 2 + i % 3, 1 + i),
                tipo="educativo",
                ore=Decimal("1.5"),
            )
            for i in range(min(voci, 20))
        ]
    )
    return intervento


def test_case_page_shows_header_timeline_and_logs_the_access(mondo):
    caso = _caso(mondo)
    mondo.operatore_del_caso(caso, mondo.operatore)
    _riempi(mondo, caso, erogazioni=3, voci=3)
    r = mondo.client(mondo.operatore).get(reverse("cartella:caso", args=[caso.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert caso.persona.codice_fiscale in html
    assert "In valutazione" in html and mondo.comune.nome in html and mondo.team.nome in html
    assert "10/01/2024" in html  # opening date, dd/mm/yyyy
    assert "Colloquio numero 2" in html  # judicial entry: operator of the minors' team reads it
    assert "40,00 €" in html
    assert "4,5 ore" in html or "1,5 ore" in html  # activity per month
    log = AccessoDati.objects.get(oggetto_tipo="cartella.Caso", oggetto_id=str(caso.pk))
    assert (log.utente, log.esito) == (mondo.operatore, "consentito")


def test_case_page_for_comune_hides_reserved_and_judicial_entries(mondo):
    caso = _caso(mondo)
    _riempi(mondo, caso, erogazioni=0, voci=3)
    html = mondo.client(mondo.comunale).get(reverse("cartella:caso", args=[caso.pk])).content.decode()
    cronologia = html.split('data-testid="cronologia"', 1)[1].split("</table>", 1)[0]
    assert "Colloquio numero 0" in cronologia
    assert "Colloquio numero 1" not in cronologia and "Colloquio numero 2" not in cronologia


def test_case_of_another_ambito_is_404_and_logged(mondo, altro_mondo):
    estraneo = altro_mondo.caso()
    r = mondo.client(mondo.direzione).get(reverse("cartella:caso", args=[estraneo.pk]))
    assert r.status_code == 404
    log = AccessoDati.objects.get(oggetto_tipo="cartella.Caso", oggetto_id=str(estraneo.pk))
    assert (log.utente, log.esito) == (mondo.direzione, "negato")


def _conta(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries), r


def test_case_page_constant_queries_with_200_deliveries_and_500_diary_entries(
    mondo, django_assert_num_queries
):
    piccolo = _caso(mondo)
    mondo.operatore_del_caso(piccolo, mondo.operatore)
    _riempi(mondo, piccolo, erogazioni=1, voci=1)
    grande = _caso(mondo)
    mondo.operatore_del_caso(grande, mondo.operatore)
    _riempi(mondo, grande, erogazioni=200, voci=500)
    client = mondo.client(mondo.operatore)
    client.get(reverse("cartella:caso", args=[piccolo.pk]))  # warm the session
    n_piccolo, _ = _conta(client, reverse("cartella:caso", args=[piccolo.pk]))
    n_grande, r = _conta(client, reverse("cartella:caso", args=[grande.pk]))
    assert n_grande == n_piccolo
    # Pinned: a change in the number of queries of the case page must be a deliberate one.
    with django_assert_num_queries(39):
        client.get(reverse("cartella:caso", args=[grande.pk]))
    html = r.content.decode()
    assert html.count('data-tipo="erogazione"') == 200
    assert html.count('data-tipo="diario"') == 500


def test_close_from_the_case_page_and_double_submit(mondo):
    caso = _caso(mondo)
    client = mondo.client(mondo.operatore)
    html = client.get(reverse("cartella:caso", args=[caso.pk])).content.decode()
    dati = {
        "token_modulo": _token(html),
        "revisione": 0,
        "data": OGGI.isoformat(),
        "motivo": "concluso",
        "esito": "parzialmente",
        "note": "",
    }
    r = client.post(reverse("cartella:caso_chiudi", args=[caso.pk]), dati)
    assert r.status_code == 302 and r["Location"] == reverse("cartella:caso", args=[caso.pk])
    r = client.post(reverse("cartella:caso_chiudi", args=[caso.pk]), dati)
    assert r.status_code == 302
    assert EventoCaso.objects.filter(caso=caso, tipo="chiusura").count() == 1
    caso.refresh_from_db()
    assert caso.chiuso_il == OGGI and caso.revisione == 1
    html = client.get(reverse("cartella:caso", args=[caso.pk])).content.decode()
    assert "Chiuso" in html and "Riapri il caso" in html


def test_close_bad_date_shows_message_and_keeps_the_case(mondo):
    caso = _caso(mondo)
    client = mondo.client(mondo.operatore)
    html = client.get(reverse("cartella:caso_chiudi", args=[caso.pk])).content.decode()
    r = client.post(
        reverse("cartella:caso_chiudi", args=[caso.pk]),
        {
            "token_modulo": _token(html),
            "revisione": 0,
            "data": "2020-01-01",
            "motivo": "concluso",
            "esito": "parzialmente",
        },
    )
    assert r.status_code == 200
    assert "La data di chiusura precede l&#x27;apertura del caso (10/01/2024)." in r.content.decode()
    caso.refresh_from_db()
    assert caso.chiuso_il is None


def test_close_stale_revision_is_refused(mondo):
    caso = _caso(mondo)
    client = mondo.client(mondo.operatore)
    html = client.get(reverse("cartella:caso_chiudi", args=[caso.pk])).content.decode()
    Caso.objects.filter(pk=caso.pk).update(revisione=5)
    r = client.post(
        reverse("cartella:caso_chiudi", args=[caso.pk]),
        {
            "token_modulo": _token(html),
            "revisione": 0,
            "data": OGGI.isoformat(),
            "motivo": "concluso",
            "esito": "parzialmente",
        },
    )
    assert "modificato da un altro operatore" in r.content.decode()
    caso.refresh_from_db()
    assert caso.chiuso_il is None


def test_comune_cannot_close(mondo):
    caso = _caso(mondo)
    r = mondo.client(mondo.comunale).post(reverse("cartella:caso_chiudi", args=[caso.pk]), {})
    assert r.status_code == 403


def test_new_case_form_defaults_and_double_submit(mondo):
    p = _p(mondo)
    client = mondo.client(mondo.operatore)
    r = client.get(reverse("cartella:caso_nuovo") + f"?persona={p.pk}")
    assert r.status_code == 200
    html = r.content.decode()
    assert f'<option value="{mondo.comune.pk}" selected>' in html
    dati = {
        "token_modulo": _token(html),
        "persona": p.pk,
        "servizio": mondo.sad.pk,
        "data_apertura": OGGI.isoformat(),
        "comune_responsabile": "",
        "operatore_1": mondo.operatore.pk,
        "ruolo_1": "assistente_sociale",
    }
    r = client.post(reverse("cartella:caso_nuovo"), dati)
    caso = Caso.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("cartella:caso", args=[caso.pk])
    assert caso.comune_responsabile == mondo.comune
    assert OperatoreCaso.objects.get(caso=caso).referente is True
    r2 = client.post(reverse("cartella:caso_nuovo"), dati)
    assert r2.status_code == 302 and r2["Location"] == reverse("cartella:caso", args=[caso.pk])
    assert Caso.objects.count() == 1


def test_new_case_for_a_person_of_another_ambito_is_404(mondo, altro_mondo):
    p = altro_mondo.persona()
    r = mondo.client(mondo.operatore).get(reverse("cartella:caso_nuovo") + f"?persona={p.pk}")
    assert r.status_code == 404
    assert AccessoDati.objects.filter(
        oggetto_tipo="cartella.Persona", oggetto_id=str(p.pk), esito="negato"
    ).exists()


def test_access_form_list_and_statistics(mondo):
    p = _p(mondo)
    client = mondo.client(mondo.operatore)
    html = client.get(reverse("cartella:accesso_nuovo") + f"?persona={p.pk}").content.decode()
    dati = {
        "token_modulo": _token(html),
        "persona": p.pk,
        "data": OGGI.isoformat(),
        "canale": "scuola",
        "comune": mondo.comune.pk,
        "richiesta": "Segnalazione della scuola",
        "esito_triage": "sociale",
        "servizio_destinazione": mondo.minori.pk,
    }
    assert client.post(reverse("cartella:accesso_nuovo"), dati).status_code == 302
    assert client.post(reverse("cartella:accesso_nuovo"), dati).status_code == 302  # double submit
    assert Accesso.objects.count() == 1
    Accesso.objects.create(
        ambito=mondo.ambito,
        persona=p,
        data=OGGI,
        canale="spontaneo",
        comune=mondo.altro_comune,
        richiesta="x",
        esito_triage="informazione",
        operatore=mondo.operatore,
    )
    r = client.get(reverse("cartella:accessi") + f"?anno={OGGI.year}")
    stat = r.context["statistiche"]
    assert [(x["comune"], x["totale"]) for x in stat["righe"]] == [
        (mondo.comune.nome, 1),
        (mondo.altro_comune.nome, 1),
    ]
    assert stat["canali"] == [("spontaneo", "Accesso spontaneo"), ("scuola", "Scuola")]
    assert [x["per_canale"] for x in stat["righe"]] == [[0, 1], [1, 0]]
    assert [x["per_esito"] for x in stat["righe"]] == [[0, 1], [1, 0]]  # informazione, sociale
    assert "Segnalazione della scuola" not in r.content.decode()  # the request text is not listed
    assert "Apri caso" in r.content.decode()


def test_access_future_date_form_message(mondo):
    p = _p(mondo)
    client = mondo.client(mondo.operatore)
    html = client.get(reverse("cartella:accesso_nuovo") + f"?persona={p.pk}").content.decode()
    r = client.post(
        reverse("cartella:accesso_nuovo"),
        {
            "token_modulo": _token(html),
            "persona": p.pk,
            "data": (OGGI + dt.timedelta(days=2)).isoformat(),
            "canale": "scuola",
            "comune": mondo.comune.pk,
            "richiesta": "x",
            "esito_triage": "sociale",
        },
    )
    assert r.status_code == 200
    assert "La data dell&#x27;accesso non può essere nel futuro." in r.content.decode()
    assert Accesso.objects.count() == 0


def test_break_the_glass_flow_and_coordinator_alert(mondo):
    fuori = _caso(mondo, servizio=mondo.sad, comune=mondo.altro_comune)
    client = mondo.client(mondo.operatore)
    assert client.get(reverse("cartella:caso", args=[fuori.pk])).status_code == 404
    html = client.get(reverse("cartella:accesso_straordinario", args=[fuori.pk])).content.decode()
    r = client.post(
        reverse("cartella:accesso_straordinario", args=[fuori.pk]),
        {"token_modulo": _token(html), "motivo": "troppo breve", "ore": 4},
    )
    assert "almeno 20 caratteri" in r.content.decode()
    assert AccessoStraordinario.objects.count() == 0
    r = client.post(
        reverse("cartella:accesso_straordinario", args=[fuori.pk]),
        {"token_modulo": _token(html), "motivo": "Persona in pronto soccorso, servizio chiuso", "ore": 4},
    )
    assert r.status_code == 302
    r = client.get(reverse("cartella:caso", args=[fuori.pk]))
    assert r.status_code == 200 and 'data-testid="straordinario"' in r.content.decode()
    assert "Chiudi il caso" not in r.content.decode()
    assert AccessoDati.objects.filter(oggetto_id=str(fuori.pk), esito="straordinario").count() == 2
    # A write through break the glass is refused.
    assert client.get(reverse("cartella:caso_chiudi", args=[fuori.pk])).status_code == 403
    # The SAD coordinator... the world's coordinator coordinates MINORI: give them SAD too.
    from ambito.utenti import services as us

    us.assegna_ambito(utente=mondo.coordinatore, tipo="servizio", servizio=mondo.sad, dal=OGGI, attore=None)
    coord = mondo.client(mondo.coordinatore)
    home = coord.get(reverse("home")).content.decode()
    assert 'data-testid="straordinari"' in home and "Persona in pronto soccorso" in home
    a = AccessoStraordinario.objects.get()
    assert (
        coord.post(reverse("cartella:straordinario_visto", args=[a.pk]), {"prossimo": "/"}).status_code == 302
    )
    a.refresh_from_db()
    assert a.visto_da == mondo.coordinatore
    assert "Persona in pronto soccorso" not in coord.get(reverse("home")).content.decode()


@pytest.mark.parametrize("utente", ["comunale", "erogatore", "cittadino", "direzione"])
def test_break_the_glass_only_for_operators_and_coordinators(mondo, utente):
    fuori = _caso(mondo, servizio=mondo.sad, comune=mondo.altro_comune)
    r = mondo.client(getattr(mondo, utente)).get(reverse("cartella:accesso_straordinario", args=[fuori.pk]))
    if utente == "direzione":
        assert r.status_code == 404  # direzione sees every case already: but is not offered the form
    else:
        assert r.status_code == 404
    assert AccessoDati.objects.filter(oggetto_id=str(fuori.pk), esito="negato").count() == 1


def _approva(mondo, caso, *, verifica):
    prog = Progetto.objects.create(ambito=mondo.ambito, caso=caso, tipo="individualizzato")
    return VersioneProgetto.objects.create(
        ambito=mondo.ambito,
        progetto=prog,
        numero=1,
        sintesi="Piano",
        data_inizio=dt.date(2024, 2, 1),
        prossima_verifica=verifica,
        stato="approvata",
    )


def test_deadlines_page_for_operator_and_coordinator(mondo):
    c1 = _caso(mondo)
    mondo.operatore_del_caso(c1, mondo.operatore)
    _approva(mondo, c1, verifica=OGGI - dt.timedelta(days=3))
    Isee.objects.create(
        ambito=mondo.ambito,
        persona=c1.persona,
        valore=Decimal("9000"),
        protocollo_dsu="INPS-1",
        data_dsu=dt.date(2025, 1, 10),
        scadenza=OGGI + dt.timedelta(days=20),
    )
    MandatoGiudiziario.objects.create(
        ambito=mondo.ambito,
        caso=c1,
        autorita="tm",
        numero_procedimento="123/2024",
        data_provvedimento=dt.date(2024, 5, 1),
        oggetto="Relazione",
        scadenza=OGGI + dt.timedelta(days=10),
    )
    c2 = _caso(mondo)  # no operator: only the coordinator sees its deadlines
    Tutela.objects.create(
        ambito=mondo.ambito,
        caso=c2,
        tipo="ads",
        decreto_del=dt.date(2023, 1, 1),
        tutore="Avv. Bianchi",
        rendiconto_entro=OGGI + dt.timedelta(days=45),
    )
    r = mondo.client(mondo.operatore).get(reverse("cartella:scadenze"))
    elenco = r.context["elenco"]
    assert [(s.tipo, s.caso_id, s.scaduta) for s in elenco] == [
        ("verifica", c1.pk, True),
        ("mandato", c1.pk, False),
        ("isee", c1.pk, False),
    ]
    assert "scaduta da 3 g" in r.content.decode()
    r = mondo.client(mondo.coordinatore).get(reverse("cartella:scadenze"))
    assert [(s.tipo, s.caso_id) for s in r.context["elenco"]] == [
        ("verifica", c1.pk),
        ("mandato", c1.pk),
        ("isee", c1.pk),
        ("rendiconto", c2.pk),
    ]
    assert r.context["elenco"][0].operatori == [mondo.operatore.get_full_name()]
    r = mondo.client(mondo.coordinatore).get(
        reverse("cartella:scadenze") + f"?operatore={mondo.operatore.pk}&entro=30"
    )
    assert [(s.tipo, s.caso_id) for s in r.context["elenco"]] == [
        ("verifica", c1.pk),
        ("mandato", c1.pk),
        ("isee", c1.pk),
    ]
    # The Comune's operator sees the deadlines of their Comune's cases, not the minors' court mandates.
    r = mondo.client(mondo.comunale).get(reverse("cartella:scadenze"))
    assert [(s.tipo, s.caso_id) for s in r.context["elenco"]] == [
        ("verifica", c1.pk),
        ("isee", c1.pk),
        ("rendiconto", c2.pk),
    ]
    # Home badge: within 30 days and overdue.
    home = mondo.client(mondo.operatore).get(reverse("home")).content.decode()
    assert 'data-testid="badge-scadenze"' in home
    assert re.search(r'data-testid="badge-scadenze"[^>]*>\s*3 scadenze', home)
    assert "1 scaduta" in home


def test_deadlines_page_constant_queries(mondo, django_assert_max_num_queries):
    client = mondo.client(mondo.coordinatore)

    def crea(n):
        for _ in range(n):
            c = _caso(mondo)
            mondo.operatore_del_caso(c, mondo.operatore)
            _approva(mondo, c, verifica=OGGI)
            MandatoGiudiziario.objects.create(
                ambito=mondo.ambito,
                caso=c,
                autorita="tm",
                numero_procedimento="1",
                data_provvedimento=OGGI,
                oggetto="x",
                scadenza=OGGI,
            )

    crea(1)
    client.get(reverse("cartella:scadenze"))
    n1, _ = _conta(client, reverse("cartella:scadenze"))
    crea(15)
    n2, r = _conta(client, reverse("cartella:scadenze"))
    assert n1 == n2 and len(r.context["elenco"]) == 32


def test_caseload(mondo):
    c1 = _caso(mondo)
    mondo.operatore_del_caso(c1, mondo.operatore)
    c2 = _caso(mondo)
    mondo.operatore_del_caso(c2, mondo.operatore)
    _approva(mondo, c2, verifica=OGGI - dt.timedelta(days=1))
    _caso(mondo)  # without operator
    chiuso = _caso(mondo)
    mondo.operatore_del_caso(chiuso, mondo.operatore)
    Caso.objects.filter(pk=chiuso.pk).update(chiuso_il=OGGI)
    r = mondo.client(mondo.coordinatore).get(reverse("cartella:carichi"))
    assert r.status_code == 200
    k = r.context["carichi"]
    assert k["servizi"] == [(mondo.minori.pk, mondo.minori.nome)]
    assert [(o["nome"], o["colonne"], o["totale"], o["scadute"]) for o in k["operatori"]] == [
        (mondo.operatore.get_full_name(), [2], 2, 1)
    ]
    assert k["totale_senza_operatore"] == 1 and k["totale_casi"] == 3
    assert mondo.client(mondo.operatore).get(reverse("cartella:carichi")).status_code == 403


def test_state_derived_from_what_happened(mondo):
    from ambito.cartella.selectors.casi import annota_stato

    in_val = _caso(mondo)
    attivo = _caso(mondo)
    _approva(mondo, attivo, verifica=OGGI + dt.timedelta(days=30))
    da_rivedere = _caso(mondo)
    _approva(mondo, da_rivedere, verifica=OGGI - dt.timedelta(days=1))
    chiuso = _caso(mondo)
    _approva(mondo, chiuso, verifica=OGGI + dt.timedelta(days=30))
    Caso.objects.filter(pk=chiuso.pk).update(chiuso_il=OGGI)
    bozza = _caso(mondo)
    v = _approva(mondo, bozza, verifica=OGGI + dt.timedelta(days=30))
    VersioneProgetto.objects.filter(pk=v.pk).update(stato="bozza")
    stati = dict(annota_stato(Caso.objects.all()).values_list("pk", "stato_codice"))
    assert stati == {
        in_val.pk: "in_valutazione",
        attivo.pk: "progetto_attivo",
        da_rivedere.pk: "da_rivedere",
        chiuso.pk: "chiuso",
        bozza.pk: "in_valutazione",
    }
