"""Services of the erogazioni area: interventions, deliveries (quotas, funds, overlaps,
corrections), activity log (scope, 24 hours), double submissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ambito.cartella.models import Attivita, Erogazione, FinanziamentoErogazione, Intervento, Isee
from ambito.cartella.services import erogazioni as srv
from ambito.catalogo.models import Corrispondenza, TabellaCodici, VoceCodice
from ambito.core.models import EventoAudit


def messaggi(exc) -> str:
    return " ".join(exc.value.messages)


def eroga(mondo, intervento, *, dal=dt.date(2024, 3, 1), al=dt.date(2024, 3, 31), **kw):
    args = {
        "intervento": intervento,
        "dal": dal,
        "al": al,
        "data_erogazione": al,
        "quantita": D("10"),
        "importo": D("100.00"),
        "quota_ente": D("80.00"),
        "quota_utente": D("20.00"),
        "quota_ssn": D("0"),
        "finanziamenti": [(mondo.fnps, D("50.01")), (mondo.bilancio, D("29.99"))],
        "attore": mondo.operatore_sad,
    }
    args.update(kw)
    return srv.registra_erogazione(**args)


@pytest.fixture
def sad(mondo):
    """A SAD case (seen by operatore_sad) with an intervention assigned to the coop."""
    caso = mondo.caso(servizio=mondo.sad)
    return mondo.intervento(caso, erogatore=mondo.coop)


def crosswalk(mondo, servizio, tabella, codice, dal=dt.date(2020, 1, 1)):
    t, _ = TabellaCodici.objects.get_or_create(codice=tabella, defaults={"nome": tabella})
    v = VoceCodice.objects.create(
        tabella=t, codice=codice, denominazione=f"Voce {codice} di {tabella}", valido_dal=dal
    )
    return Corrispondenza.objects.create(ambito=mondo.ambito, servizio=servizio, voce=v, valido_dal=dal)


# --- quotas and funds ----------------------------------------------------------------------------


def test_delivery_with_quotas_and_funds_exact_to_the_cent(mondo, sad):
    e = eroga(mondo, sad)
    assert (e.importo, e.quota_ente, e.quota_utente, e.quota_ssn) == (
        D("100.00"),
        D("80.00"),
        D("20.00"),
        D("0"),
    )
    parti = sorted(
        FinanziamentoErogazione.objects.filter(erogazione=e).values_list("fondo__codice", "importo")
    )
    assert parti == [("COMUNI", D("29.99")), ("FNPS", D("50.01"))]
    ev = EventoAudit.objects.get(azione="cartella.erogazione.registra", oggetto_id=str(e.pk))
    assert ev.attore == mondo.operatore_sad
    assert ev.dopo["importo"] == "100.00"
    assert len(ev.dopo["finanziamenti"]) == 2


def test_quotas_one_cent_off_refused_nothing_stored(mondo, sad):
    with pytest.raises(ValidationError) as exc:
        eroga(mondo, sad, quota_utente=D("19.99"))
    assert "non corrispondono all'importo di 100,00 €" in messaggi(exc)
    assert "= 99,99 €" in messaggi(exc)
    assert not Erogazione.objects.exists()
    assert not FinanziamentoErogazione.objects.exists()
    assert not EventoAudit.objects.filter(azione__startswith="cartella.erogazione").exists()


def test_funds_one_cent_short_or_over_refused(mondo, sad):
    with pytest.raises(ValidationError) as exc:
        eroga(mondo, sad, finanziamenti=[(mondo.fnps, D("50.00")), (mondo.bilancio, D("29.99"))])
    assert "mancano 0,01 €" in messaggi(exc)
    assert exc.value.message_dict["finanziamenti"]
    with pytest.raises(ValidationError) as exc:
        eroga(mondo, sad, finanziamenti=[(mondo.fnps, D("80.01"))])
    assert "più della quota ente di 80,00 €" in messaggi(exc)
    with pytest.raises(ValidationError) as exc:
        eroga(mondo, sad, finanziamenti=[])
    assert "Indicare da quali fondi" in messaggi(exc)
    assert not Erogazione.objects.exists()


def test_fund_of_another_ambito_or_twice_or_inactive_refused(mondo, altro_mondo, sad):
    with pytest.raises(ValidationError) as exc:
        eroga(mondo, sad, finanziamenti=[(altro_mondo.fnps, D("80.00"))])
    assert "non è un fondo di questo Ambito" in messaggi(exc)
    with pytest.raises(ValidationError) as exc:
        eroga(mondo, sad, finanziamenti=[(mondo.fnps, D("40.00")), (mondo.fnps, D("40.00"))])
    assert "indicato due volte" in messaggi(exc)
    mondo.bilancio.attivo = False
    mondo.bilancio.save()
    with pytest.raises(ValidationError) as exc:
        eroga(mondo, sad, finanziamenti=[(mondo.bilancio, D("80.00"))])
    assert "non è attivo" in messaggi(exc)
    assert not Erogazione.objects.exists()


def test_no_funds_needed_when_quota_ente_is_zero(mondo, sad):
    e = eroga(mondo, sad, importo=D("20.00"), quota_ente=D("0"), quota_utente=D("20.00"), finanziamenti=[])
    assert e.finanziamenti.count() == 0


def test_more_than_two_decimals_refused(mondo, sad):
    with pytest.raises(ValidationError) as exc:
        eroga(mondo, sad, importo=D("100.001"), quota_ente=D("80.001"))
    assert "più di due decimali" in messaggi(exc)


# --- periods -------------------------------------------------------------------------------------


def test_overlapping_period_refused_with_the_other_period(mondo, sad):
    eroga(mondo, sad)
    with pytest.raises(ValidationError) as exc:
        eroga(mondo, sad, dal=dt.date(2024, 3, 31), al=dt.date(2024, 4, 30), attore=mondo.direzione)
    assert "si sovrappone" in messaggi(exc)
    assert "dal 01/03/2024 al 31/03/2024" in messaggi(exc)
    # The next month is fine.
    eroga(mondo, sad, dal=dt.date(2024, 4, 1), al=dt.date(2024, 4, 30))
    assert Erogazione.objects.count() == 2


def test_period_outside_intervention_and_future_date_refused(mondo, sad):
    with pytest.raises(ValidationError) as exc:
        eroga(mondo, sad, dal=dt.date(2024, 1, 15), al=dt.date(2024, 2, 15))
    assert "deve stare nel periodo dell'intervento (dal 01/02/2024)" in messaggi(exc)
    domani = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        eroga(mondo, sad, data_erogazione=domani)
    assert "nel futuro" in messaggi(exc)
    with pytest.raises(ValidationError) as exc:
        eroga(mondo, sad, quantita=D("-1"))
    assert "negativa" in messaggi(exc)
    assert not Erogazione.objects.exists()


def test_delivery_out_of_scope_refused(mondo, sad):
    with pytest.raises(PermissionDenied):
        eroga(mondo, sad, attore=mondo.operatore)  # MINORI team, SAD case
    assert not Erogazione.objects.exists()


def test_double_submission_returns_the_first_row(mondo, sad):
    prima = eroga(mondo, sad)
    seconda = eroga(mondo, sad)
    assert prima.pk == seconda.pk
    assert Erogazione.objects.count() == 1
    # Another user sending the same period is a real conflict, not a retry.
    with pytest.raises(ValidationError):
        eroga(mondo, sad, attore=mondo.direzione)


# --- corrections ---------------------------------------------------------------------------------


def test_correction_annuls_and_replaces(mondo, sad):
    e = eroga(mondo, sad)
    nuova = srv.correggi_erogazione(
        erogazione=e,
        motivo="Ore conteggiate male",
        attore=mondo.operatore_sad,
        quantita=D("12"),
        importo=D("120.00"),
        quota_ente=D("100.00"),
        finanziamenti=[(mondo.fnps, D("100.00"))],
    )
    e.refresh_from_db()
    assert e.annullato_il is not None and e.motivo_annullamento == "Ore conteggiate male"
    assert nuova.sostituisce_id == e.pk and nuova.annullato_il is None
    assert (nuova.dal, nuova.al, nuova.quantita, nuova.quota_utente) == (e.dal, e.al, D("12"), D("20.00"))
    assert list(nuova.finanziamenti.values_list("fondo__codice", "importo")) == [("FNPS", D("100.00"))]
    # Funds are kept from the original when not given.
    terza = srv.correggi_erogazione(
        erogazione=nuova, motivo="Data", attore=mondo.operatore_sad, data_erogazione=dt.date(2024, 4, 2)
    )
    assert list(terza.finanziamenti.values_list("fondo__codice", "importo")) == [("FNPS", D("100.00"))]
    azioni = list(
        EventoAudit.objects.filter(azione__startswith="cartella.erogazione").values_list("azione", flat=True)
    )
    assert azioni.count("cartella.erogazione.correggi") == 2
    assert azioni.count("cartella.erogazione.annulla") == 2


def test_invalid_correction_leaves_the_original_intact(mondo, sad):
    e = eroga(mondo, sad)
    eventi = EventoAudit.objects.count()
    with pytest.raises(ValidationError) as exc:
        srv.correggi_erogazione(
            erogazione=e, motivo="errore", attore=mondo.operatore_sad, importo=D("120.00")
        )  # quotas now add to 100
    assert "non corrispondono" in messaggi(exc)
    e.refresh_from_db()
    assert e.annullato_il is None and e.motivo_annullamento == ""
    assert Erogazione.objects.count() == 1
    assert EventoAudit.objects.count() == eventi
    with pytest.raises(ValidationError) as exc:
        srv.correggi_erogazione(erogazione=e, motivo="  ", attore=mondo.operatore_sad, quantita=D("9"))
    assert "motivo" in messaggi(exc)
    e.refresh_from_db()
    assert e.annullato_il is None


def test_correction_overlapping_another_delivery_refused(mondo, sad):
    eroga(mondo, sad)
    aprile = eroga(mondo, sad, dal=dt.date(2024, 4, 1), al=dt.date(2024, 4, 30))
    with pytest.raises(ValidationError) as exc:
        srv.correggi_erogazione(
            erogazione=aprile, motivo="x", attore=mondo.operatore_sad, dal=dt.date(2024, 3, 15)
        )
    assert "dal 01/03/2024 al 31/03/2024" in messaggi(exc)
    aprile.refresh_from_db()
    assert aprile.annullato_il is None


def test_double_correction_returns_the_replacement(mondo, sad):
    e = eroga(mondo, sad)
    a = srv.correggi_erogazione(erogazione=e, motivo="x", attore=mondo.operatore_sad, quantita=D("11"))
    b = srv.correggi_erogazione(
        erogazione=Erogazione.objects.get(pk=e.pk), motivo="x", attore=mondo.operatore_sad, quantita=D("11")
    )
    assert a.pk == b.pk
    assert Erogazione.objects.count() == 2


def test_annulment_needs_a_reason(mondo, sad):
    e = eroga(mondo, sad)
    with pytest.raises(ValidationError):
        srv.annulla_erogazione(erogazione=e, motivo="", attore=mondo.operatore_sad)
    srv.annulla_erogazione(erogazione=e, motivo="Doppione", attore=mondo.operatore_sad)
    e.refresh_from_db()
    assert e.annullato_il is not None and e.motivo_annullamento == "Doppione"
    with pytest.raises(ValidationError):
        srv.annulla_erogazione(erogazione=e, motivo="ancora", attore=mondo.operatore_sad)
    # The period is free again.
    eroga(mondo, sad, attore=mondo.direzione)


# --- interventions -------------------------------------------------------------------------------


def avvia(mondo, caso, **kw):
    args = {"caso": caso, "servizio": caso.servizio, "dal": dt.date(2024, 2, 1), "attore": mondo.direzione}
    args.update(kw)
    return srv.avvia_intervento(**args)


def test_crosswalk_defaults_applied(mondo):
    crosswalk(mondo, mondo.sad, "siuss_presenza_prova_mezzi", "4")
    crosswalk(mondo, mondo.sad, "siuss_carattere_prestazione", "1")
    caso = mondo.caso(servizio=mondo.sad)
    i = avvia(mondo, caso, erogatore=mondo.coop, quantita_prevista=D("52"))
    assert (i.presenza_prova_mezzi, i.carattere_prestazione) == ("4", "1")
    assert i.creato_da == mondo.direzione
    assert EventoAudit.objects.filter(azione="cartella.intervento.avvia", oggetto_id=str(i.pk)).exists()
    # Explicit values win over the crosswalk.
    i2 = avvia(mondo, caso, presenza_prova_mezzi="2", carattere_prestazione="2", dal=dt.date(2024, 3, 1))
    assert (i2.presenza_prova_mezzi, i2.carattere_prestazione) == ("2", "2")


def test_siuss_attributes_required_and_validated(mondo):
    caso = mondo.caso(servizio=mondo.sad)
    with pytest.raises(ValidationError) as exc:
        avvia(mondo, caso)
    assert set(exc.value.message_dict) == {"presenza_prova_mezzi", "carattere_prestazione"}
    assert "il catalogo non la prevede" in messaggi(exc)
    with pytest.raises(ValidationError) as exc:
        avvia(mondo, caso, presenza_prova_mezzi="5", carattere_prestazione="3")
    assert "valori ammessi 1-4" in messaggi(exc) and "valori ammessi 1 o 2" in messaggi(exc)
    assert not Intervento.objects.exists()


def test_isee_required_for_presenza_prova_mezzi_1(mondo):
    caso = mondo.caso(servizio=mondo.sad)
    with pytest.raises(ValidationError) as exc:
        avvia(mondo, caso, presenza_prova_mezzi="1", carattere_prestazione="1")
    assert "soggetta a ISEE" in messaggi(exc)
    scaduto = Isee.objects.create(
        ambito=mondo.ambito,
        persona=caso.persona,
        valore=D("9000"),
        protocollo_dsu="INPS-ISEE-2022-1",
        data_dsu=dt.date(2022, 1, 10),
        scadenza=dt.date(2022, 12, 31),
    )
    with pytest.raises(ValidationError) as exc:
        avvia(mondo, caso, presenza_prova_mezzi="1", carattere_prestazione="1", isee=scaduto)
    assert "non è valido al 01/02/2024" in messaggi(exc)
    valido = Isee.objects.create(
        ambito=mondo.ambito,
        persona=caso.persona,
        valore=D("8123.45"),
        protocollo_dsu="INPS-ISEE-2024-7",
        data_dsu=dt.date(2024, 1, 15),
        scadenza=dt.date(2024, 12, 31),
    )
    i = avvia(mondo, caso, presenza_prova_mezzi="1", carattere_prestazione="1")
    assert i.isee == valido  # the valid one is found by itself
    altra = mondo.persona(cognome="Bianchi")
    isee_altri = Isee.objects.create(
        ambito=mondo.ambito,
        persona=altra,
        valore=D("1"),
        protocollo_dsu="X",
        data_dsu=dt.date(2024, 1, 1),
        scadenza=dt.date(2024, 12, 31),
    )
    with pytest.raises(ValidationError):
        avvia(
            mondo,
            caso,
            presenza_prova_mezzi="1",
            carattere_prestazione="1",
            isee=isee_altri,
            dal=dt.date(2024, 5, 1),
        )


def test_intervention_checks(mondo, altro_mondo):
    caso = mondo.caso(servizio=mondo.sad)
    base = {"presenza_prova_mezzi": "4", "carattere_prestazione": "1"}
    with pytest.raises(ValidationError) as exc:
        avvia(mondo, caso, erogatore=mondo.comune, **base)
    assert "ente erogatore dell'Ambito" in messaggi(exc)
    with pytest.raises(ValidationError) as exc:
        avvia(mondo, caso, erogatore=altro_mondo.coop, **base)
    assert "ente erogatore dell'Ambito" in messaggi(exc)
    with pytest.raises(ValidationError) as exc:
        avvia(mondo, caso, dal=dt.date(2023, 12, 1), **base)
    assert "prima dell'apertura del caso (10/01/2024)" in messaggi(exc)
    with pytest.raises(ValidationError) as exc:
        avvia(mondo, caso, al=dt.date(2024, 1, 31), **base)
    assert "precedente" in messaggi(exc)
    with pytest.raises(ValidationError) as exc:
        avvia(mondo, caso, servizio=altro_mondo.sad, **base)
    assert "servizio del catalogo" in messaggi(exc)
    with pytest.raises(PermissionDenied):
        avvia(mondo, caso, attore=mondo.operatore, **base)  # MINORI operator, SAD case
    caso.chiuso_il = dt.date(2024, 6, 1)
    caso.save()
    with pytest.raises(ValidationError) as exc:
        avvia(mondo, caso, **base)
    assert "chiusa" in messaggi(exc)
    assert not Intervento.objects.exists()


def test_double_submitted_intervention_is_one(mondo):
    caso = mondo.caso(servizio=mondo.sad)
    a = avvia(mondo, caso, presenza_prova_mezzi="4", carattere_prestazione="1")
    b = avvia(mondo, caso, presenza_prova_mezzi="4", carattere_prestazione="1")
    assert a.pk == b.pk and Intervento.objects.count() == 1


def test_closing_an_intervention(mondo, sad):
    eroga(mondo, sad)
    with pytest.raises(ValidationError) as exc:
        srv.chiudi_intervento(intervento=sad, al=dt.date(2024, 3, 15), attore=mondo.operatore_sad)
    assert "dal 01/03/2024 al 31/03/2024" in messaggi(exc)
    srv.chiudi_intervento(intervento=sad, al=dt.date(2024, 3, 31), attore=mondo.operatore_sad)
    sad.refresh_from_db()
    assert sad.al == dt.date(2024, 3, 31)
    with pytest.raises(ValidationError):
        eroga(mondo, sad, dal=dt.date(2024, 4, 1), al=dt.date(2024, 4, 30))


# --- activity ------------------------------------------------------------------------------------


def attivita(mondo, intervento, attore, *, ore=D("2"), data=None, **kw):
    args = {
        "intervento": intervento,
        "operatore": attore,
        "data": data or timezone.localdate() - dt.timedelta(days=2),
        "tipo": "assistenza",
        "ore": ore,
        "accessi": 1,
        "note": "",
        "attore": attore,
    }
    args.update(kw)
    return srv.registra_attivita(**args)


def test_provider_records_only_on_its_interventions(mondo, sad):
    a = attivita(mondo, sad, mondo.erogatore)
    assert a.operatore == mondo.erogatore and a.creato_da == mondo.erogatore
    assert EventoAudit.objects.filter(azione="cartella.attivita.registra", oggetto_id=str(a.pk)).exists()
    altro = mondo.intervento(mondo.caso(servizio=mondo.sad), erogatore=mondo.altra_coop)
    with pytest.raises(PermissionDenied):
        attivita(mondo, altro, mondo.erogatore)
    diretto = mondo.intervento(mondo.caso(servizio=mondo.sad))
    with pytest.raises(PermissionDenied):
        attivita(mondo, diretto, mondo.erogatore)
    assert Attivita.objects.count() == 1


def test_operator_records_only_on_visible_cases(mondo, sad):
    attivita(mondo, sad, mondo.operatore_sad)
    minori = mondo.intervento(mondo.caso())
    with pytest.raises(PermissionDenied):
        attivita(mondo, minori, mondo.operatore_sad)
    attivita(mondo, minori, mondo.operatore)
    assert Attivita.objects.count() == 2


def test_24_hour_rule_across_interventions(mondo, sad):
    altro = mondo.intervento(mondo.caso(servizio=mondo.sad), erogatore=mondo.coop)
    giorno = timezone.localdate() - dt.timedelta(days=1)
    attivita(mondo, sad, mondo.erogatore, ore=D("20"), data=giorno)
    with pytest.raises(ValidationError) as exc:
        attivita(mondo, altro, mondo.erogatore, ore=D("4.25"), data=giorno)
    assert "ha già 20,00 ore" in messaggi(exc) and "24 ore" in messaggi(exc)
    attivita(mondo, altro, mondo.erogatore, ore=D("4"), data=giorno)
    assert Attivita.objects.filter(data=giorno).count() == 2
    # Another day is another day.
    attivita(mondo, altro, mondo.erogatore, ore=D("4"), data=giorno - dt.timedelta(days=1))


def test_activity_input_checks(mondo, sad):
    with pytest.raises(ValidationError) as exc:
        attivita(mondo, sad, mondo.erogatore, ore=D("1.1"))
    assert "quarto d'ora" in messaggi(exc)
    with pytest.raises(ValidationError) as exc:
        attivita(mondo, sad, mondo.erogatore, ore=D("25"))
    assert "tra 0 e 24" in messaggi(exc)
    with pytest.raises(ValidationError) as exc:
        attivita(mondo, sad, mondo.erogatore, ore=D("0"), accessi=0)
    assert "Indicare le ore o il numero di accessi" in messaggi(exc)
    with pytest.raises(ValidationError) as exc:
        attivita(mondo, sad, mondo.erogatore, data=timezone.localdate() + dt.timedelta(days=1))
    assert "futuro" in messaggi(exc)
    with pytest.raises(ValidationError) as exc:
        attivita(mondo, sad, mondo.erogatore, data=dt.date(2024, 1, 31))
    assert "periodo dell'intervento" in messaggi(exc)
    with pytest.raises(ValidationError):
        attivita(mondo, sad, mondo.erogatore, tipo="ballo")
    assert not Attivita.objects.exists()
    assert attivita(mondo, sad, mondo.erogatore, ore=D("1.25")).ore == D("1.25")
    assert attivita(mondo, sad, mondo.erogatore, ore=D("0"), accessi=2, tipo="accompagnamento").accessi == 2


def test_double_submitted_activity_is_one(mondo, sad):
    a = attivita(mondo, sad, mondo.erogatore, note="Igiene e spesa")
    b = attivita(mondo, sad, mondo.erogatore, note="Igiene e spesa")
    assert a.pk == b.pk and Attivita.objects.count() == 1


def test_annulled_activity_frees_the_hours(mondo, sad):
    giorno = timezone.localdate() - dt.timedelta(days=1)
    a = attivita(mondo, sad, mondo.erogatore, ore=D("24"), data=giorno)
    with pytest.raises(ValidationError):
        attivita(mondo, sad, mondo.erogatore, ore=D("1"), data=giorno, tipo="altro")
    srv.annulla_attivita(attivita=a, motivo="Giorno sbagliato", attore=mondo.erogatore)
    attivita(mondo, sad, mondo.erogatore, ore=D("1"), data=giorno, tipo="altro")
