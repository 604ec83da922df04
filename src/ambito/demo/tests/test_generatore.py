import datetime as dt
from collections import Counter

import pytest

from ambito.cartella.codice_fiscale import decodifica, luogo_da_belfiore, valida
from ambito.demo import generatore as G

OGGI = G.DATA_RIFERIMENTO


@pytest.fixture(scope="module")
def persone():
    return G.genera_persone(3000, seed=42)


@pytest.fixture(scope="module")
def nuclei(persone):
    return G.raggruppa_nuclei(persone, seed=42)


def test_deterministico_con_lo_stesso_seme(persone):
    assert G.genera_persone(3000, seed=42) == persone
    assert G.genera_persone(3000, seed=43) != persone
    assert G.raggruppa_nuclei(persone, seed=7) == G.raggruppa_nuclei(persone, seed=7)


def test_codici_fiscali_validi_unici_e_coerenti(persone):
    assert len({p.codice_fiscale for p in persone}) == len(persone)
    for p in persone:
        assert valida(p.codice_fiscale).valido, p
        dati = decodifica(p.codice_fiscale, oggi=OGGI)
        assert (dati.data_nascita, dati.sesso) == (p.data_nascita, p.sesso)
        assert dati.codice_belfiore == p.codice_belfiore_nascita
        assert dati.estero == p.nato_estero


def test_omocodia_quando_i_dati_coincidono():
    # Few names, one day, one Comune: clashes are certain and must become omocodes.
    persone = G.genera_persone(400, seed=1, eta_min=30, eta_max=30, quota_estera=0, comuni={"015140": 1})
    codici = [p.codice_fiscale for p in persone]
    assert len(set(codici)) == len(codici)
    assert all(valida(c).valido for c in codici)


def test_eta_nel_intervallo():
    persone = G.genera_persone(2000, seed=3, eta_min=65, eta_max=80)
    eta = [p.eta(OGGI) for p in persone]
    assert min(eta) >= 65 and max(eta) <= 80
    assert min(eta) <= 66 and max(eta) >= 79


def test_residenza_segue_i_pesi():
    pesi = {"015140": 6, "015192": 3, "015050": 1}
    persone = G.genera_persone(10000, seed=5, comuni=pesi)
    conteggi = Counter(p.comune_residenza for p in persone)
    assert set(conteggi) == set(pesi)
    for codice, peso in pesi.items():
        atteso = 10000 * peso / 10
        assert abs(conteggi[codice] - atteso) < 0.1 * atteso, (codice, conteggi)


def test_residenza_predefinita_sui_comuni_demo(persone):
    assert {p.comune_residenza for p in persone} <= set(G.belfiore_comuni_demo())


def test_nomi_dagli_elenchi(persone):
    elenchi = G.elenchi_nomi()
    italiani = [p for p in persone if p.cittadinanza == "Italia"]
    assert len(italiani) > 0.8 * len(persone)
    for p in italiani:
        assert p.nome in elenchi["italiano"][p.sesso]
        assert p.cognome in elenchi["italiano"]["C"]
    tutti_nomi = {n for g in elenchi.values() for t in ("M", "F") for n in g[t]}
    tutti_cognomi = {c for g in elenchi.values() for c in g["C"]}
    assert all(p.nome in tutti_nomi and p.cognome in tutti_cognomi for p in persone)
    assert len(elenchi["italiano"]["C"]) >= 300
    assert len(elenchi["italiano"]["M"]) >= 150 and len(elenchi["italiano"]["F"]) >= 150


def test_stranieri_con_i_paesi_del_piano_di_zona():
    persone = G.genera_persone(20000, seed=9)
    stranieri = Counter(p.cittadinanza for p in persone if p.cittadinanza != "Italia")
    quota = sum(stranieri.values()) / len(persone)
    assert 0.12 < quota < 0.17
    assert [c for c, _ in stranieri.most_common(3)] == ["Romania", "Egitto", "Filippine"]
    nati_estero = [p for p in persone if p.nato_estero]
    assert nati_estero and all(p.codice_belfiore_nascita.startswith("Z") for p in nati_estero)


