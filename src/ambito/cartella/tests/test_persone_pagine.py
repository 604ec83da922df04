"""Pages of the persone area: search, person page, forms, duplicates and merge; scope and logs."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from ambito.cartella.codice_fiscale import genera
from ambito.cartella.models import Isee, MembroNucleo, Nucleo, Persona, Residenza
from ambito.cartella.services import persone as S
from ambito.core.models import AccessoDati

NASCITA = dt.date(1980, 5, 17)
CF = genera(cognome="Bianchi", nome="Giulia", data_nascita=NASCITA, sesso="F", codice_belfiore="F205")


def _token(risposta) -> str:
    return re.search(r'name="(?:m-)?token" value="([^"]+)"', risposta.content.decode()).group(1)


def _dati_persona(**altro):
    dati = {
        "codice_fiscale": CF,
        "cognome": "Bianchi",
        "nome": "Giulia",
        "sesso": "F",
        "data_nascita": "17/05/1980",
        "cittadinanza": "100",
    }
    dati.update(altro)
    return dati


# --- search -----------------------------------------------------------------------------------


def test_ricerca_pagina_e_htmx(mondo):
    mondo.persona(cognome="Rossi", nome="Mario")
    c = mondo.client(mondo.operatore)
    r = c.get(reverse("cartella:ricerca"), {"q": "rosi"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Rossi Mario" in html and "<html" in html
    assert mondo.comune.nome in html
    r = c.get(reverse("cartella:ricerca"), {"q": "rossi"}, HTTP_HX_REQUEST="true")
    assert "<html" not in r.content.decode() and "Rossi Mario" in r.content.decode()
    r = c.get(reverse("cartella:ricerca"), {"q": "zzzzz"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="nessun-risultato"' in r.content.decode()


def test_ricerca_segnala_codice_temporaneo(mondo):
    S.crea_persona(
        ambito=mondo.ambito,
        attore=None,
        senza_codice_fiscale=True,
        cognome="Okafor",
        nome="Grace",
        sesso="F",
        data_nascita=dt.date(1999, 1, 1),
    )
    r = mondo.client(mondo.operatore).get(reverse("cartella:ricerca"), {"q": "okafor"})
    assert ">temporaneo</span>" in r.content.decode()


def test_ricerca_permessi(mondo):
    assert mondo.client(mondo.cittadino).get(reverse("cartella:ricerca")).status_code == 403
    assert mondo.client(mondo.erogatore).get(reverse("cartella:ricerca")).status_code == 403
    assert mondo.client(mondo.direzione).get(reverse("cartella:ricerca")).status_code == 200


@pytest.mark.parametrize("n", [2, 30])
def test_ricerca_query_costanti(mondo, django_assert_num_queries, n):
    for i in range(n):
        mondo.caso(persona=mondo.persona(cognome="Rossi", nascita=dt.date(1950, 1, 1) + dt.timedelta(days=i)))
    c = mondo.client(mondo.operatore)
    c.get(reverse("cartella:ricerca"))  # warm the session
    # session, user, scope (3), permissions (2), search (2: exact name), menu/context (2)
    with django_assert_num_queries(11):
        r = c.get(reverse("cartella:ricerca"), {"q": "rossi mario"}, HTTP_HX_REQUEST="true")
    assert r.content.decode().count("<tr>") == n + 1


# --- person page ------------------------------------------------------------------------------


def test_scheda_persona_e_registro_accessi(mondo):
    p = mondo.persona(cognome="Rossi", nome="Mario")
    caso = mondo.caso(persona=p)
    S.registra_isee(
        persona=p,
        attore=None,
        valore="1234.5",
        protocollo_dsu="INPS-ISEE-2024-000000001-00",
        data_dsu=dt.date(2024, 2, 1),
    )
    r = mondo.client(mondo.operatore).get(reverse("cartella:persona", args=[p.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Rossi Mario" in html and p.codice_fiscale in html
    assert "CF verificato" in html
    assert "1.234,50 €" in html
    assert 'data-stato="scaduto"' in html  # DSU of 2024 expired on 31/12/2024
    assert f"?persona={p.pk}" in html
    riga = AccessoDati.objects.get(oggetto_tipo="cartella.Persona", oggetto_id=str(p.pk))
    assert riga.esito == "consentito" and riga.utente == mondo.operatore
    assert caso.servizio.nome in html


def test_persona_fuori_ambito_404_e_negato(mondo, altro_mondo):
    estraneo = altro_mondo.persona()
    r = mondo.client(mondo.direzione).get(reverse("cartella:persona", args=[estraneo.pk]))
    assert r.status_code == 404
    riga = AccessoDati.objects.get(oggetto_id=str(estraneo.pk))
    assert riga.esito == "negato" and riga.utente == mondo.direzione
    assert mondo.client(mondo.operatore).get(reverse("cartella:persona", args=[999999])).status_code == 404


def test_senza_permesso_404_e_negato(mondo):
    p = mondo.persona()
    for utente in (mondo.erogatore, mondo.cittadino, mondo.amministrazione):
        r = mondo.client(utente).get(reverse("cartella:persona", args=[p.pk]))
        assert r.status_code == 404
    assert AccessoDati.objects.filter(oggetto_id=str(p.pk), esito="negato").count() == 3


def test_comunale_vede_solo_i_residenti(mondo):
    residente = mondo.persona(comune=mondo.comune)
    altro = mondo.persona(comune=mondo.altro_comune)
    c = mondo.client(mondo.comunale)
    assert c.get(reverse("cartella:persona", args=[residente.pk])).status_code == 200
    assert c.get(reverse("cartella:persona", args=[altro.pk])).status_code == 404
    assert AccessoDati.objects.filter(oggetto_id=str(altro.pk), esito="negato").count() == 1


@pytest.mark.parametrize("n", [1, 8])
def test_scheda_persona_query_costanti(mondo, django_assert_num_queries, n):
    p = mondo.persona()
    nucleo = S.crea_nucleo(ambito=mondo.ambito, attore=None, denominazione="Nucleo")
    S.aggiungi_al_nucleo(nucleo=nucleo, persona=p, ruolo="intestatario", dal=dt.date(2001, 1, 1), attore=None)
    for i in range(n):
        mondo.caso(persona=p, servizio=mondo.sad if i % 2 else mondo.minori)
        S.registra_isee(
            persona=p,
            attore=None,
            valore=i,
            protocollo_dsu=f"INPS-ISEE-2024-{i:09d}-00",
            data_dsu=dt.date(2024, 1, 1) + dt.timedelta(days=i),
        )
        figlio = mondo.persona(nascita=dt.date(2001, 1, 1) + dt.timedelta(days=i))
        S.aggiungi_al_nucleo(
            nucleo=nucleo, persona=figlio, ruolo="figlio", dal=dt.date(2002, 1, 1), attore=None
        )
        Residenza.objects.create(
            ambito=mondo.ambito,
            persona=p,
            codice_istat_comune="058091",
            dal=dt.date(1990 + i, 1, 1),
            al=dt.date(1990 + i, 6, 1),
        )
    c = mondo.client(mondo.operatore)
    c.get(reverse("cartella:ricerca"))
    # session, user, scope (3), person, access log, residences, memberships, members, ISEE,
    # cases, merged records, perms (1)
    with django_assert_num_queries(17):
        r = c.get(reverse("cartella:persona", args=[p.pk]))
    assert r.content.decode().count('data-stato="') == n


# --- forms ------------------------------------------------------------------------------------


def test_nuova_persona_errori_inline_e_nulla_salvato(mondo):
    c = mondo.client(mondo.operatore)
    r = c.get(reverse("cartella:persona_nuova"))
    dati = _dati_persona(codice_fiscale=CF[:15] + "A", token=_token(r))
    r = c.post(reverse("cartella:persona_nuova"), dati)
    assert r.status_code == 200
    html = r.content.decode()
    assert f"Carattere di controllo errato: atteso {CF[15]}." in html
    assert "is-invalid" in html and "invalid-feedback" in html
    assert Persona.objects.count() == 0
    dati = _dati_persona(data_nascita="18/05/1980", token=_token(r))
    r = c.post(reverse("cartella:persona_nuova"), dati)
    assert "non corrisponde a quella del codice fiscale (17/05/1980)" in r.content.decode()
    assert Persona.objects.count() == 0


def test_nuova_persona_con_residenza_e_doppio_invio(mondo):
    c = mondo.client(mondo.operatore)
    token = _token(c.get(reverse("cartella:persona_nuova")))
    dati = _dati_persona(
        token=token, comune=mondo.comune.pk, indirizzo="Via Po 3", residenza_dal="01/01/2010"
    )
    r = c.post(reverse("cartella:persona_nuova"), dati)
    p = Persona.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("cartella:persona", args=[p.pk])
    assert p.residenze.get().comune == mondo.comune
    r = c.post(reverse("cartella:persona_nuova"), dati)  # the same form again
    assert r.status_code == 200
    assert "già stato inviato" in r.content.decode()
    assert Persona.objects.count() == 1
    # A fresh form with the same CF: refused with a link to the existing person.
    dati["token"] = _token(r)
    r = c.post(reverse("cartella:persona_nuova"), dati)
    assert reverse("cartella:persona", args=[p.pk]) in r.content.decode()
    assert "già registrato" in r.content.decode()


def test_nuova_persona_senza_codice_fiscale(mondo):
    c = mondo.client(mondo.comunale)
    token = _token(c.get(reverse("cartella:persona_nuova")))
    dati = _dati_persona(
        codice_fiscale="", senza_codice_fiscale="on", token=token, codice_belfiore_nascita="Z129"
    )
    r = c.post(reverse("cartella:persona_nuova"), dati)
    assert r.status_code == 302
    p = Persona.objects.get()
    assert p.cf_temporaneo and p.nato_estero and p.luogo_nascita == "Romania"


def test_modifica_concorrente_rifiutata(mondo):
    p = mondo.persona()
    c = mondo.client(mondo.operatore)
    r1 = c.get(reverse("cartella:persona_modifica", args=[p.pk]))
    r2 = c.get(reverse("cartella:persona_modifica", args=[p.pk]))
    versione = re.search(r'name="aggiornato_il" value="([^"]+)"', r1.content.decode()).group(1)
    base = {
        "cognome": p.cognome,
        "nome": p.nome,
        "sesso": p.sesso,
        "data_nascita": p.data_nascita.strftime("%d/%m/%Y"),
        "cittadinanza": "100",
        "aggiornato_il": versione,
    }
    r = c.post(
        reverse("cartella:persona_modifica", args=[p.pk]), {**base, "telefono": "111", "token": _token(r1)}
    )
    assert r.status_code == 302
    r = c.post(
        reverse("cartella:persona_modifica", args=[p.pk]), {**base, "telefono": "222", "token": _token(r2)}
    )
    assert r.status_code == 200 and "modificata da un altro utente" in r.content.decode()
    p.refresh_from_db()
    assert p.telefono == "111"


def test_residenza_sovrapposta_dal_modulo(mondo):
    p = mondo.persona()  # resident since 01/01/2000, open
    c = mondo.client(mondo.operatore)
    url = reverse("cartella:residenza_nuova", args=[p.pk])
    r = c.post(
        url,
        {
            "comune": mondo.altro_comune.pk,
            "dal": "1999-01-01",
            "al": "2001-01-01",
            "token": _token(c.get(url)),
        },
    )
    assert "si sovrappone alla residenza registrata" in r.content.decode()
    assert p.residenze.count() == 1
    r = c.post(url, {"comune": mondo.altro_comune.pk, "dal": "2020-05-01", "token": _token(r)})
    assert r.status_code == 302
    assert list(p.residenze.order_by("dal").values_list("al", flat=True)) == [dt.date(2020, 4, 30), None]


def test_isee_data_futura_dal_modulo(mondo):
    p = mondo.persona()
    c = mondo.client(mondo.operatore)
    url = reverse("cartella:isee_nuovo", args=[p.pk])
    futuro = (dt.date.today() + dt.timedelta(days=5)).strftime("%d/%m/%Y")
    dati = {
        "tipo": "ordinario",
        "valore": "8.432,10",
        "protocollo_dsu": "INPS-ISEE-2024-000000001-00",
        "data_dsu": futuro,
        "token": _token(c.get(url)),
    }
    r = c.post(url, dati)
    assert "La data di presentazione della DSU non può essere nel futuro." in r.content.decode()
    assert Isee.objects.count() == 0
    dati.update(data_dsu="10/03/2024", token=_token(r))
    assert c.post(url, dati).status_code == 302
    i = Isee.objects.get()
    assert str(i.valore) == "8432.10" and i.scadenza == dt.date(2024, 12, 31)


def test_nucleo_nuovo_e_componente(mondo):
    madre = mondo.persona(cognome="Verdi", nome="Anna", sesso="F", nascita=dt.date(1980, 1, 1))
    figlio = mondo.persona(cognome="Verdi", nome="Luca", nascita=dt.date(2010, 1, 1))
    c = mondo.client(mondo.operatore)
    url = reverse("cartella:nucleo_nuovo") + f"?persona={madre.pk}"
    r = c.post(
        url,
        {
            "denominazione": "Famiglia Verdi",
            "ruolo": "intestatario",
            "dal": "2010-01-01",
            "token": _token(c.get(url)),
        },
    )
    n = Nucleo.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("cartella:nucleo", args=[n.pk])
    r = c.get(reverse("cartella:nucleo", args=[n.pk]))
    r = c.post(
        reverse("cartella:nucleo", args=[n.pk]),
        {
            "m-codice_fiscale": figlio.codice_fiscale,
            "m-ruolo": "figlio",
            "m-dal": "2010-01-01",
            "m-token": _token(r),
        },
    )
    assert r.status_code == 302
    assert set(MembroNucleo.objects.values_list("persona_id", "ruolo")) == {
        (madre.pk, "intestatario"),
        (figlio.pk, "figlio"),
    }
    html = c.get(reverse("cartella:persona", args=[madre.pk])).content.decode()
    assert "Famiglia Verdi" in html and "Verdi Luca" in html


# --- duplicates and merge ---------------------------------------------------------------------


def test_duplicati_e_unione(mondo):
    vero = S.crea_persona(
        ambito=mondo.ambito,
        attore=None,
        codice_fiscale=CF,
        cognome="Bianchi",
        nome="Giulia",
        sesso="F",
        data_nascita=NASCITA,
    )
    doppio = S.crea_persona(
        ambito=mondo.ambito,
        attore=None,
        senza_codice_fiscale=True,
        cognome="Bianki",
        nome="Giulia",
        sesso="F",
        data_nascita=NASCITA,
    )
    mondo.caso(persona=doppio)
    c = mondo.client(mondo.operatore)
    html = c.get(reverse("cartella:duplicati"), {"persona": vero.pk}).content.decode()
    assert "Bianki Giulia" in html and "Nome simile (2 lettere diverse)" in html
    assert mondo.client(mondo.operatore).get(reverse("cartella:unisci")).status_code == 405
    r = c.post(reverse("cartella:unisci"), {"da_tenere": vero.pk, "da_unire": doppio.pk})
    assert r.status_code == 200 and 'data-testid="confronto"' in r.content.decode()
    dati = {"da_tenere": vero.pk, "da_unire": doppio.pk, "conferma": "1", "token": _token(r)}
    r = c.post(reverse("cartella:unisci"), dati)
    assert "Indicare il motivo dell&#x27;unione." in r.content.decode()
    doppio.refresh_from_db()
    assert doppio.unita_in is None
    r = c.post(reverse("cartella:unisci"), {**dati, "token": _token(r), "motivo": "Stessa persona"})
    assert r.status_code == 302
    doppio.refresh_from_db()
    assert doppio.unita_in == vero and vero.casi.count() == 1
    # The comune operator may not merge.
    assert (
        mondo.client(mondo.comunale)
        .post(reverse("cartella:unisci"), {"da_tenere": vero.pk, "da_unire": doppio.pk})
        .status_code
        == 403
    )
