"""Services of the persone area: codice fiscale paths, residence, households, ISEE, duplicates, merge."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ambito.cartella.codice_fiscale import codice_temporaneo, genera
from ambito.cartella.models import Accesso, Caso, Isee, MembroNucleo, Persona, Residenza
from ambito.cartella.selectors.persone import comune_responsabile, possibili_duplicati
from ambito.cartella.services import persone as S
from ambito.core.models import EventoAudit

NASCITA = dt.date(1980, 5, 17)


def _dati(**altro):
    dati = dict(
        cognome="Bianchi",
        nome="Giulia",
        sesso="F",
        data_nascita=NASCITA,
        codice_fiscale=genera(
            cognome="Bianchi", nome="Giulia", data_nascita=NASCITA, sesso="F", codice_belfiore="F205"
        ),
    )
    dati.update(altro)
    return dati


def _messaggi(exc, campo="codice_fiscale"):
    return exc.value.message_dict[campo]


# --- codice fiscale ---------------------------------------------------------------------------


def test_crea_persona_valida_e_completa_i_dati(mondo):
    p = S.crea_persona(
        ambito=mondo.ambito, attore=mondo.operatore, **_dati(cognome="Bianchì", nome="  Giulia ")
    )
    assert p.codice_fiscale == "BNCGLI80E57F205F"
    assert p.cf_temporaneo is False
    assert p.codice_belfiore_nascita == "F205"  # decoded from the code
    assert p.luogo_nascita == "Milano (MI)"
    assert p.nato_estero is False
    assert p.chiave_ricerca == "bianchi giulia"
    ev = EventoAudit.objects.get(azione="persona.creata", oggetto_id=str(p.pk))
    assert ev.dopo["codice_fiscale"] == "BNCGLI80E57F205F"
    assert ev.attore == mondo.operatore


def test_carattere_di_controllo_errato_rifiutato(mondo):
    dati = _dati()
    dati["codice_fiscale"] = dati["codice_fiscale"][:15] + "A"
    with pytest.raises(ValidationError) as exc:
        S.crea_persona(ambito=mondo.ambito, attore=mondo.operatore, **dati)
    assert _messaggi(exc) == ["Carattere di controllo errato: atteso F."]
    assert Persona.objects.count() == 0


def test_data_di_nascita_diversa_dal_codice_rifiutata(mondo):
    with pytest.raises(ValidationError) as exc:
        S.crea_persona(
            ambito=mondo.ambito, attore=mondo.operatore, **_dati(data_nascita=dt.date(1980, 5, 18))
        )
    assert _messaggi(exc) == [
        "La data di nascita indicata (18/05/1980) non corrisponde a quella del codice fiscale (17/05/1980)."
    ]
    assert Persona.objects.count() == 0


def test_sesso_e_luogo_diversi_rifiutati(mondo):
    with pytest.raises(ValidationError) as exc:
        S.crea_persona(
            ambito=mondo.ambito, attore=mondo.operatore, **_dati(sesso="M", codice_belfiore_nascita="H501")
        )
    messaggi = _messaggi(exc)
    assert (
        "Il luogo di nascita indicato (H501) non corrisponde a quello del codice fiscale (F205)." in messaggi
    )
    assert any(m.startswith("Il sesso indicato (M)") for m in messaggi)


def test_nato_all_estero(mondo):
    cf = genera(
        cognome="Popescu", nome="Ion", data_nascita=dt.date(1975, 2, 3), sesso="M", codice_belfiore="Z129"
    )
    p = S.crea_persona(
        ambito=mondo.ambito,
        attore=mondo.operatore,
        codice_fiscale=cf.lower(),
        cognome="Popescu",
        nome="Ion",
        sesso="M",
        data_nascita=dt.date(1975, 2, 3),
        cittadinanza="235",
    )
    assert p.nato_estero is True
    assert p.luogo_nascita == "Romania"
    assert p.codice_belfiore_nascita == "Z129"


def test_senza_codice_fiscale_codice_temporaneo(mondo):
    p = S.crea_persona(
        ambito=mondo.ambito,
        attore=mondo.operatore,
        senza_codice_fiscale=True,
        cognome="Okafor",
        nome="Grace",
        sesso="F",
        data_nascita=dt.date(1999, 1, 1),
        codice_belfiore_nascita="Z335",
    )
    assert p.cf_temporaneo is True
    assert p.codice_fiscale.startswith("TMP") and len(p.codice_fiscale) == 16
    assert p.codice_fiscale == codice_temporaneo(
        cognome="Okafor", nome="Grace", data_nascita=dt.date(1999, 1, 1), sesso="F"
    )
    assert p.luogo_nascita == "Nigeria" and p.nato_estero
    # The same data typed again: the same code, refused as a duplicate naming the first record.
    with pytest.raises(S.PersonaGiaPresente) as exc:
        S.crea_persona(
            ambito=mondo.ambito,
            attore=mondo.operatore,
            senza_codice_fiscale=True,
            cognome="OKAFOR",
            nome="grace",
            sesso="F",
            data_nascita=dt.date(1999, 1, 1),
        )
    assert exc.value.persona == p
    assert f"scheda n. {p.pk}" in _messaggi(exc)[0]


def test_codice_obbligatorio_o_senza(mondo):
    with pytest.raises(ValidationError) as exc:
        S.crea_persona(ambito=mondo.ambito, attore=mondo.operatore, **_dati(codice_fiscale=""))
    assert "scegliere «senza codice fiscale»" in _messaggi(exc)[0]
    with pytest.raises(ValidationError) as exc:
        S.crea_persona(ambito=mondo.ambito, attore=mondo.operatore, senza_codice_fiscale=True, **_dati())
    assert "non entrambi" in _messaggi(exc)[0]


def test_codice_gia_presente_nell_ambito(mondo, altro_mondo):
    p = S.crea_persona(ambito=mondo.ambito, attore=mondo.operatore, **_dati())
    with pytest.raises(S.PersonaGiaPresente) as exc:
        S.crea_persona(ambito=mondo.ambito, attore=mondo.operatore, **_dati())
    assert exc.value.persona == p
    assert _messaggi(exc)[0].startswith(
        "Il codice BNCGLI80E57F205F è già registrato nell'Ambito per Bianchi Giulia"
    )
    # Another Ambito is another register.
    assert S.crea_persona(ambito=altro_mondo.ambito, attore=altro_mondo.operatore, **_dati()).pk != p.pk


def test_data_futura_e_campi_obbligatori(mondo):
    with pytest.raises(ValidationError) as exc:
        S.crea_persona(
            ambito=mondo.ambito,
            attore=mondo.operatore,
            **_dati(cognome="", data_nascita=dt.date.today() + dt.timedelta(days=3), email="x@"),
        )
    errori = exc.value.message_dict
    assert errori["cognome"] == ["Il cognome è obbligatorio."]
    assert errori["data_nascita"] == ["La data di nascita non può essere nel futuro."]
    assert errori["email"] == ["Indirizzo email non valido."]


def test_assegna_codice_fiscale(mondo):
    p = S.crea_persona(
        ambito=mondo.ambito,
        attore=mondo.operatore,
        senza_codice_fiscale=True,
        cognome="Bianchi",
        nome="Giulia",
        sesso="F",
        data_nascita=NASCITA,
    )
    with pytest.raises(ValidationError):
        S.assegna_codice_fiscale(persona=p, codice_fiscale="BNCGLI80E58F205A", attore=mondo.operatore)
    p = S.assegna_codice_fiscale(persona=p, codice_fiscale="bncgli80e57f205f", attore=mondo.operatore)
    p.refresh_from_db()
    assert p.codice_fiscale == "BNCGLI80E57F205F" and not p.cf_temporaneo
    assert p.codice_belfiore_nascita == "F205"
    ev = EventoAudit.objects.get(azione="persona.codice_fiscale_assegnato")
    assert ev.prima["codice_fiscale"].startswith("TMP") and ev.dopo["codice_fiscale"] == "BNCGLI80E57F205F"


def test_modifica_persona_blocco_ottimistico(mondo):
    p = S.crea_persona(ambito=mondo.ambito, attore=mondo.operatore, **_dati())
    letto = p.aggiornato_il
    p2 = S.modifica_persona(persona=p, attore=mondo.operatore, aggiornato_il=letto, telefono="02 123456")
    assert p2.telefono == "02 123456"
    # A second form loaded before that save is refused, and nothing is lost.
    with pytest.raises(ValidationError) as exc:
        S.modifica_persona(persona=p, attore=mondo.comunale, aggiornato_il=letto, telefono="333")
    assert "modificata da un altro utente" in exc.value.messages[0]
    p.refresh_from_db()
    assert p.telefono == "02 123456"
    # Data that contradict the real code are refused.
    with pytest.raises(ValidationError) as exc:
        S.modifica_persona(
            persona=p,
            attore=mondo.operatore,
            aggiornato_il=p.aggiornato_il,
            data_nascita=dt.date(1981, 5, 17),
        )
    assert "non corrisponde a quella del codice fiscale" in _messaggi(exc)[0]
    ev = EventoAudit.objects.get(azione="persona.modificata")
    assert ev.prima["telefono"] == "" and ev.dopo["telefono"] == "02 123456"


# --- residence --------------------------------------------------------------------------------


def test_residenza_chiude_la_precedente_e_lega_il_comune(mondo):
    p = S.crea_persona(
        ambito=mondo.ambito,
        attore=mondo.operatore,
        residenza={"comune": mondo.comune, "indirizzo": "Via Roma 1", "dal": dt.date(2010, 1, 1)},
        **_dati(),
    )
    r2 = S.registra_residenza(
        persona=p,
        attore=mondo.operatore,
        codice_istat=mondo.altro_comune.codice_istat,
        dal=dt.date(2020, 3, 1),
    )
    assert r2.comune == mondo.altro_comune
    r1 = Residenza.objects.get(persona=p, dal=dt.date(2010, 1, 1))
    assert r1.al == dt.date(2020, 2, 29)
    assert comune_responsabile(p, dt.date(2015, 1, 1)) == mondo.comune
    assert comune_responsabile(p, dt.date(2020, 3, 1)) == mondo.altro_comune
    assert comune_responsabile(p, dt.date(2005, 1, 1)) is None
    # Outside the Ambito: kept by ISTAT code, no Ente.
    r3 = S.registra_residenza(
        persona=p, attore=mondo.operatore, codice_istat="058091", dal=dt.date(2023, 1, 1)
    )
    assert r3.comune is None
    assert comune_responsabile(p, dt.date(2024, 1, 1)) is None
    assert EventoAudit.objects.filter(azione="residenza.chiusa").count() == 2


def test_residenza_sovrapposta_o_invertita_rifiutata(mondo):
    p = S.crea_persona(ambito=mondo.ambito, attore=mondo.operatore, **_dati())
    S.registra_residenza(persona=p, attore=mondo.operatore, comune=mondo.comune, dal=dt.date(2010, 1, 1))
    with pytest.raises(ValidationError) as exc:
        S.registra_residenza(
            persona=p,
            attore=mondo.operatore,
            comune=mondo.altro_comune,
            dal=dt.date(2005, 1, 1),
            al=dt.date(2012, 1, 1),
        )
    assert exc.value.message_dict["dal"] == [
        f"Il periodo si sovrappone alla residenza registrata a {mondo.comune.nome} dal 01/01/2010 (in corso)."
    ]
    with pytest.raises(ValidationError) as exc:
        S.registra_residenza(persona=p, attore=mondo.operatore, comune=mondo.comune, dal=dt.date(2010, 1, 1))
    assert "si sovrappone" in exc.value.message_dict["dal"][0]
    with pytest.raises(ValidationError) as exc:
        S.registra_residenza(
            persona=p,
            attore=mondo.operatore,
            comune=mondo.comune,
            dal=dt.date(2001, 1, 1),
            al=dt.date(2000, 1, 1),
        )
    assert exc.value.message_dict["al"] == ["La data di fine non può precedere la data di inizio."]
    # Nothing changed: one open residence, still open.
    assert list(Residenza.objects.filter(persona=p).values_list("dal", "al")) == [(dt.date(2010, 1, 1), None)]


def test_residenza_fuori_ambito_e_comune_di_altro_ambito(mondo, altro_mondo):
    p = S.crea_persona(ambito=mondo.ambito, attore=mondo.operatore, **_dati())
    with pytest.raises(ValidationError) as exc:
        S.registra_residenza(
            persona=p, attore=mondo.operatore, comune=altro_mondo.comune, dal=dt.date(2010, 1, 1)
        )
    assert exc.value.message_dict["comune"] == ["Il Comune indicato non appartiene all'Ambito."]
    with pytest.raises(ValidationError) as exc:
        S.registra_residenza(persona=p, attore=mondo.operatore, codice_istat="12", dal=dt.date(2010, 1, 1))
    assert exc.value.message_dict["codice_istat"] == ["Il codice ISTAT del Comune ha 6 cifre."]


# --- households -------------------------------------------------------------------------------


def test_nucleo_membri_ed_uscita(mondo):
    madre = mondo.persona(cognome="Verdi", nome="Anna", sesso="F", nascita=dt.date(1985, 1, 1))
    figlio = mondo.persona(cognome="Verdi", nome="Luca", nascita=dt.date(2012, 1, 1))
    n = S.crea_nucleo(
        ambito=mondo.ambito,
        attore=mondo.operatore,
        denominazione="Famiglia Verdi",
        membri=[{"persona": madre, "ruolo": "intestatario", "dal": dt.date(2012, 1, 1)}],
    )
    m = S.aggiungi_al_nucleo(
        nucleo=n, persona=figlio, ruolo="figlio", dal=dt.date(2012, 1, 1), attore=mondo.operatore
    )
    with pytest.raises(ValidationError) as exc:
        S.aggiungi_al_nucleo(nucleo=n, persona=figlio, ruolo="figlio", dal=dt.date(2013, 1, 1), attore=None)
    assert "fa già parte del nucleo" in exc.value.message_dict["persona"][0]
    with pytest.raises(ValidationError) as exc:
        S.aggiungi_al_nucleo(
            nucleo=n, persona=mondo.persona(), ruolo="intestatario", dal=dt.date(2013, 1, 1), attore=None
        )
    assert exc.value.message_dict["ruolo"] == ["Il nucleo ha già un intestatario in quel periodo."]
    with pytest.raises(ValidationError):
        S.esci_dal_nucleo(membro=m, al=dt.date(2011, 1, 1), attore=mondo.operatore)
    S.esci_dal_nucleo(membro=m, al=dt.date(2024, 6, 30), attore=mondo.operatore)
    m.refresh_from_db()
    assert m.al == dt.date(2024, 6, 30)
    assert MembroNucleo.objects.filter(nucleo=n).count() == 2
    azioni = list(EventoAudit.objects.filter(azione__startswith="nucleo.").values_list("azione", flat=True))
    assert azioni.count("nucleo.membro_aggiunto") == 2 and "nucleo.membro_uscito" in azioni


# --- ISEE -------------------------------------------------------------------------------------

PROTOCOLLO = "INPS-ISEE-2024-000123456-00"


def test_isee_scadenza_al_31_dicembre_dell_anno_della_dsu(mondo):
    p = mondo.persona()
    i = S.registra_isee(
        persona=p,
        attore=mondo.operatore,
        valore="8432.1",
        protocollo_dsu=PROTOCOLLO.lower(),
        data_dsu=dt.date(2024, 3, 12),
        data_attestazione=dt.date(2024, 3, 14),
    )
    assert i.scadenza == dt.date(2024, 12, 31)
    assert i.valore == Decimal("8432.10")
    assert i.protocollo_dsu == PROTOCOLLO
    assert EventoAudit.objects.get(azione="isee.registrato").dopo["valore"] == "8432.10"
    # A double submission does not make a second row.
    with pytest.raises(ValidationError) as exc:
        S.registra_isee(
            persona=p,
            attore=mondo.operatore,
            valore="8432.1",
            protocollo_dsu=PROTOCOLLO,
            data_dsu=dt.date(2024, 3, 12),
        )
    assert "già registrata" in exc.value.message_dict["protocollo_dsu"][0]
    assert Isee.objects.count() == 1


def test_isee_date_e_valori_non_validi(mondo):
    p = mondo.persona()
    domani = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        S.registra_isee(
            persona=p, attore=mondo.operatore, valore="-1", protocollo_dsu="INPS-2024-1", data_dsu=domani
        )
    errori = exc.value.message_dict
    assert errori["data_dsu"] == ["La data di presentazione della DSU non può essere nel futuro."]
    assert errori["valore"] == ["Il valore ISEE non può essere negativo."]
    assert errori["protocollo_dsu"][0].startswith(
        "Il protocollo della DSU deve avere la forma INPS-ISEE-AAAA"
    )
    with pytest.raises(ValidationError) as exc:
        S.registra_isee(
            persona=p,
            attore=mondo.operatore,
            valore="100",
            protocollo_dsu=PROTOCOLLO,
            data_dsu=dt.date(2024, 3, 12),
            data_attestazione=dt.date(2024, 3, 1),
        )
    assert exc.value.message_dict["data_attestazione"] == [
        "La data dell'attestazione non può precedere la presentazione della DSU."
    ]
    assert Isee.objects.count() == 0


def test_annulla_isee_richiede_motivo(mondo):
    p = mondo.persona()
    i = S.registra_isee(
        persona=p, attore=mondo.operatore, valore="0", protocollo_dsu=PROTOCOLLO, data_dsu=dt.date(2024, 1, 2)
    )
    with pytest.raises(ValidationError):
        S.annulla_isee(isee=i, motivo="  ", attore=mondo.operatore)
    S.annulla_isee(isee=i, motivo="Protocollo di un altro nucleo", attore=mondo.operatore)
    i.refresh_from_db()
    assert i.annullato_il is not None and i.motivo_annullamento == "Protocollo di un altro nucleo"
    with pytest.raises(PermissionDenied):
        i.delete()
    # Once annulled, the same protocol can be typed again correctly.
    S.registra_isee(
        persona=p,
        attore=mondo.operatore,
        valore="10",
        protocollo_dsu=PROTOCOLLO,
        data_dsu=dt.date(2024, 1, 2),
    )
    assert Isee.objects.filter(persona=p).count() == 2


# --- duplicates and merge ---------------------------------------------------------------------


def test_possibili_duplicati(mondo):
    a = S.crea_persona(ambito=mondo.ambito, attore=mondo.operatore, **_dati())
    simile = S.crea_persona(
        ambito=mondo.ambito,
        attore=mondo.operatore,
        senza_codice_fiscale=True,
        cognome="Bianchí",
        nome="Giula",
        sesso="F",
        data_nascita=NASCITA,
    )
    invertita = S.crea_persona(
        ambito=mondo.ambito,
        attore=mondo.operatore,
        senza_codice_fiscale=True,
        cognome="Giulia",
        nome="Bianchi",
        sesso="F",
        data_nascita=NASCITA,
    )
    S.crea_persona(  # same date, different name: not suggested
        ambito=mondo.ambito,
        attore=mondo.operatore,
        senza_codice_fiscale=True,
        cognome="Neri",
        nome="Paola",
        sesso="F",
        data_nascita=NASCITA,
    )
    S.crea_persona(  # same name, other date: not suggested
        ambito=mondo.ambito,
        attore=mondo.operatore,
        senza_codice_fiscale=True,
        cognome="Bianchi",
        nome="Giulia",
        sesso="F",
        data_nascita=dt.date(1980, 5, 18),
    )
    dup = possibili_duplicati(a)
    assert [(d.persona, d.distanza) for d in dup] == [(invertita, 0), (simile, 1)]
    assert dup[1].motivo == "Nome simile (1 lettera diversa) e stessa data di nascita"


def test_unisci_persone_sposta_tutto_e_non_cancella(mondo, altro_mondo):
    tenere = S.crea_persona(ambito=mondo.ambito, attore=mondo.operatore, **_dati())
    unire = S.crea_persona(
        ambito=mondo.ambito,
        attore=mondo.operatore,
        senza_codice_fiscale=True,
        cognome="Bianchi",
        nome="Giulia",
        sesso="F",
        data_nascita=NASCITA,
        residenza={"comune": mondo.comune, "dal": dt.date(2015, 1, 1)},
    )
    caso = mondo.caso(persona=unire)
    accesso = Accesso.objects.create(
        ambito=mondo.ambito,
        persona=unire,
        data=dt.date(2024, 1, 1),
        canale="spontaneo",
        comune=mondo.comune,
        richiesta="Aiuto",
        esito_triage="sociale",
        operatore=mondo.operatore,
    )
    isee = S.registra_isee(
        persona=unire,
        attore=mondo.operatore,
        valore="10",
        protocollo_dsu=PROTOCOLLO,
        data_dsu=dt.date(2024, 1, 2),
    )
    n = S.crea_nucleo(
        ambito=mondo.ambito,
        attore=mondo.operatore,
        denominazione="Bianchi",
        membri=[{"persona": unire, "ruolo": "intestatario", "dal": dt.date(2015, 1, 1)}],
    )
    with pytest.raises(ValidationError):
        S.unisci_persone(da_tenere=tenere, da_unire=unire, motivo="", attore=mondo.coordinatore)
    with pytest.raises(ValidationError):
        S.unisci_persone(da_tenere=tenere, da_unire=tenere, motivo="x", attore=mondo.coordinatore)
    with pytest.raises(ValidationError) as exc:
        S.unisci_persone(da_tenere=unire, da_unire=tenere, motivo="x", attore=mondo.coordinatore)
    assert "codice fiscale reale" in exc.value.messages[0]
    straniero = altro_mondo.persona()
    with pytest.raises(ValidationError) as exc:
        S.unisci_persone(da_tenere=tenere, da_unire=straniero, motivo="x", attore=mondo.coordinatore)
    assert exc.value.messages == ["Le due schede appartengono ad Ambiti diversi."]

    S.unisci_persone(
        da_tenere=tenere, da_unire=unire, motivo="Stessa persona, CF trovato", attore=mondo.coordinatore
    )
    unire.refresh_from_db()
    assert unire.unita_in == tenere
    assert Caso.objects.get(pk=caso.pk).persona == tenere
    assert Accesso.objects.get(pk=accesso.pk).persona == tenere
    assert Isee.objects.get(pk=isee.pk).persona == tenere
    assert MembroNucleo.objects.get(nucleo=n).persona == tenere
    assert Residenza.objects.get(dal=dt.date(2015, 1, 1)).persona == tenere
    assert Persona.objects.filter(pk__in=[tenere.pk, unire.pk]).count() == 2  # nothing deleted
    spostati = {e.dopo["tipo"]: e.dopo for e in EventoAudit.objects.filter(azione="persona.unione.spostati")}
    assert spostati["cartella.Caso"]["ids"] == [caso.pk] and spostati["cartella.Caso"]["conteggio"] == 1
    assert set(spostati) == {
        "cartella.Caso",
        "cartella.Accesso",
        "cartella.Residenza",
        "cartella.MembroNucleo",
        "cartella.Isee",
    }
    unita = EventoAudit.objects.get(azione="persona.unita")
    assert unita.dopo["motivo"] == "Stessa persona, CF trovato"
    assert unita.prima["unita_in_id"] is None and unita.dopo["unita_in_id"] == tenere.pk
    with pytest.raises(ValidationError):
        S.unisci_persone(da_tenere=tenere, da_unire=unire, motivo="di nuovo", attore=mondo.coordinatore)
