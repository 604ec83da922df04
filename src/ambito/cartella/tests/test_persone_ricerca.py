"""Search of persons: CF, CF prefix, birth date, names with accents, word order and typos; scope."""

import datetime as dt

import pytest

from ambito.cartella.codice_fiscale import genera
from ambito.cartella.persone_testo import chiave_ricerca, distanza, normalizza_testo
from ambito.cartella.selectors.persone import cerca, sembra_codice_fiscale
from ambito.cartella.services import persone as S
from ambito.utenti.selectors import ambito_visibilita


def _crea(mondo, cognome, nome, nascita, sesso="M", comune=None, cf=True):
    residenza = {"comune": comune or mondo.comune, "dal": nascita}
    if cf:
        codice = genera(cognome=cognome, nome=nome, data_nascita=nascita, sesso=sesso, codice_belfiore="F205")
        return S.crea_persona(
            ambito=mondo.ambito,
            attore=None,
            codice_fiscale=codice,
            cognome=cognome,
            nome=nome,
            sesso=sesso,
            data_nascita=nascita,
            residenza=residenza,
        )
    return S.crea_persona(
        ambito=mondo.ambito,
        attore=None,
        senza_codice_fiscale=True,
        cognome=cognome,
        nome=nome,
        sesso=sesso,
        data_nascita=nascita,
        residenza=residenza,
    )


@pytest.fixture
def anagrafe(mondo):
    a = mondo
    return {
        "nicolo": _crea(a, "Ferrari", "Nicolò", dt.date(1990, 4, 2)),
        "rossi": _crea(a, "Rossi", "Mario", dt.date(1950, 3, 1)),
        "rossini": _crea(a, "Rossini", "Gioachino", dt.date(1960, 2, 29)),
        "russo": _crea(a, "Russo", "Anna", dt.date(1970, 7, 7), sesso="F"),
        "damico": _crea(a, "D'Amico", "Lucia", dt.date(1985, 12, 24), sesso="F", cf=False),
        "deluca": _crea(a, "De Luca", "Carla", dt.date(1950, 3, 1), sesso="F", comune=a.altro_comune),
    }


def _nomi(risultati):
    return [f"{p.cognome} {p.nome}" for p in risultati]


def test_chiave_e_distanza():
    assert chiave_ricerca("D'Amico", "Nicolò  Maria") == "d amico nicolo maria"
    assert normalizza_testo("  MÜLLER-Lüdenscheidt ") == "muller ludenscheidt"
    assert distanza("rosi", "rossi") == 1
    assert distanza("rossi", "russo") == 2
    assert distanza("abcdef", "ghijkl", 2) == 3  # early exit
    assert sembra_codice_fiscale("RSSMRA")
    assert sembra_codice_fiscale("rss mra 50c01")
    assert sembra_codice_fiscale("TMP1234")
    assert not sembra_codice_fiscale("rossi mario")
    assert not sembra_codice_fiscale("ROSS1")


def test_accenti(mondo, anagrafe):
    vis = ambito_visibilita(mondo.operatore)
    assert _nomi(cerca(vis, "nicolo")) == ["Ferrari Nicolò"]
    assert _nomi(cerca(vis, "ferrari nicolo")) == ["Ferrari Nicolò"]
    assert _nomi(cerca(vis, "NICOLÒ FERRARI")) == ["Ferrari Nicolò"]  # name first, accents
    assert _nomi(cerca(vis, "d'amico")) == ["D'Amico Lucia"]
    assert _nomi(cerca(vis, "damico")) == ["D'Amico Lucia"]  # typo distance 1 on "d amico"


def test_errori_di_battitura(mondo, anagrafe):
    vis = ambito_visibilita(mondo.operatore)
    risultati = _nomi(cerca(vis, "Rosi"))
    assert risultati[0] == "Rossi Mario"
    assert "Rossini Gioachino" not in risultati  # distance 3
    assert _nomi(cerca(vis, "rosi mario")) == ["Rossi Mario"]
    assert _nomi(cerca(vis, "mario rosi")) == ["Rossi Mario"]
    # The exact prefix ranks before the typo.
    assert _nomi(cerca(vis, "rossi"))[:2] == ["Rossi Mario", "Rossini Gioachino"]
    assert _nomi(cerca(vis, "de luca")) == ["De Luca Carla"]
    assert _nomi(cerca(vis, "de lucca carla")) == ["De Luca Carla"]


