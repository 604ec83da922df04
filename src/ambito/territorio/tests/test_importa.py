"""Population and natural-movement imports: validation, all-or-nothing, replacement, audit."""

import datetime as dt

import pytest

from ambito.core.models import EventoAudit
from ambito.territorio.models import MovimentoNaturale, PopolazioneEta, RilevazionePopolazione
from ambito.territorio.services import ErroreImportazione, importa_movimenti_naturali, importa_popolazione

from .conftest import csv_popolazione, file_

DATA = dt.date(2023, 1, 1)


def importa(ambito, dati, data=DATA, **kw):
    return importa_popolazione(
        ambito=ambito,
        file=file_(dati),
        data_riferimento=data,
        fonte=kw.pop("fonte", "ISTAT"),
        attore=None,
        **kw,
    )


def errori_di(ambito, dati, **kw):
    with pytest.raises(ErroreImportazione) as exc:
        importa(ambito, dati, **kw)
    return [str(e) for e in exc.value.errori]


def test_importa_tutte_le_righe(ambito, comuni):
    dati = csv_popolazione({"015050": {0: (10, 12), 70: (5, 7), 100: (1, 3)}, "015195": {30: (100, 90)}})
    ril = importa(ambito, dati, data_consultazione=dt.date(2024, 11, 11), provvisoria=True)
    assert ril.righe.count() == 202
    assert ril.provvisoria is True
    assert ril.data_consultazione == dt.date(2024, 11, 11)
    riga = PopolazioneEta.objects.get(rilevazione=ril, comune=comuni["015050"], eta=100)
    assert (riga.maschi, riga.femmine, riga.ambito_id) == (1, 3, ambito.pk)
    evento = EventoAudit.objects.get(azione="territorio.importa_popolazione")
    assert evento.dopo["righe"] == 202 and evento.dopo["comuni"] == 2
    assert evento.dopo["maschi"] == 116 and evento.dopo["femmine"] == 112


def test_punto_e_virgola_e_bom(ambito, comuni):
    dati = csv_popolazione({"015050": {5: (3, 4)}}, sep=";", bom=True)
    ril = importa(ambito, dati)
    assert PopolazioneEta.objects.get(rilevazione=ril, eta=5).femmine == 4


def test_file_testuale_e_percorso(ambito, comuni, tmp_path):
    percorso = tmp_path / "pop.csv"
    percorso.write_bytes(csv_popolazione({"015050": {1: (1, 1)}}))
    ril = importa_popolazione(ambito=ambito, file=percorso, data_riferimento=DATA, fonte="ISTAT", attore=None)
    assert ril.righe.count() == 101


def test_errori_con_numero_di_riga_e_nulla_salvato(ambito, comuni):
    righe = csv_popolazione({"015050": {}}).decode().splitlines()
    righe[3] = "15050,2,1,1"  # line 4: code without leading zero
    righe[5] = "015050,4,-1,1"  # line 6: negative
    righe[7] = "015050,abc,1,1"  # line 8: age not a number
    righe[9] = "015050,101,1,1"  # line 10: age out of range
    righe[11] = "999999,10,1,1"  # line 12: not a Comune of the Ambito
    righe[13] = "015050,12,1"  # line 14: missing field
    righe.append("015050,20,1,1")  # duplicate of line 22
    errori = errori_di(ambito, "\n".join(righe))
    testo = "\n".join(errori)
    assert (
        "riga 4: codice ISTAT «15050» non valido: servono 6 cifre (manca lo zero iniziale? es. 015050)"
        in testo
    )
    assert "riga 6: maschi «-1» non valido" in testo
    assert "riga 8: età «abc» non valida" in testo
    assert "riga 10: età «101» non valida" in testo
    assert "riga 12: il codice ISTAT 999999 non è un Comune dell'Ambito SGM" in testo
    assert "riga 14: attese 4 colonne" in testo
    assert f"riga {len(righe)}: età 20 del Comune 015050 già presente alla riga 22" in testo
    assert RilevazionePopolazione.objects.count() == 0
    assert PopolazioneEta.objects.count() == 0
    assert not EventoAudit.objects.filter(azione__startswith="territorio.importa").exists()


def test_intestazione_sbagliata(ambito, comuni):
    errori = errori_di(ambito, "codice_istat,eta,maschi\n015050,0,1\n")
    assert errori == [
        "riga 1: intestazione non valida: mancano le colonne femmine. "
        "Attesa esattamente: codice_istat,eta,maschi,femmine"
    ]
    errori = errori_di(ambito, "codice_istat,eta,femmine,maschi\n")
    assert "ordine diverso" in errori[0]
    errori = errori_di(ambito, "comune;eta;maschi;femmine\n")
    assert "mancano le colonne codice_istat" in errori[0] and "«comune»" in errori[0]


def test_file_vuoto_o_senza_righe(ambito, comuni):
    assert "Il file è vuoto" in errori_di(ambito, "")[0]
    assert errori_di(ambito, "codice_istat,eta,maschi,femmine\n\n") == ["Il file non contiene righe di dati."]


def test_file_non_utf8(ambito, comuni):
    errori = errori_di(ambito, "codice_istat,eta,maschi,femmine\n015050,0,1,1\n".encode("utf-16"))
    assert "UTF-8" in errori[0]


def test_file_troncato_e_rifiutato(ambito, comuni):
    righe = csv_popolazione({"015050": {}}).decode().splitlines()[:60]
    errori = errori_di(ambito, "\n".join(righe))
    assert errori == [
        "Comune Carpiano (015050): mancano 42 età (59, 60, 61, 62, 63, 64, 65, 66, 67, 68 …); "
        "servono tutte le età da 0 a 100"
    ]


