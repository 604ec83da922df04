"""Services of assessments and plans: validation, approval rules, versions, optimistic lock, signatures."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ambito.cartella.models import Firma, Obiettivo, Progetto, Valutazione, VersioneProgetto
from ambito.cartella.selectors import progetti as sel
from ambito.cartella.services import progetti as srv
from ambito.core.models import EventoAudit

OGGI = timezone.localdate()

SINA = {
    "Mobilita": "2",
    "AttivitaVitaQuotidiana": "2",
    "DisturbiComportamentali": "1",
    "AreaReddituale": "1",
    "AreaSupporto": "3",
    "FonteDerivazioneValutazione": "1",
    "StrumentoValutazione": "1",
}
SINBA = {
    "ComposizioneFamiglia": ["1", "3"],
    "MinoreStranieroNoAcc": "2",
    "CondizioneMinore": "1",
    "LuogoVita": "1",
    "ScuolaFrequentata": "5",
    "CondizioneLavoro": "1",
    "Disabilita": "2",
    "DataPrimaSegnalazione": "01/2024",
    "FonteSegnalazione": "13",
    "ValutazioneMinore": "2",
    "ValutazioneFamigliaMinore": "2",
    "SegnalazioneAutoritaGiudiziaria": "2",
    "ProvvedimentoGiudiziario": "2",
}


def _progetto(mondo, caso=None, attore=None, **kw):
    caso = caso or mondo.caso()
    dati = dict(
        caso=caso,
        tipo="quadro",
        sintesi="Sostegno educativo e alla genitorialità.",
        data_inizio=dt.date(2024, 3, 1),
        revisione_ogni_mesi=6,
        obiettivi=[{"descrizione": "Frequenza scolastica regolare", "indicatore": "assenze < 10%"}],
        interventi=[
            {
                "servizio": mondo.minori,
                "erogatore": mondo.coop,
                "quantita": Decimal("4"),
                "periodicita": "settimana",
                "dal": dt.date(2024, 3, 1),
            }
        ],
        attore=attore or mondo.operatore,
    )
    dati.update(kw)
    return srv.crea_progetto(**dati)


# --- assessments ------------------------------------------------------------------------------


def test_uvm_assessment_stores_sina_codes_and_audits(mondo):
    caso = mondo.caso(servizio=mondo.sad)
    v = srv.crea_valutazione(
        caso=caso,
        tipo="uvm",
        data=OGGI,
        attore=mondo.operatore_sad,
        sina=SINA,
        invalidita_civile=["2"],
        necessita_interventi=["A1.01"],
    )
    v.refresh_from_db()
    assert (v.mobilita, v.strumento_valutazione, v.area_supporto) == ("2", "1", "3")
    assert v.invalidita_civile == ["2"] and v.stato == "bozza"
    ev = EventoAudit.objects.get(azione="valutazione.creata", oggetto_id=str(v.pk))
    assert ev.dopo["mobilita"] == "2" and ev.prima is None


def test_invalid_sina_code_is_refused_with_message_and_nothing_stored(mondo):
    caso = mondo.caso(servizio=mondo.sad)
    with pytest.raises(ValidationError) as e:
        srv.crea_valutazione(
            caso=caso,
            tipo="uvm",
            data=OGGI,
            attore=mondo.operatore_sad,
            sina={**SINA, "StrumentoValutazione": "8"},
        )
    assert any("«StrumentoValutazione»" in m and "«8»" in m and "1 (SVAMA)" in m for m in e.value.messages)
    with pytest.raises(ValidationError) as e:
        srv.crea_valutazione(
            caso=caso,
            tipo="uvm",
            data=OGGI,
            attore=mondo.operatore_sad,
            sina={k: v for k, v in SINA.items() if k != "FonteDerivazioneValutazione"},
        )
    assert any("«FonteDerivazioneValutazione»" in m and "obbligatorio" in m for m in e.value.messages)
    assert not Valutazione.objects.exists()


def test_assessment_dates_and_types(mondo):
    caso = mondo.caso(servizio=mondo.sad, minori=False)
    with pytest.raises(ValidationError, match="nel futuro"):
        srv.crea_valutazione(
            caso=caso, tipo="uvm", data=OGGI + dt.timedelta(days=1), attore=mondo.operatore_sad, sina=SINA
        )
    with pytest.raises(ValidationError, match="apertura del caso"):
        srv.crea_valutazione(
            caso=caso, tipo="uvm", data=dt.date(2023, 1, 1), attore=mondo.operatore_sad, sina=SINA
        )
    with pytest.raises(ValidationError, match="solo per i casi dell'area minori"):
        srv.crea_valutazione(caso=caso, tipo="minori", data=OGGI, attore=mondo.operatore_sad, sinba=SINBA)
    with pytest.raises(ValidationError, match="testo della valutazione"):
        srv.crea_valutazione(caso=caso, tipo="professionale", data=OGGI, attore=mondo.operatore_sad)
    assert not Valutazione.objects.exists()


def test_sinba_assessment_required_attribute_enforced(mondo):
    caso = mondo.caso()
    with pytest.raises(ValidationError) as e:
        srv.crea_valutazione(
            caso=caso,
            tipo="minori",
            data=OGGI,
            attore=mondo.operatore,
            sinba={k: v for k, v in SINBA.items() if k != "LuogoVita"},
        )
    assert any("«LuogoVita»" in m and "obbligatorio" in m for m in e.value.messages)
    v = srv.crea_valutazione(caso=caso, tipo="minori", data=OGGI, attore=mondo.operatore, sinba=SINBA)
    assert v.dati_sinba["ComposizioneFamiglia"] == ["1", "3"]


def test_assessment_double_submit_creates_one_row(mondo):
    caso = mondo.caso()
    a = srv.crea_valutazione(
        caso=caso, tipo="professionale", data=OGGI, attore=mondo.operatore, testo="Famiglia fragile."
    )
    b = srv.crea_valutazione(
        caso=caso, tipo="professionale", data=OGGI, attore=mondo.operatore, testo="Famiglia fragile."
    )
    assert a.pk == b.pk and Valutazione.objects.count() == 1


def test_assessment_approval_rules(mondo):
    caso = mondo.caso()  # MINORI: mondo.coordinatore coordinates it
    v = srv.crea_valutazione(caso=caso, tipo="professionale", data=OGGI, attore=mondo.operatore, testo="x")
    # The author cannot approve, whatever their role.
    autore_coord = srv.crea_valutazione(
        caso=caso, tipo="professionale", data=OGGI, attore=mondo.coordinatore, testo="y"
    )
    with pytest.raises(PermissionDenied, match="redatto"):
        srv.approva_valutazione(valutazione=autore_coord, attore=mondo.coordinatore)
    # An operator is not a coordinator.
    altro = mondo.operatore_sad
    mondo.operatore_del_caso(caso, altro)
    with pytest.raises(PermissionDenied):
        srv.approva_valutazione(valutazione=v, attore=altro)
    srv.invia_in_approvazione(valutazione=v, attore=mondo.operatore)
    v = srv.approva_valutazione(valutazione=v, attore=mondo.coordinatore)
    assert v.stato == "approvata" and v.approvata_da == mondo.coordinatore
    with pytest.raises(ValidationError, match="già approvata"):
        srv.modifica_valutazione(valutazione=v, attore=mondo.operatore, data=OGGI, testo="cambio")
    # Direzione approves the coordinator's own assessment.
    assert srv.approva_valutazione(valutazione=autore_coord, attore=mondo.direzione).stato == "approvata"


def test_coordinator_of_another_service_cannot_approve(mondo):
    from ambito.utenti import services as us

    caso = mondo.caso(servizio=mondo.sad)
    coord_minori_e_team = mondo.coordinatore
    mondo.operatore_del_caso(caso, coord_minori_e_team)  # sees the case, but does not coordinate SAD
    v = srv.crea_valutazione(caso=caso, tipo="uvm", data=OGGI, attore=mondo.operatore_sad, sina=SINA)
    with pytest.raises(PermissionDenied, match="coordinatore del servizio"):
        srv.approva_valutazione(valutazione=v, attore=coord_minori_e_team)
    us.assegna_ambito(utente=coord_minori_e_team, tipo="servizio", servizio=mondo.sad, dal=OGGI, attore=None)
    assert srv.approva_valutazione(valutazione=v, attore=coord_minori_e_team).stato == "approvata"


def test_modifying_a_draft_assessment_audits_before_and_after(mondo):
    caso = mondo.caso(servizio=mondo.sad)
    v = srv.crea_valutazione(caso=caso, tipo="uvm", data=OGGI, attore=mondo.operatore_sad, sina=SINA)
    srv.modifica_valutazione(
        valutazione=v, attore=mondo.operatore_sad, data=OGGI, sina={**SINA, "Mobilita": "3"}
    )
    v.refresh_from_db()
    assert v.mobilita == "3"
    ev = EventoAudit.objects.get(azione="valutazione.modificata")
    assert ev.prima["mobilita"] == "2" and ev.dopo["mobilita"] == "3"


# --- plans ------------------------------------------------------------------------------------


def test_create_plan_version_1_draft_with_review_date(mondo):
    p = _progetto(mondo, data_inizio=dt.date(2024, 1, 31), revisione_ogni_mesi=1)
    v = p.versioni.get()
    assert (v.numero, v.stato, v.prossima_verifica) == (1, "bozza", dt.date(2024, 2, 29))
    assert v.obiettivi.count() == 1 and v.interventi.get().quantita == Decimal("4.00")
    assert p.revisione == 0
    ev = EventoAudit.objects.get(azione="progetto.creato")
    assert ev.dopo["versione"]["obiettivi"][0]["descrizione"] == "Frequenza scolastica regolare"


@pytest.mark.parametrize(
    "modifica, messaggio",
    [
        ({"prossima_verifica": dt.date(2024, 2, 1)}, "non può precedere l'inizio del progetto"),
        ({"data_fine": dt.date(2024, 2, 1)}, "La fine del progetto (01/02/2024) non può precedere"),
        (
            {"interventi": [{"servizio": "MINORI", "quantita": "0", "dal": dt.date(2024, 3, 1)}]},
            "maggiore di zero",
        ),
        (
            {"interventi": [{"servizio": "MINORI", "quantita": "2", "dal": dt.date(2024, 2, 1)}]},
            "dentro quello del progetto",
        ),
        (
            {
                "data_fine": dt.date(2024, 6, 30),
                "interventi": [
                    {
                        "servizio": "MINORI",
                        "quantita": "2",
                        "dal": dt.date(2024, 3, 1),
                        "al": dt.date(2024, 12, 31),
                    }
                ],
            },
            "dentro quello del progetto",
        ),
        (
            {
                "interventi": [
                    {"servizio": "MINORI", "erogatore": "COMUNE", "quantita": "2", "dal": dt.date(2024, 3, 1)}
                ]
            },
            "ente erogatore",
        ),
        ({"sintesi": "  "}, "sintesi"),
        ({"data_inizio": dt.date(2023, 1, 1)}, "apertura del caso"),
    ],
)
def test_plan_validations_store_nothing(mondo, modifica, messaggio):
    for i in modifica.get("interventi", []):
        i["servizio"] = mondo.minori
        if i.get("erogatore") == "COMUNE":
            i["erogatore"] = mondo.comune
    with pytest.raises(ValidationError) as e:
        _progetto(mondo, **modifica)
    assert any(messaggio in m for m in e.value.messages), e.value.messages
    assert not Progetto.objects.exists() and not VersioneProgetto.objects.exists()


def test_service_of_another_ambito_refused(mondo, altro_mondo):
    with pytest.raises(ValidationError, match="servizio dell'Ambito"):
        _progetto(
            mondo, interventi=[{"servizio": altro_mondo.minori, "quantita": 1, "dal": dt.date(2024, 3, 1)}]
        )


def test_plan_double_submit_creates_one_plan(mondo):
    caso = mondo.caso()
    a = _progetto(mondo, caso=caso)
    b = _progetto(mondo, caso=caso)
    assert a.pk == b.pk and Progetto.objects.count() == 1 and VersioneProgetto.objects.count() == 1


def test_edit_draft_in_place_then_new_version_after_approval(mondo):
    p = _progetto(mondo)
    v1 = p.versioni.get()
    ob = v1.obiettivi.get()
    p = srv.modifica_progetto(
        progetto=p,
        revisione_attesa=0,
        attore=mondo.operatore,
        sintesi="Sintesi rivista.",
        obiettivi=[
            {"id": ob.pk, "descrizione": ob.descrizione},
            {"descrizione": "Autonomia negli spostamenti"},
        ],
    )
    assert p.revisione == 1 and p.versioni.count() == 1
    v1.refresh_from_db()
    assert v1.sintesi == "Sintesi rivista." and v1.obiettivi.filter(annullato_il__isnull=True).count() == 2
    assert Obiettivo.objects.filter(pk=ob.pk, annullato_il__isnull=True).exists()  # kept, same row

    srv.approva_versione(versione=v1, attore=mondo.coordinatore)
    p.refresh_from_db()
    assert p.revisione == 2

    p = srv.modifica_progetto(
        progetto=p,
        revisione_attesa=2,
        attore=mondo.operatore,
        revisione_ogni_mesi=3,
        obiettivi=[{"descrizione": "Autonomia negli spostamenti"}, {"descrizione": "Rientro in famiglia"}],
        interventi=[
            {
                "servizio": mondo.minori,
                "erogatore": mondo.coop,
                "quantita": "6",
                "periodicita": "settimana",
                "dal": dt.date(2024, 3, 1),
            }
        ],
    )
    v1.refresh_from_db()
    v2 = p.versioni.get(numero=2)
    # Version 1 is still approved and unchanged; version 2 is a draft with the changes.
    assert v1.stato == "approvata" and v1.revisione_ogni_mesi == 6 and v1.sintesi == "Sintesi rivista."
    assert sorted(v1.obiettivi.filter(annullato_il__isnull=True).values_list("descrizione", flat=True)) == [
        "Autonomia negli spostamenti",
        "Frequenza scolastica regolare",
    ]
    assert v1.interventi.get().quantita == Decimal("4.00")
    assert v2.stato == "bozza" and v2.revisione_ogni_mesi == 3 and v2.prossima_verifica == dt.date(2024, 6, 1)
    assert v2.sintesi == "Sintesi rivista."  # copied

    diff = sel.confronta_versioni(v1, v2)
    assert ("Verifica ogni (mesi)", "6", "3") in diff.campi
    assert diff.obiettivi_aggiunti == ["Rientro in famiglia"]
    assert diff.obiettivi_tolti == ["Frequenza scolastica regolare"]
    assert diff.interventi_modificati and "4 a settimana" in diff.interventi_modificati[0][1]
    assert "6 a settimana" in diff.interventi_modificati[0][2]

    srv.approva_versione(versione=v2, attore=mondo.coordinatore)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.stato, v2.stato) == ("superata", "approvata")
    assert EventoAudit.objects.filter(azione="progetto.nuova_versione").count() == 1


def test_unchanged_edit_is_a_noop_even_with_stale_revision(mondo):
    p = _progetto(mondo)
    srv.modifica_progetto(progetto=p, revisione_attesa=0, attore=mondo.operatore, sintesi="Nuova.")
    # The same form submitted twice: the second carries revision 0 but asks for what is stored.
    p = srv.modifica_progetto(progetto=p, revisione_attesa=0, attore=mondo.operatore, sintesi="Nuova.")
    assert p.revisione == 1 and EventoAudit.objects.filter(azione="progetto.modificato").count() == 1


def test_optimistic_lock_conflict(mondo):
    p = _progetto(mondo)
    srv.modifica_progetto(progetto=p, revisione_attesa=0, attore=mondo.operatore, sintesi="Versione di Anna.")
    with pytest.raises(srv.ConflittoRevisione) as e:
        srv.modifica_progetto(
            progetto=p, revisione_attesa=0, attore=mondo.coordinatore, sintesi="Versione di Bruno."
        )
    assert e.value.messages == [srv.MESSAGGIO_CONFLITTO]
    assert p.versioni.get().sintesi == "Versione di Anna."


def test_plan_approval_rules(mondo):
    p = _progetto(mondo, attore=mondo.coordinatore)
    v = p.versioni.get()
    with pytest.raises(PermissionDenied, match="redatto"):
        srv.approva_versione(versione=v, attore=mondo.coordinatore)
    with pytest.raises(PermissionDenied):
        srv.approva_versione(versione=v, attore=mondo.operatore)
    # Direzione reads and approves, but does not write case records.
    with pytest.raises(PermissionDenied):
        _progetto(mondo, attore=mondo.direzione, sintesi="Altro progetto.")
    assert srv.approva_versione(versione=v, attore=mondo.direzione).approvata_da == mondo.direzione
    with pytest.raises(ValidationError, match="già approvata"):
        srv.approva_versione(versione=v, attore=mondo.direzione)


def test_plan_without_goals_is_not_approved(mondo):
    p = _progetto(mondo, obiettivi=[])
    with pytest.raises(ValidationError, match="senza obiettivi"):
        srv.approva_versione(versione=p.versioni.get(), attore=mondo.coordinatore)


def test_coordinator_of_another_service_cannot_approve_plan(mondo):
    caso = mondo.caso(servizio=mondo.sad)
    mondo.operatore_del_caso(caso, mondo.coordinatore)
    p = _progetto(
        mondo,
        caso=caso,
        attore=mondo.operatore_sad,
        tipo="pai",
        interventi=[{"servizio": mondo.sad, "quantita": 10, "dal": dt.date(2024, 3, 1)}],
    )
    with pytest.raises(PermissionDenied, match="coordinatore del servizio"):
        srv.approva_versione(versione=p.versioni.get(), attore=mondo.coordinatore)


def test_signatures(mondo):
    p = _progetto(mondo)
    v = p.versioni.get()
    with pytest.raises(ValidationError, match="Si firma solo la versione approvata"):
        srv.registra_firma(
            versione=v, firmatario="Maria Rossi", qualita="genitore", data=OGGI, attore=mondo.operatore
        )
    srv.approva_versione(versione=v, attore=mondo.coordinatore)
    with pytest.raises(ValidationError, match="nel futuro"):
        srv.registra_firma(
            versione=v,
            firmatario="Maria Rossi",
            qualita="genitore",
            data=OGGI + dt.timedelta(days=1),
            attore=mondo.operatore,
        )
    with pytest.raises(ValidationError, match="non può precedere la redazione"):
        srv.registra_firma(
            versione=v,
            firmatario="Maria Rossi",
            qualita="genitore",
            data=OGGI - dt.timedelta(days=3),
            attore=mondo.operatore,
        )
    f1 = srv.registra_firma(
        versione=v, firmatario="Maria Rossi", qualita="genitore", data=OGGI, attore=mondo.operatore
    )
    f2 = srv.registra_firma(
        versione=v, firmatario="maria  rossi", qualita="genitore", data=OGGI, attore=mondo.operatore
    )
    assert f1.pk == f2.pk and Firma.objects.count() == 1
    assert EventoAudit.objects.filter(azione="progetto.firma").count() == 1


def test_writes_need_scope(mondo, altro_mondo):
    caso = mondo.caso()
    for estraneo in (mondo.operatore_sad, mondo.comunale, altro_mondo.direzione):
        with pytest.raises(PermissionDenied):
            _progetto(mondo, caso=caso, attore=estraneo)
    assert not Progetto.objects.exists()