def test_codici_dei_paesi_e_dei_luoghi_esistono():
    for codice, (nome, gruppo, peso) in G.STATI_ESTERI.items():
        assert codice.startswith("Z")
        assert luogo_da_belfiore(codice)["name"] == nome
        assert gruppo in G.elenchi_nomi() and peso > 0
    for codice in G.LUOGHI_ITALIANI:
        assert luogo_da_belfiore(codice)["province"] != "EE"
    for codice in G.belfiore_comuni_demo().values():
        assert luogo_da_belfiore(codice)["province"] == "MI"


def test_indirizzi_telefoni_isee(persone):
    for p in persone:
        assert p.indirizzo.split()[0] in {"Via", "Viale", "Piazza", "Corso", "Largo", "Vicolo"}
        assert p.indirizzo.split()[-1][0].isdigit()
        prefisso, numero = p.telefono.split(" ", 1)
        assert prefisso in G.PREFISSI_MOBILI or prefisso == "02"
        assert numero.replace(" ", "").isdigit()
    valori = sorted(p.isee for p in persone if p.isee is not None)
    assert 0.5 < len(valori) / len(persone) < 0.7
    assert all(v >= 0 and v == v.quantize(valori[0].__class__("0.01")) for v in valori)
    mediana = valori[len(valori) // 2]
    assert 8000 < mediana < 18000


def test_nuclei_con_ruoli(persone, nuclei):
    membri = G.persone_dei_nuclei(nuclei)
    assert [p.id for p in membri] == [p.id for p in persone]
    for n in nuclei:
        ruoli = [c.ruolo for c in n.componenti]
        assert ruoli[0] == "intestatario" and ruoli.count("intestatario") == 1
        assert ruoli.count("coniuge") <= 1
        assert set(ruoli) <= set(G.RUOLI_NUCLEO)
        capo = n.intestatario
        assert capo.eta(OGGI) >= 18
        for c in n.componenti:
            p = c.persona
            assert (p.comune_residenza, p.indirizzo, p.isee) == (n.comune_residenza, n.indirizzo, capo.isee)
            assert p.cittadinanza == capo.cittadinanza or c.ruolo == "altro"
            if c.ruolo == "coniuge":
                assert p.sesso != capo.sesso and p.eta(OGGI) >= 18
            if c.ruolo == "figlio":
                assert 18 <= p.data_nascita.year - capo.data_nascita.year <= 45
    assert len({p.codice_fiscale for p in membri}) == len(membri)
    assert all(valida(p.codice_fiscale).valido for p in membri)
    conteggio = Counter(c.ruolo for n in nuclei for c in n.componenti)
    assert conteggio["coniuge"] > 0 and conteggio["figlio"] > 0
    dimensioni = Counter(len(n.componenti) for n in nuclei)
    assert dimensioni[1] > 0 and dimensioni[4] > 0


def test_figli_col_cognome_del_padre(nuclei):
    controllati = 0
    for n in nuclei:
        padre = next(
            (
                c.persona
                for c in n.componenti
                if c.ruolo in ("intestatario", "coniuge") and c.persona.sesso == "M"
            ),
            None,
        )
        for c in n.componenti:
            if c.ruolo == "figlio" and padre is not None:
                assert c.persona.cognome == padre.cognome
                assert decodifica(c.persona.codice_fiscale, oggi=OGGI).data_nascita == c.persona.data_nascita
                controllati += 1
    assert controllati > 50


def test_solo_minori():
    minori = G.genera_persone(200, seed=2, eta_min=3, eta_max=10, comuni={"015140": 1, "015050": 1})
    nuclei = G.raggruppa_nuclei(minori)
    assert sorted(p.id for p in G.persone_dei_nuclei(nuclei)) == [p.id for p in minori]
    assert len(nuclei) == 200 and all(len(n.componenti) == 1 for n in nuclei)


def test_parametri_non_validi():
    with pytest.raises(ValueError):
        G.genera_persone(10, eta_min=50, eta_max=40)
    with pytest.raises(ValueError):
        G.genera_persone(10, comuni={"015140": 0})
    assert G.genera_persone(0) == []
    assert G.raggruppa_nuclei([]) == []


def test_data_di_riferimento_fissa():
    a = G.genera_persone(50, seed=1, oggi=dt.date(2000, 1, 1), eta_min=10, eta_max=10)
    assert all(p.data_nascita.year in (1989, 1990) for p in a)