def test_comune_di_altro_ambito_rifiutato(ambito, altro_ambito, comuni):
    from ambito.territorio.services import crea_comune

    crea_comune(ambito=altro_ambito, nome="Paullo", codice_istat="015169")
    errori = errori_di(ambito, csv_popolazione({"015169": {}}))
    assert errori[0] == "riga 2: il codice ISTAT 015169 non è un Comune dell'Ambito SGM"


def test_comune_non_in_vigore(ambito, comuni):
    c = comuni["015050"]
    c.valido_al = dt.date(2020, 12, 31)
    c.save()
    errori = errori_di(ambito, csv_popolazione({"015050": {}}))
    assert errori[0] == "riga 2: il Comune Carpiano (015050) non è in vigore al 01/01/2023"


def test_fonte_obbligatoria(ambito, comuni):
    errori = errori_di(ambito, csv_popolazione({"015050": {}}), fonte="  ")
    assert errori[0].startswith("Indicare la fonte")


def test_reimportare_la_stessa_data_sostituisce(ambito, comuni):
    primo = importa(ambito, csv_popolazione({"015050": {0: (1, 1)}, "015195": {0: (2, 2)}}), fonte="prima")
    secondo = importa(ambito, csv_popolazione({"015050": {0: (5, 6)}}), fonte="seconda")
    assert secondo.pk == primo.pk
    assert RilevazionePopolazione.objects.count() == 1
    assert PopolazioneEta.objects.count() == 101
    assert PopolazioneEta.objects.get(eta=0).maschi == 5
    secondo.refresh_from_db()
    assert secondo.fonte == "seconda"
    evento = EventoAudit.objects.get(azione="territorio.sostituisce_popolazione")
    assert evento.prima["righe"] == 202 and evento.prima["fonte"] == "prima"
    assert evento.dopo["righe"] == 101


def test_reimportazione_rotta_lascia_intatta_la_precedente(ambito, comuni):
    buono = importa(ambito, csv_popolazione({"015050": {0: (1, 1)}}), fonte="buono")
    rotto = csv_popolazione({"015050": {0: (9, 9)}}).decode().replace("015050,50,0,0", "015050,50,x,0")
    with pytest.raises(ErroreImportazione):
        importa(ambito, rotto, fonte="rotto")
    buono.refresh_from_db()
    assert buono.fonte == "buono"
    assert PopolazioneEta.objects.get(eta=0).maschi == 1
    assert PopolazioneEta.objects.count() == 101


def test_troppi_errori_riassunti(ambito, comuni):
    righe = ["codice_istat,eta,maschi,femmine"] + [f"015050,{i % 101},x,0" for i in range(500)]
    with pytest.raises(ErroreImportazione) as exc:
        importa(ambito, "\n".join(righe))
    assert exc.value.totale == 500
    assert len(exc.value.errori) == 200
    assert exc.value.righe_testo()[-1].startswith("… e altri")


def test_due_ambiti_stessa_data_indipendenti(ambito, altro_ambito, comuni):
    from ambito.territorio.services import crea_comune

    crea_comune(ambito=altro_ambito, nome="Paullo", codice_istat="015169")
    importa(ambito, csv_popolazione({"015050": {0: (1, 1)}}))
    importa(altro_ambito, csv_popolazione({"015169": {0: (3, 3)}}))
    assert RilevazionePopolazione.objects.filter(data_riferimento=DATA).count() == 2
    assert PopolazioneEta.objects.per_ambito(ambito).count() == 101


# --- natural movements --------------------------------------------------------------------


def test_importa_e_sostituisce_movimenti(ambito, comuni):
    importa_movimenti_naturali(
        ambito=ambito,
        file=file_("codice_istat,anno,nati,morti\n015050,2022,36,24\n015195,2022,300,340\n"),
        fonte="ISTAT",
        attore=None,
    )
    n = importa_movimenti_naturali(
        ambito=ambito,
        file=file_("codice_istat;anno;nati;morti\n015050;2022;37;25\n015050;2021;30;20\n"),
        fonte="ISTAT bilancio",
        attore=None,
    )
    assert n == 2
    assert MovimentoNaturale.objects.count() == 3
    m = MovimentoNaturale.objects.get(comune=comuni["015050"], anno=2022)
    assert (m.nati, m.morti, m.fonte) == (37, 25, "ISTAT bilancio")
    assert MovimentoNaturale.objects.get(comune=comuni["015195"]).nati == 300
    evento = EventoAudit.objects.filter(azione="territorio.importa_movimenti_naturali").first()
    assert evento.prima == {"sostituiti": 1} and evento.dopo["righe"] == 2


def test_movimenti_rotti_non_toccano_nulla(ambito, comuni):
    importa_movimenti_naturali(
        ambito=ambito,
        file=file_("codice_istat,anno,nati,morti\n015050,2022,36,24\n"),
        fonte="ISTAT",
        attore=None,
    )
    with pytest.raises(ErroreImportazione) as exc:
        importa_movimenti_naturali(
            ambito=ambito,
            file=file_(
                "codice_istat,anno,nati,morti\n015050,2022,99,99\n015050,3000,1,1\n"
                "015050,2022,1,1\n15195,2022,1,1\n015195,2021,-4,1\n"
            ),
            fonte="ISTAT",
            attore=None,
        )
    testo = "\n".join(exc.value.righe_testo())
    assert "riga 3: anno «3000» non valido" in testo
    assert "riga 4: anno 2022 del Comune 015050 già presente alla riga 2" in testo
    assert "riga 5: codice ISTAT «15195» non valido" in testo
    assert "riga 6: nati «-4» non valido" in testo
    assert MovimentoNaturale.objects.get().nati == 36
