import ast
import datetime as dt
from pathlib import Path

import pytest
from codicefiscale import codicefiscale as cflib
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.it import codicefiscale as stdcf

from ambito.cartella import codice_fiscale as C

OGGI = dt.date(2026, 11, 23)
ROSSI = C.genera(
    cognome="Rossi", nome="Mario", data_nascita=dt.date(1985, 4, 3), sesso="M", codice_belfiore="F100"
)


def test_il_modulo_non_importa_django():
    albero = ast.parse(Path(C.__file__).read_text())
    moduli = [n.module or "" for n in ast.walk(albero) if isinstance(n, ast.ImportFrom)]
    moduli += [a.name for n in ast.walk(albero) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in moduli if m.split(".")[0] == "django"]


def test_genera_coincide_con_la_libreria():
    atteso = cflib.encode(
        lastname="Rossi", firstname="Mario", gender="M", birthdate="03/04/1985", birthplace="F100"
    )
    assert ROSSI == atteso == "RSSMRA85D03F100Y"
    donna = C.genera(
        cognome="De Luca",
        nome="Giulia",
        data_nascita=dt.date(2001, 12, 31),
        sesso="F",
        codice_belfiore="F205",
    )
    assert donna == cflib.encode(
        lastname="De Luca", firstname="Giulia", gender="F", birthdate="31/12/2001", birthplace="Milano"
    )


def test_normalizza_minuscole_e_spazi():
    assert C.normalizza(" rss mra 85d03\tf100-y ") == ROSSI
    assert C.valida("rss.mra.85d03.f100y").valido


def test_codice_valido_e_decodificato():
    esito = C.valida(ROSSI)
    assert esito.valido and esito.errori == []
    dati = C.decodifica(ROSSI, oggi=OGGI)
    assert dati.data_nascita == dt.date(1985, 4, 3)
    assert dati.sesso == "M"
    assert dati.codice_belfiore == "F100"
    assert dati.comune_nascita == "Melegnano" and dati.provincia_nascita == "MI"
    assert not dati.estero and dati.stato_estero is None


def test_carattere_di_controllo_errato():
    sbagliato = ROSSI[:15] + ("A" if ROSSI[15] != "A" else "B")
    esito = C.valida(sbagliato)
    assert not esito.valido
    assert esito.errori == [f"Carattere di controllo errato: atteso {ROSSI[15]}"]
    with pytest.raises(ValueError, match="Carattere di controllo errato"):
        C.decodifica(sbagliato)


@pytest.mark.parametrize(
    ("codice", "messaggio"),
    [
        ("", "Il codice fiscale è obbligatorio"),
        ("RSSMRA85D03F100", "Il codice fiscale deve avere 16 caratteri"),
        ("RSSMRA85X03F100Y", "Lettera del mese non valida: X"),
        ("RSSMR185D03F100Y", "I primi 6 caratteri"),
        ("00743110158", "Carattere di controllo errato: atteso 7"),
    ],
)
def test_errori_in_italiano(codice, messaggio):
    esito = C.valida(codice)
    assert not esito.valido
    assert any(e.startswith(messaggio) for e in esito.errori), esito.errori


def test_giorno_impossibile():
    primi15 = "RSSMRA85B30F100"  # 30 February
    esito = C.valida(primi15 + stdcf.calc_check_digit(primi15))
    assert esito.errori == ["La data di nascita nel codice fiscale non esiste"]


def test_omocodia():
    for livello in range(1, 8):
        omo = C.applica_omocodia(ROSSI, livello)
        assert omo != ROSSI
        assert C.valida(omo).valido, (livello, omo)
        assert stdcf.is_valid(omo)
        dati = C.decodifica(omo, oggi=OGGI)
        assert (dati.data_nascita, dati.sesso, dati.codice_belfiore) == (dt.date(1985, 4, 3), "M", "F100")
        assert dati.omocodice
    assert "RSSMRA85D03FM00Q" in cflib.decode(ROSSI)["omocodes"]
    assert C.applica_omocodia(ROSSI, 3) == "RSSMRA85D03FMLLE"
    assert not C.decodifica(ROSSI).omocodice
    assert (
        C.confronta(
            C.applica_omocodia(ROSSI, 7),
            cognome="Rossi",
            nome="Mario",
            data_nascita=dt.date(1985, 4, 3),
            sesso="M",
            codice_belfiore="F100",
        )
        == []
    )


def test_nato_all_estero():
    cf = C.genera(
        cognome="Popescu", nome="Ioana", data_nascita=dt.date(1979, 7, 15), sesso="F", codice_belfiore="Z129"
    )
    dati = C.decodifica(cf, oggi=OGGI)
    assert dati.estero and dati.stato_estero == "Romania"
    assert dati.comune_nascita is None
    assert dati.sesso == "F" and dati.data_nascita == dt.date(1979, 7, 15)
    assert C.decodifica(cf.lower()).stato_estero == "Romania"


def test_codice_numerico_valido_senza_dati():
    esito = C.valida("00743110157")
    assert esito.valido and esito.numerico
    with pytest.raises(ValueError, match="numerico"):
        C.decodifica("00743110157")


def test_secolo_piu_recente_rispetto_a_oggi():
    cf = C.genera(
        cognome="Bianchi", nome="Anna", data_nascita=dt.date(2020, 5, 1), sesso="F", codice_belfiore="F205"
    )
    assert C.decodifica(cf, oggi=dt.date(2026, 1, 1)).data_nascita == dt.date(2020, 5, 1)
    # Seen from 2019, a "20" year cannot be in the future: it is 1920.
    assert C.decodifica(cf, oggi=dt.date(2019, 1, 1)).data_nascita == dt.date(1920, 5, 1)
    # Born today: still this century.
    assert C.decodifica(cf, oggi=dt.date(2020, 5, 1)).data_nascita == dt.date(2020, 5, 1)


