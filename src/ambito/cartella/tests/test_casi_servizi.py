"""Services of the casi area: access, opening, operators, closure/reopen, break the glass."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ambito.cartella.models import (
    Accesso,
    AccessoStraordinario,
    Caso,
    EventoCaso,
    OperatoreCaso,
    Residenza,
)
from ambito.cartella.services import casi as S
from ambito.core.models import AccessoDati, EventoAudit

OGGI = dt.date.today()


def _apri(mondo, persona, **kw):
    dati = dict(
        persona=persona,
        servizio=mondo.sad,
        data_apertura=OGGI - dt.timedelta(days=10),
        attore=mondo.operatore,
    )
    dati.update(kw)
    return S.apri_caso(**dati)


# --- access ---------------------------------------------------------------------------------------


def test_access_recorded_with_audit(mondo):
    p = mondo.persona()
    a = S.registra_accesso_pua(
        ambito=mondo.ambito,
        persona=p,
        data=OGGI,
        canale="ospedale",
        comune=mondo.comune,
        richiesta="Dimissione protetta",
        esito_triage="complesso",
        servizio_destinazione=mondo.sad,
        operatore=mondo.operatore,
        attore=mondo.operatore,
    )
    assert Accesso.objects.get().pk == a.pk
    ev = EventoAudit.objects.get(azione="cartella.accesso.registrato")
    assert ev.oggetto_id == str(a.pk) and ev.dopo["canale"] == "ospedale"


@pytest.mark.parametrize(
    "modifica, campo",
    [
        ({"data": OGGI + dt.timedelta(days=1)}, "data"),
        ({"canale": "piccione"}, "canale"),
        ({"richiesta": "   "}, "richiesta"),
        ({"esito_triage": "boh"}, "esito_triage"),
    ],
)
def test_access_bad_input_stores_nothing(mondo, modifica, campo):
    p = mondo.persona()
    dati = dict(
        ambito=mondo.ambito,
        persona=p,
        data=OGGI,
        canale="spontaneo",
        comune=mondo.comune,
        richiesta="Informazioni",
        esito_triage="informazione",
        operatore=mondo.operatore,
        attore=mondo.operatore,
    )
    dati.update(modifica)
    with pytest.raises(ValidationError) as e:
        S.registra_accesso_pua(**dati)
    assert campo in e.value.message_dict
    assert (
        Accesso.objects.count() == 0
        and EventoAudit.objects.filter(azione__startswith="cartella").count() == 0
    )


def test_access_future_date_message_is_italian(mondo):
    with pytest.raises(ValidationError) as e:
        S.registra_accesso_pua(
            ambito=mondo.ambito,
            persona=mondo.persona(),
            data=OGGI + dt.timedelta(days=3),
            canale="spontaneo",
            comune=mondo.comune,
            richiesta="x",
            esito_triage="sociale",
            operatore=mondo.operatore,
            attore=mondo.operatore,
        )
    assert e.value.message_dict["data"] == ["La data dell'accesso non può essere nel futuro."]


def test_access_of_another_ambito_refused(mondo, altro_mondo):
    with pytest.raises(ValidationError) as e:
        S.registra_accesso_pua(
            ambito=mondo.ambito,
            persona=altro_mondo.persona(),
            data=OGGI,
            canale="spontaneo",
            comune=altro_mondo.comune,
            richiesta="x",
            esito_triage="sociale",
            operatore=mondo.operatore,
            attore=mondo.operatore,
        )
    assert set(e.value.message_dict) == {"persona", "comune"}


# --- opening --------------------------------------------------------------------------------------


def test_open_defaults_comune_from_residence_at_the_date(mondo):
    p = mondo.persona()
    # Moved to the other Comune 5 days ago: the case opened 10 days ago belongs to the first one.
    r = Residenza.objects.get(persona=p)
    Residenza.objects.filter(pk=r.pk).update(al=OGGI - dt.timedelta(days=6))
    Residenza.objects.create(
        ambito=mondo.ambito,
        persona=p,
        comune=mondo.altro_comune,
        codice_istat_comune=mondo.altro_comune.codice_istat,
        dal=OGGI - dt.timedelta(days=5),
    )
    c = _apri(mondo, p, operatori=[(mondo.operatore_sad, "assistente_sociale", True)])
    assert c.comune_responsabile == mondo.comune
    assert c.minori is False  # adult, SAD
    assert EventoCaso.objects.get(caso=c).tipo == "apertura"
    oc = OperatoreCaso.objects.get(caso=c)
    assert (oc.utente, oc.referente, oc.dal) == (mondo.operatore_sad, True, c.data_apertura)
    assert EventoAudit.objects.filter(azione="cartella.caso.apertura", oggetto_id=str(c.pk)).count() == 1
    c2 = _apri(mondo, p, servizio=mondo.minori, data_apertura=OGGI)
    assert c2.comune_responsabile == mondo.altro_comune
    assert c2.minori is True  # minors' service


def test_open_minor_flag_from_age(mondo):
    bimbo = mondo.persona(nascita=OGGI.replace(year=OGGI.year - 10))
    assert _apri(mondo, bimbo).minori is True


def test_open_without_residence_in_the_ambito_is_refused(mondo):
    p = mondo.persona()
    Residenza.objects.filter(persona=p).update(annullato_il=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValidationError) as e:
        _apri(mondo, p)
    assert "non risulta residente in un Comune dell'Ambito" in e.value.message_dict["comune_responsabile"][0]
    assert Caso.objects.count() == 0
    # Given explicitly, it opens.
    assert _apri(mondo, p, comune_responsabile=mondo.altro_comune).comune_responsabile == mondo.altro_comune


def test_second_open_case_same_service_refused(mondo):
    p = mondo.persona()
    _apri(mondo, p)
    with pytest.raises(ValidationError) as e:
        _apri(mondo, p)
    assert "ha già una presa in carico aperta" in e.value.message_dict["servizio"][0]
    assert Caso.objects.count() == 1


def test_open_links_the_access(mondo):
    p = mondo.persona()
    a = S.registra_accesso_pua(
        ambito=mondo.ambito,
        persona=p,
        data=OGGI,
        canale="spontaneo",
        comune=mondo.comune,
        richiesta="Aiuto",
        esito_triage="sociale",
        operatore=mondo.operatore,
        attore=mondo.operatore,
    )
    c = _apri(mondo, p, accesso=a, data_apertura=OGGI)
    a.refresh_from_db()
    assert a.caso == c


def test_open_future_date_refused(mondo):
    with pytest.raises(ValidationError) as e:
        _apri(mondo, mondo.persona(), data_apertura=OGGI + dt.timedelta(days=1))
    assert e.value.message_dict["data_apertura"] == ["La data di apertura non può essere nel futuro."]


# --- operators, closure, reopen, optimistic locking -------------------------------------------------


def test_close_and_reopen_with_events_and_revisions(mondo):
    c = _apri(mondo, mondo.persona())
    assert c.revisione == 0
    S.chiudi_caso(
        caso=c,
        data=OGGI,
        motivo="concluso",
        esito="obiettivi_raggiunti",
        note="ok",
        attore=mondo.operatore,
        revisione_attesa=0,
    )
    c.refresh_from_db()
    assert c.chiuso_il == OGGI and c.revisione == 1
    ev = EventoCaso.objects.get(caso=c, tipo="chiusura")
    assert (ev.motivo, ev.esito, ev.note) == ("concluso", "obiettivi_raggiunti", "ok")
    with pytest.raises(ValidationError, match="già chiuso"):
        S.chiudi_caso(
            caso=c, data=OGGI, motivo="concluso", esito="obiettivi_raggiunti", attore=mondo.operatore
        )
    S.riapri_caso(caso=c, data=OGGI, note="nuovo bisogno", attore=mondo.operatore, revisione_attesa=1)
    c.refresh_from_db()
    assert c.chiuso_il is None and c.revisione == 2
    assert list(EventoCaso.objects.filter(caso=c).values_list("tipo", flat=True).order_by("id")) == [
        "apertura",
        "chiusura",
        "riapertura",
    ]
    audit = EventoAudit.objects.get(azione="cartella.caso.chiusura")
    assert audit.prima["chiuso_il"] is None and audit.dopo["chiuso_il"] == OGGI.isoformat()


@pytest.mark.parametrize(
    "data, messaggio",
    [
        (OGGI - dt.timedelta(days=11), "precede l'apertura"),
        (OGGI + dt.timedelta(days=1), "non può essere nel futuro"),
    ],
)
def test_close_date_checks(mondo, data, messaggio):
    c = _apri(mondo, mondo.persona())
    with pytest.raises(ValidationError) as e:
        S.chiudi_caso(
            caso=c, data=data, motivo="concluso", esito="obiettivi_raggiunti", attore=mondo.operatore
        )
    assert messaggio in e.value.message_dict["data"][0]
    c.refresh_from_db()
    assert c.chiuso_il is None and c.revisione == 0


def test_optimistic_locking(mondo):
    c = _apri(mondo, mondo.persona())
    S.assegna_operatore(
        caso=c, utente=mondo.operatore, ruolo="educatore", revisione_attesa=0, attore=mondo.coordinatore
    )
    with pytest.raises(ValidationError) as e:
        S.chiudi_caso(
            caso=c,
            data=OGGI,
            motivo="concluso",
            esito="obiettivi_raggiunti",
            revisione_attesa=0,
            attore=mondo.operatore,
        )
    assert e.value.messages == [S.MODIFICATO_DA_ALTRI]
    c.refresh_from_db()
    assert c.chiuso_il is None and c.revisione == 1


def test_operators_assign_and_end(mondo):
    c = _apri(mondo, mondo.persona(), operatori=[(mondo.operatore_sad, "assistente_sociale", True)])
    with pytest.raises(ValidationError, match="già operatore"):
        S.assegna_operatore(caso=c, utente=mondo.operatore_sad, ruolo="educatore", attore=mondo.coordinatore)
    with pytest.raises(ValidationError) as e:
        S.assegna_operatore(
            caso=c, utente=mondo.operatore, ruolo="educatore", referente=True, attore=mondo.coordinatore
        )
    assert "già un operatore referente" in e.value.message_dict["referente"][0]
    oc = OperatoreCaso.objects.get(caso=c)
    S.termina_operatore(operatore_caso=oc, al=OGGI, attore=mondo.coordinatore)
    oc.refresh_from_db()
    assert oc.al == OGGI
    nuovo = S.assegna_operatore(
        caso=c,
        utente=mondo.operatore,
        ruolo="educatore",
        referente=True,
        dal=OGGI + dt.timedelta(days=0),
        attore=mondo.coordinatore,
    )
    assert nuovo.referente is True


# --- break the glass ------------------------------------------------------------------------------


def test_break_the_glass(mondo):
    c = mondo.caso(servizio=mondo.sad, comune=mondo.altro_comune)
    with pytest.raises(ValidationError) as e:
        S.accesso_straordinario(caso=c, utente=mondo.operatore, motivo="urgente")
    assert "almeno 20 caratteri" in e.value.message_dict["motivo"][0]
    assert AccessoStraordinario.objects.count() == 0
    motivo = "Chiamata dal pronto soccorso fuori orario di servizio"
    a = S.accesso_straordinario(caso=c, utente=mondo.operatore, motivo=motivo)
    assert a.valido_fino > a.creato_il
    log = AccessoDati.objects.get(esito="straordinario")
    assert (log.oggetto_tipo, log.oggetto_id, log.motivo, log.utente) == (
        "cartella.Caso",
        str(c.pk),
        motivo,
        mondo.operatore,
    )
    with pytest.raises(PermissionDenied):
        S.accesso_straordinario(caso=c, utente=mondo.comunale, motivo=motivo)
    S.segna_straordinario_visto(accesso=a, attore=mondo.coordinatore)
    a.refresh_from_db()
    assert a.visto_da == mondo.coordinatore and a.visto_il is not None


def test_a_new_case_gets_the_service_team_when_there_is_only_one(mondo):
    from ambito.cartella.services.casi import apri_caso

    persona = mondo.persona(cognome="Verdi", nascita=dt.date(2015, 5, 5))
    caso = apri_caso(
        persona=persona, servizio=mondo.minori, data_apertura=dt.date(2025, 3, 1), attore=mondo.operatore
    )
    assert caso.team == mondo.team
    adulto = mondo.persona(cognome="Neri")
    caso_sad = apri_caso(
        persona=adulto, servizio=mondo.sad, data_apertura=dt.date(2025, 3, 1), attore=mondo.operatore_sad
    )
    assert caso_sad.team is None  # SAD has no team