def test_codice_fiscale_e_prefisso(mondo, anagrafe):
    vis = ambito_visibilita(mondo.operatore)
    rossi = anagrafe["rossi"]
    assert cerca(vis, rossi.codice_fiscale.lower()) == [rossi]
    assert cerca(vis, rossi.codice_fiscale[:11]) == [rossi]
    assert _nomi(cerca(vis, rossi.codice_fiscale[:6])) == ["Rossi Mario"]
    temporaneo = anagrafe["damico"]
    assert temporaneo.cf_temporaneo
    assert cerca(vis, temporaneo.codice_fiscale) == [temporaneo]


def test_data_di_nascita(mondo, anagrafe):
    vis = ambito_visibilita(mondo.operatore)
    assert sorted(_nomi(cerca(vis, "01/03/1950"))) == ["De Luca Carla", "Rossi Mario"]
    assert _nomi(cerca(vis, "1/3/1950 rossi")) == ["Rossi Mario"]
    assert _nomi(cerca(vis, "29/02/1960")) == ["Rossini Gioachino"]
    assert cerca(vis, "31/02/1960") == []


def test_annotazioni_risultati(mondo, anagrafe):
    vis = ambito_visibilita(mondo.operatore)
    mondo.caso(persona=anagrafe["rossi"])
    chiuso = mondo.caso(persona=anagrafe["rossi"], servizio=mondo.sad)
    chiuso.chiuso_il = dt.date(2024, 6, 1)
    chiuso.save()
    (p,) = cerca(vis, "rossi mario")
    assert p.comune_residenza == mondo.comune.nome
    assert p.casi_aperti == 1
    assert p.eta == dt.date.today().year - 1950 - ((dt.date.today().month, dt.date.today().day) < (3, 1))


def test_unite_escluse_salvo_richiesta(mondo, anagrafe):
    vis = ambito_visibilita(mondo.operatore)
    doppio = _crea(mondo, "Rossi", "Mario", dt.date(1950, 3, 1), cf=False)
    assert len(cerca(vis, "rossi mario")) == 2
    S.unisci_persone(da_tenere=anagrafe["rossi"], da_unire=doppio, motivo="stessa persona", attore=None)
    assert cerca(vis, "rossi mario") == [anagrafe["rossi"]]
    assert len(cerca(vis, "rossi mario", includi_unite=True)) == 2


def test_visibilita_comunale_e_altro_ambito(mondo, altro_mondo, anagrafe):
    # The Comune operator sees only residents of their Comune (De Luca lives in the other one).
    vis = ambito_visibilita(mondo.comunale)
    assert _nomi(cerca(vis, "01/03/1950")) == ["Rossi Mario"]
    assert cerca(vis, "de luca") == []
    # A case paid by their Comune makes a non-resident visible.
    mondo.caso(persona=anagrafe["deluca"], comune=mondo.comune)
    assert _nomi(cerca(vis, "de luca")) == ["De Luca Carla"]
    # Another Ambito sees nothing of this one.
    _crea(altro_mondo, "Rossi", "Mario", dt.date(1950, 3, 1))
    altri = cerca(ambito_visibilita(altro_mondo.operatore), "rossi")
    assert [p.ambito_id for p in altri] == [altro_mondo.ambito.pk]
    # Providers and administration have no register.
    assert cerca(ambito_visibilita(mondo.erogatore), "rossi") == []


@pytest.mark.parametrize("n", [3, 40])
def test_numero_di_query_costante(mondo, django_assert_num_queries, n):
    persone = []
    for i in range(n):
        p = mondo.persona(cognome="Rossi", nome="Mario", nascita=dt.date(1950, 3, 1) + dt.timedelta(days=i))
        mondo.caso(persona=p)
        persone.append(p)
    vis = ambito_visibilita(mondo.operatore)
    # an exact name: prefix query, final rows (no typo search)
    with django_assert_num_queries(2):
        assert len(cerca(vis, "rossi mario")) == n
    # a typo: prefix query, distinct surnames, rows of the close surnames, final rows
    with django_assert_num_queries(4):
        assert len(cerca(vis, "rosi mario")) == n
    # CF prefix with digits: candidates + rows
    prefisso = persone[-1].codice_fiscale[:9]
    attesi = sorted(p.pk for p in persone if p.codice_fiscale.startswith(prefisso))
    with django_assert_num_queries(2):
        assert sorted(p.pk for p in cerca(vis, prefisso)) == attesi
    # Six letters may be a CF prefix or a name: both ways (CF, name prefix, typo prefixes,
    # typo candidates, rows).
    with django_assert_num_queries(5):
        assert len(cerca(vis, "RSSMRA")) >= 1
    # date: candidates + rows
    with django_assert_num_queries(2):
        assert [p.pk for p in cerca(vis, "01/03/1950")] == [persone[0].pk]