def test_29_febbraio_del_secolo_non_bisestile():
    cf = C.genera(
        cognome="Verdi", nome="Luca", data_nascita=dt.date(2000, 2, 29), sesso="M", codice_belfiore="F205"
    )
    # Seen from 1999, 2000 is in the future and 1900, 1800, 1700 had no 29 February.
    with pytest.raises(ValueError, match="Data di nascita non valida"):
        C.decodifica(cf, oggi=dt.date(1999, 6, 1))
    assert C.decodifica(cf, oggi=dt.date(2026, 1, 1)).data_nascita == dt.date(2000, 2, 29)


def test_confronta_segnala_ogni_discordanza():
    messaggi = C.confronta(
        "RSSMRA81B01F100" + stdcf.calc_check_digit("RSSMRA81B01F100"),
        cognome="Bianchi",
        nome="Maria",
        data_nascita=dt.date(1980, 2, 1),
        sesso="F",
        codice_belfiore="F205",
    )
    assert (
        "La data di nascita indicata (01/02/1980) non corrisponde a quella del codice fiscale (01/02/1981)"
        in messaggi
    )
    assert any(m.startswith("Il cognome indicato (Bianchi)") for m in messaggi)
    assert any(m.startswith("Il sesso indicato (F)") for m in messaggi)
    assert any(m.startswith("Il luogo di nascita indicato (F205)") for m in messaggi)
    # Maria codes as MRA like Mario: the name is consistent.
    assert not any(m.startswith("Il nome") for m in messaggi)
    assert len(messaggi) == 4


def test_confronta_nome_e_cognome_diversi():
    messaggi = C.confronta(ROSSI, cognome="Rossi", nome="Marco", data_nascita=dt.date(1985, 4, 3), sesso="M")
    assert messaggi == [
        "Il nome indicato (Marco) non corrisponde al codice fiscale: atteso MRA, il nome dà MRC"
    ]
    assert (
        C.confronta(ROSSI, cognome="Rossi", nome="Mario", data_nascita=dt.date(1985, 4, 3), sesso="m") == []
    )


def test_confronta_centenario():
    cf = C.genera(
        cognome="Neri", nome="Ada", data_nascita=dt.date(1920, 3, 9), sesso="F", codice_belfiore="F205"
    )
    assert C.confronta(cf, cognome="Neri", nome="Ada", data_nascita=dt.date(1920, 3, 9), sesso="F") == []
    assert C.confronta(cf, cognome="Neri", nome="Ada", data_nascita=dt.date(2020, 3, 9), sesso="F") == []


def test_codice_temporaneo():
    kw = dict(cognome="Doe", nome="Jane", data_nascita=dt.date(1990, 1, 1), sesso="F")
    tmp = C.codice_temporaneo(**kw)
    assert tmp.startswith("TMP") and len(tmp) == 16
    assert tmp == C.codice_temporaneo(**kw)  # stable
    assert tmp != C.codice_temporaneo(**kw, progressivo=1)
    assert tmp != C.codice_temporaneo(**{**kw, "nome": "John"})
    assert C.codice_temporaneo(**{**kw, "cognome": "  doè "}) == C.codice_temporaneo(
        **{**kw, "cognome": "DOE"}
    )
    assert C.e_temporaneo(tmp) and C.e_temporaneo(tmp.lower())
    esito = C.valida(tmp)
    assert not esito.valido and esito.temporaneo
    assert not stdcf.is_valid(tmp)
    assert not C.e_temporaneo(ROSSI)
    sbagliato = tmp[:15] + ("A" if tmp[15] != "A" else "B")
    assert not C.e_temporaneo(sbagliato)
    assert not C.valida(sbagliato).valido


@given(
    st.lists(st.integers(0, 10**6), min_size=50, max_size=50, unique=True),
)
def test_codici_temporanei_mai_validi(semi):
    for s in semi:
        tmp = C.codice_temporaneo(cognome=str(s), nome="X", data_nascita=None, progressivo=s)
        assert not C.valida(tmp).valido
        assert not stdcf.is_valid(tmp)


_LETTERE = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZàèéìòù' ", min_size=1, max_size=20).filter(
    lambda s: any(c.isalpha() for c in s)
)
_LUOGHI = st.sampled_from(
    ["F100", "F205", "B240", "G488", "H501", "F839", "Z129", "Z336", "Z216", "Z330", "Z611"]
)


@settings(max_examples=300, deadline=None)
@given(
    cognome=_LETTERE,
    nome=_LETTERE,
    data=st.dates(min_value=dt.date(1927, 1, 1), max_value=OGGI),
    sesso=st.sampled_from("MF"),
    belfiore=_LUOGHI,
    omocodia=st.integers(0, 7),
)
def test_proprieta_genera_valida_decodifica(cognome, nome, data, sesso, belfiore, omocodia):
    cf = C.genera(cognome=cognome, nome=nome, data_nascita=data, sesso=sesso, codice_belfiore=belfiore)
    if omocodia:
        cf = C.applica_omocodia(cf, omocodia)
    assert C.valida(cf).valido, (cf, C.valida(cf).errori)
    assert stdcf.is_valid(cf)
    dati = C.decodifica(cf, oggi=OGGI)
    assert (dati.data_nascita, dati.sesso, dati.codice_belfiore) == (data, sesso, belfiore)
    assert dati.estero == belfiore.startswith("Z")
    assert (
        C.confronta(cf, cognome=cognome, nome=nome, data_nascita=data, sesso=sesso, codice_belfiore=belfiore)
        == []
    )
