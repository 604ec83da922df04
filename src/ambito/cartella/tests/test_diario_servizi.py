"""Diary, court mandates and guardianships: date rules, corrections, double submits, audit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ambito.cartella.models import MandatoGiudiziario, Tutela, VoceDiario
from ambito.cartella.services import diario as srv
from ambito.core.models import EventoAudit

OGGI = dt.date.today()
DOMANI = OGGI + dt.timedelta(days=1)


@pytest.fixture
def caso(mondo):
    return mondo.caso(apertura=dt.date(2024, 1, 10))


# --- diary -----------------------------------------------------------------------------------


def test_scrivi_diario_registra_e_audita(mondo, caso):
    voce = srv.scrivi_diario(
        caso=caso, data=OGGI, testo="  Colloquio con la madre.  ", riservatezza="team", attore=mondo.operatore
    )
    assert voce.testo == "Colloquio con la madre."
    assert voce.creato_da == mondo.operatore and voce.ambito == mondo.ambito
    ev = EventoAudit.objects.get(azione="diario.scritta")
    assert (
        ev.oggetto_id == str(voce.pk) and ev.dopo["testo"] == "Colloquio con la madre." and ev.prima is None
    )


@pytest.mark.parametrize(
    "data,testo,messaggio",
    [
        (DOMANI, "x", "nel futuro"),
        (dt.date(2024, 1, 9), "x", "apertura del caso (10/01/2024)"),
        (OGGI, "   ", "obbligatorio"),
        ("2024-02-01", "x", "data valida"),
    ],
)
def test_scrivi_diario_dati_non_validi(mondo, caso, data, testo, messaggio):
    with pytest.raises(ValidationError) as e:
        srv.scrivi_diario(caso=caso, data=data, testo=testo, riservatezza="ordinaria", attore=mondo.operatore)
    assert messaggio in " ".join(e.value.messages)
    assert not VoceDiario.objects.exists()
    assert not EventoAudit.objects.filter(azione__startswith="diario").exists()


def test_scrivi_diario_invio_doppio_non_crea_due_righe(mondo, caso):
    a = srv.scrivi_diario(
        caso=caso, data=OGGI, testo="Visita", riservatezza="ordinaria", attore=mondo.operatore
    )
    with pytest.raises(srv.InvioDoppio) as e:
        srv.scrivi_diario(
            caso=caso, data=OGGI, testo="Visita", riservatezza="ordinaria", attore=mondo.operatore
        )
    assert e.value.esistente == a
    assert VoceDiario.objects.count() == 1
    # The same words by someone else, or on another date, are another entry.
    srv.scrivi_diario(
        caso=caso, data=OGGI, testo="Visita", riservatezza="ordinaria", attore=mondo.coordinatore
    )
    srv.scrivi_diario(
        caso=caso,
        data=OGGI - dt.timedelta(days=1),
        testo="Visita",
        riservatezza="ordinaria",
        attore=mondo.operatore,
    )
    assert VoceDiario.objects.count() == 3


def test_correzione_conserva_originale_e_collega_le_due(mondo, caso):
    originale = srv.scrivi_diario(
        caso=caso,
        data=dt.date(2024, 3, 1),
        testo="Visita domiciliare, madre assente.",
        riservatezza="team",
        attore=mondo.operatore,
    )
    nuova = srv.correggi_diario(
        voce=originale,
        testo="Visita domiciliare, madre presente.",
        motivo="errore di battitura",
        attore=mondo.operatore,
    )
    originale.refresh_from_db()
    assert originale.testo == "Visita domiciliare, madre assente."
    assert originale.annullato_il is None
    assert nuova.corregge == originale and list(originale.correzioni.all()) == [nuova]
    assert nuova.caso == caso and nuova.data == dt.date(2024, 3, 1) and nuova.riservatezza == "team"
    assert nuova.motivo_correzione == "errore di battitura"
    ev = EventoAudit.objects.get(azione="diario.corretta")
    assert ev.prima["testo"] == originale.testo and ev.dopo["testo"] == nuova.testo
    assert "errore di battitura" in ev.oggetto_descrizione

    # Twice the same correction: nothing new. A different one on the old version: refused.
    with pytest.raises(srv.InvioDoppio):
        srv.correggi_diario(
            voce=originale,
            testo="Visita domiciliare, madre presente.",
            motivo="errore di battitura",
            attore=mondo.operatore,
        )
    with pytest.raises(ValidationError) as e:
        srv.correggi_diario(voce=originale, testo="Altro", motivo="x", attore=mondo.operatore)
    assert "versione più recente" in e.value.messages[0]
    assert VoceDiario.objects.count() == 2
    # The correction itself can be corrected, with another date.
    terza = srv.correggi_diario(
        voce=nuova,
        testo="Visita del 2 marzo.",
        motivo="data sbagliata",
        data=dt.date(2024, 3, 2),
        attore=mondo.operatore,
    )
    assert terza.data == dt.date(2024, 3, 2) and terza.corregge == nuova


def test_correzione_regole(mondo, caso):
    voce = srv.scrivi_diario(
        caso=caso, data=OGGI, testo="Testo", riservatezza="ordinaria", attore=mondo.operatore
    )
    with pytest.raises(ValidationError, match="obbligatorio"):
        srv.correggi_diario(voce=voce, testo="Nuovo", motivo=" ", attore=mondo.operatore)
    with pytest.raises(ValidationError, match="uguale"):
        srv.correggi_diario(voce=voce, testo="Testo", motivo="nulla", attore=mondo.operatore)
    with pytest.raises(ValidationError, match="futuro"):
        srv.correggi_diario(voce=voce, testo="Nuovo", motivo="m", data=DOMANI, attore=mondo.operatore)
    # Only the author or a coordinator of the service.
    with pytest.raises(PermissionDenied):
        srv.correggi_diario(voce=voce, testo="Nuovo", motivo="m", attore=mondo.comunale)
    assert (
        srv.correggi_diario(voce=voce, testo="Nuovo", motivo="m", attore=mondo.coordinatore).corregge == voce
    )
    assert VoceDiario.objects.count() == 2


# --- court mandates ----------------------------------------------------------------------------


def _mandato(mondo, caso, **kw):
    dati = {
        "caso": caso,
        "autorita": "tm",
        "numero_procedimento": "123/2025 VG",
        "data_provvedimento": OGGI - dt.timedelta(days=30),
        "oggetto": "Indagine psicosociale sul nucleo",
        "scadenza": OGGI + dt.timedelta(days=60),
        "attore": mondo.operatore,
    }
    dati.update(kw)
    return srv.registra_mandato(**dati)


def test_mandato_regole_delle_date(mondo, caso):
    with pytest.raises(ValidationError, match="futuro"):
        _mandato(mondo, caso, data_provvedimento=DOMANI, scadenza=None)
    with pytest.raises(ValidationError, match="non può precedere il provvedimento"):
        _mandato(mondo, caso, scadenza=OGGI - dt.timedelta(days=31))
    with pytest.raises(ValidationError, match="Autorità"):
        _mandato(mondo, caso, autorita="xx")
    assert not MandatoGiudiziario.objects.exists()
    m = _mandato(mondo, caso, scadenza=None)
    assert m.scadenza is None
    assert EventoAudit.objects.filter(azione="mandato.registrato", oggetto_id=str(m.pk)).exists()


def test_mandato_doppio_e_adempimento(mondo, caso):
    m = _mandato(mondo, caso)
    with pytest.raises(srv.InvioDoppio):
        _mandato(mondo, caso, numero_procedimento="123/2025 vg")
    with pytest.raises(ValidationError, match="già registrato"):
        _mandato(mondo, caso, attore=mondo.coordinatore)
    assert MandatoGiudiziario.objects.count() == 1

    with pytest.raises(ValidationError, match="futuro"):
        srv.segna_mandato_adempiuto(mandato=m, data=DOMANI, attore=mondo.operatore)
    with pytest.raises(ValidationError, match="precedere il provvedimento"):
        srv.segna_mandato_adempiuto(mandato=m, data=OGGI - dt.timedelta(days=40), attore=mondo.operatore)
    srv.segna_mandato_adempiuto(mandato=m, data=OGGI, attore=mondo.operatore)
    m.refresh_from_db()
    assert m.adempiuto_il == OGGI
    with pytest.raises(srv.InvioDoppio):
        srv.segna_mandato_adempiuto(mandato=m, data=OGGI, attore=mondo.operatore)
    ev = EventoAudit.objects.get(azione="mandato.adempiuto")
    assert ev.prima["adempiuto_il"] is None and ev.dopo["adempiuto_il"] == OGGI.isoformat()


def test_mandati_di_un_caso_minori_solo_all_equipe(mondo, caso):
    with pytest.raises(PermissionDenied):
        _mandato(mondo, caso, attore=mondo.direzione)
    # On an adult case whoever opens it may record a Giudice Tutelare's order.
    adulto = mondo.caso(servizio=mondo.sad)
    assert _mandato(mondo, adulto, autorita="gt", attore=mondo.operatore_sad).caso == adulto


# --- guardianships ------------------------------------------------------------------------------


def test_tutela_apertura_e_rendiconto_sposta_la_scadenza(mondo, caso):
    decreto = dt.date(2024, 2, 29)
    t = srv.apri_tutela(
        caso=caso,
        tipo="ads",
        decreto_del=decreto,
        tutore="Avv. Bianchi",
        operatore=mondo.operatore,
        rendiconto_entro=None,
        attore=mondo.operatore,
    )
    assert t.rendiconto_entro == dt.date(2025, 2, 28)  # a year after a 29 February
    with pytest.raises(ValidationError, match="futuro"):
        srv.registra_rendiconto(tutela=t, data=DOMANI, attore=mondo.operatore)
    with pytest.raises(ValidationError, match="precedere il decreto"):
        srv.registra_rendiconto(tutela=t, data=dt.date(2024, 1, 1), attore=mondo.operatore)
    srv.registra_rendiconto(tutela=t, data=dt.date(2025, 2, 20), attore=mondo.operatore)
    t.refresh_from_db()
    assert t.ultimo_rendiconto_il == dt.date(2025, 2, 20)
    assert t.rendiconto_entro == dt.date(2026, 2, 28)
    with pytest.raises(srv.InvioDoppio):
        srv.registra_rendiconto(tutela=t, data=dt.date(2025, 2, 20), attore=mondo.operatore)
    with pytest.raises(ValidationError, match="non può essere precedente"):
        srv.registra_rendiconto(tutela=t, data=dt.date(2025, 1, 20), attore=mondo.operatore)
    t.refresh_from_db()
    assert t.rendiconto_entro == dt.date(2026, 2, 28)
    ev = EventoAudit.objects.get(azione="tutela.rendiconto")
    assert ev.prima["rendiconto_entro"] == "2025-02-28" and ev.dopo["rendiconto_entro"] == "2026-02-28"

    srv.chiudi_tutela(tutela=t, data=OGGI, attore=mondo.operatore)
    with pytest.raises(ValidationError, match="chiusa"):
        srv.registra_rendiconto(tutela=t, data=OGGI, attore=mondo.operatore)


def test_tutela_regole(mondo, caso, altro_mondo):
    base = {
        "caso": caso,
        "tipo": "tutela",
        "tutore": "Sig.ra Verdi",
        "operatore": None,
        "attore": mondo.operatore,
    }
    with pytest.raises(ValidationError, match="futuro"):
        srv.apri_tutela(decreto_del=DOMANI, rendiconto_entro=None, **base)
    with pytest.raises(ValidationError, match="dopo il decreto"):
        srv.apri_tutela(decreto_del=dt.date(2025, 1, 1), rendiconto_entro=dt.date(2024, 12, 1), **base)
    with pytest.raises(ValidationError, match="Ambito"):
        srv.apri_tutela(
            decreto_del=dt.date(2025, 1, 1),
            rendiconto_entro=None,
            **{**base, "operatore": altro_mondo.operatore},
        )
    assert not Tutela.objects.exists()
    t = srv.apri_tutela(decreto_del=dt.date(2025, 1, 1), rendiconto_entro=dt.date(2025, 6, 30), **base)
    assert t.rendiconto_entro == dt.date(2025, 6, 30)
    with pytest.raises(srv.InvioDoppio):
        srv.apri_tutela(decreto_del=dt.date(2025, 1, 1), rendiconto_entro=None, **base)
    assert Tutela.objects.count() == 1
