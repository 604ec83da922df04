"""Checks of the demo data files against the source documents' own totals and code lists.

Plain pytest, no database. The expected values are copied from the sources (line numbers in
src/ambito/demo/data/FONTI.md): seed 000 = Piano Programma 2023 A.S.S.E.MI., seed 001 = contratto
di servizio 2022-2024, anchors.md §3 = national code lists.
"""

import csv
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from ambito.territorio.models import TipoEnte

DATA = Path(__file__).resolve().parent.parent / "data"

# Allegato 7 arithmetic: the source rounds to the euro and states an "arrot." of 2 (000 L3874).
TOLLERANZA_ARROT = 2

COMUNI_AMBITO = {  # 004 L9-17; 001 L11, L17, L1077
    "015050", "015071", "015082", "015101", "015140", "015192", "015195", "015202", "015244",
}
PAULLO = "015169"
CLIENTI_CDD = {"015139", "015171", "015222", "015036"}  # 000 L2079-2085

# --- national code lists (anchors.md §3.2, §3.3, §3.4; LEPS: 004 §6.1 as coded in catalogo/data) ---
SIUSS_CODICE_PRESTAZIONE = (
    {f"A1.{i:02d}" for i in range(1, 21)}
    | {f"A2.{i:02d}" for i in range(1, 13)}
    | {"A3.01", "A3.02", "A3.03", "Z9.99"}
)
CODICI_AMMESSI = {
    "siuss_codice_prestazione": SIUSS_CODICE_PRESTAZIONE,
    "siuss_area_utenza": {"1", "2", "3"},
    "siuss_presenza_prova_mezzi": {"1", "2", "3", "4"},
    "siuss_carattere_prestazione": {"1", "2"},
    "istat_area_utenza": {"FAM", "DIS", "ADD", "ELD", "IMMNOM", "POV", "MULBEN"},
    "istat_macroarea": {"interventi_servizi", "trasferimenti_denaro", "strutture"},
    "leps": {
        "SSP_SEGRETARIATO", "VALUTAZIONE_MULTIDIMENSIONALE", "PRESA_IN_CARICO", "PUA_UVM",
        "DIMISSIONI_PROTETTE", "SUPERVISIONE_SSP", "PIPPI", "PRONTO_INTERVENTO_SOCIALE", "SAD",
        "FONDI_STRUTTURALI",
    },
}

# --- allowed values of the catalogue file (docs/catalogo.md "Allowed values") ---
AMMESSI = {
    "unita_misura": {"ore", "giorni", "casi", "posti", "accessi", "euro", "mesi", "voucher"},
    "target": {"minori_famiglia", "disabili", "anziani", "adulti_difficolta", "immigrati", "dipendenze",
               "multiutenza"},
    "modalita_erogazione": {"diretta", "appalto", "accreditamento", "coprogettazione", "concessione"},
    "regime_compartecipazione": {"gratuito", "tariffa_distrettuale", "compartecipazione_isee"},
}

# Art. 13 allocation method per row, normalised as in 001 §2.3 (seed 001 L209-234).
METODO_PER_RIGA = {
    1: "capitaria", 2: "capitaria_e_consumo", 3: "capitaria", 4: "consumo_validato_udv_fino_capienza",
    5: "consumo_fino_capienza", 6: "consumo_fino_capienza", 7: "capitaria", 8: "consumo_validato_udv",
    9: "capitaria", 10: "capitaria_netto_tariffe", 11: "capitaria_eell_piu_scuole", 12: "consumo",
    13: "consumo", 14: "attese_progettuali", 15: "attese_progettuali", 16: "attese_regionali",
    17: "capitaria_piu_indiretta_su_consumo", 18: "consumo", 19: "consumo", 20: "consumo",
    21: "attese_progettuali", 22: "attese_distrettuali", 23: "attese_progettuali", 24: "attese_regionali",
}
# "demografico 01/01/2021 fonte Istat" (L209-220) and "01/01/2020" for row 17 (L226).
DATA_POPOLAZIONE_PER_RIGA = {1: "2021-01-01", 2: "2021-01-01", 3: "2021-01-01", 7: "2021-01-01",
                             9: "2021-01-01", 10: "2021-01-01", 11: "2021-01-01", 17: "2020-01-01"}
# Rows whose 2023 lines carry indirect costs in Allegato 7 (000 L3741-3789: 14,091 % of the direct
# cost; UdP 12,616 %). Placements, PIPPI, casa delle mamme, B2, ADH, caregiver, SAI, nuova sede and
# the fund-management lines carry none.
RIGHE_CON_COSTI_INDIRETTI = {1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 17}

# Allegato 7 per-Comune column -> Art. 13 row (service code in catalogo.json).
COLONNA_SERVIZIO = {
    "UDP": "UDP", "III POLO": "MINORI", "I POLO": "MINORI", "EDUCATIVA TERR. III POLO": "MINORI",
    "COMUNITA' III POLO": "COLLOCAMENTI", "COMUNITA' I POLO": "COLLOCAMENTI", "CAT": "CAT",
    "IQ - Spazio Neutro": "IQ", "ASI": "ASI", "SSPT": "SSP", "CSIOL": "CSIOL",
    "PROT. GIURIDICA": "PROT_GIURIDICA", "AES": "AES", "SAD": "SAD", "SAI": "SAI", "CDD": "CDD",
    "TRASPORTI CDD": "CDD", "RES. SALUTE MENTALE": "PSICHIATRIA", "TIROCINI RIS.": "PSICHIATRIA",
    "CASA DELLE MAMME": "CASA_MAMME", "GESTIONE FONDI DI AMBITO": "GEST_FONDI",
}
COLONNE_NON_SERVIZI = {"SEDE NUOVA", "TOTALE"}

# "Conferimenti comuni" per service line of the Allegato 7 fund table (000 L3741-3797).
CONFERIMENTI_PER_LINEA = {
    "UDP": 152_359, "III POLO": 437_561, "I POLO": 559_703, "EDUCATIVA TERR. III POLO": 104_410,
    "COMUNITA' III POLO": 774_615, "COMUNITA' I POLO": 687_080, "CAT": 97_757,
    "IQ - Spazio Neutro": 95_789, "ASI": 127_105, "SSPT": 210_988, "CSIOL": 47_672,
    "PROT. GIURIDICA": 5_768, "AES": 330_983, "SAD": 204_496, "SAI": 15_500,
    "CDD": 726_943 - 78_893,  # members only: CDD total minus "CDD - comuni non afferenti" (L1809)
    "TRASPORTI CDD": 68_064, "RES. SALUTE MENTALE": 10_543, "TIROCINI RIS.": 5_704,
    "CASA DELLE MAMME": 24_260, "SEDE NUOVA": 77_217, "GESTIONE FONDI DI AMBITO": 130_000,
}
# "Conferimenti da comuni soci e di Ambito", PREVENTIVO 2023 (000 L2038-2056).
PREVENTIVO_2023_PER_COMUNE = {
    "015050": 25_200, "015071": 207_914, "015082": 171_587, "015101": 237_969, "015140": 1_009_868,
    "015192": 381_689, "015195": 1_878_123, "015202": 152_423, "015244": 333_501, "015169": 417_351,
}
TOTALE_SOCI_2023 = 4_815_625  # Allegato 7 TOTALE (L3876); L2058 prints 4.815.623
CDD_CLIENTI_2023 = {"015139": 24_895, "015171": 17_719, "015222": 17_427, "015036": 18_851}  # L2079-2085
TOTALE_ALTRI_COMUNI_2023 = 78_893  # L2087


# ---------------------------------------------------------------- loaders


@pytest.fixture(scope="module")
def catalogo():
    return json.loads((DATA / "catalogo.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def servizi(catalogo):
    return {s["codice"]: s for s in catalogo["servizi"]}


def _csv(nome):
    with (DATA / nome).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def allegato7():
    """{comune_istat | 'TOTALE' | 'ARROT': {colonna: importo}} for the 2023 per-Comune sheet."""
    tabella = defaultdict(dict)
    for riga in _csv("allegato7_2023.csv"):
        assert riga["colonna"] not in tabella[riga["comune_istat"]], riga
        tabella[riga["comune_istat"]][riga["colonna"]] = int(riga["importo"])
    return dict(tabella)


@pytest.fixture(scope="module")
def enti():
    return _csv("enti.csv")


@pytest.fixture(scope="module")
def adesioni():
    return _csv("adesioni.csv")


def _comuni_allegato7(allegato7):
    return {k: v for k, v in allegato7.items() if k not in ("TOTALE", "ARROT")}


# ---------------------------------------------------------------- catalogue: services


def test_ventiquattro_servizi_righe_1_24_codici_distinti(catalogo):
    codici = [s["codice"] for s in catalogo["servizi"]]
    assert len(codici) == 24
    assert len(set(codici)) == 24, Counter(codici).most_common(3)
    assert sorted(s["riga_art13"] for s in catalogo["servizi"]) == list(range(1, 25))


def test_chiavi_obbligatorie_e_riferimenti_area_settore(catalogo):
    aree = {a["codice"] for a in catalogo["aree"]}
    settori = {s["codice"]: s for s in catalogo["settori"]}
    assert aree == {"GS", "AS"}
    for settore in settori.values():
        assert settore["nome"] and settore["area"] in aree
    for s in catalogo["servizi"]:
        assert s["codice"] and s["nome"] and s["settore"] in settori, s["codice"]
        assert len(s["codice"]) <= 30 and len(s["nome"]) <= 200


def test_valori_ammessi(catalogo):
    for s in catalogo["servizi"]:
        for chiave, ammessi in AMMESSI.items():
            if chiave in s:
                assert s[chiave] in ammessi, (s["codice"], chiave, s[chiave])


def test_metodo_di_riparto_e_data_popolazione_come_art13(servizi):
    per_riga = {s["riga_art13"]: s for s in servizi.values()}
    for riga, metodo in METODO_PER_RIGA.items():
        assert per_riga[riga]["metodo_riparto"] == metodo, riga
        assert per_riga[riga].get("data_riferimento_popolazione") == DATA_POPOLAZIONE_PER_RIGA.get(riga), riga


def test_capitarie_hanno_data_popolazione(servizi):
    for s in servizi.values():
        if s["metodo_riparto"].startswith("capitaria"):
            dt.date.fromisoformat(s["data_riferimento_popolazione"])


def test_costi_indiretti_come_allegato7(servizi):
    con = {s["riga_art13"] for s in servizi.values() if s.get("porta_costi_indiretti")}
    assert con == RIGHE_CON_COSTI_INDIRETTI


def test_fonti_finanziamento_testuali(servizi):
    per_riga = {s["riga_art13"]: s["fonti_finanziamento"] for s in servizi.values()}
    assert per_riga[1] == "STANZIAMENTO BILANCIO ENTE LOCALE"  # L209
    assert per_riga[16] == "FNA"  # L225
    assert per_riga[18] == "BILANCIO ENTE LOCALE – fsr – fondo minori b6"  # L227
    assert per_riga[21] == "FONDI MINISTERIALI"  # L231
    assert all(per_riga.values())


# ---------------------------------------------------------------- catalogue: crosswalks


def test_codici_delle_corrispondenze_nelle_tabelle_nazionali(catalogo):
    for s in catalogo["servizi"]:
        for c in s.get("codici", []):
            assert c["tabella"] in CODICI_AMMESSI, (s["codice"], c)
            assert c["codice"] in CODICI_AMMESSI[c["tabella"]], (s["codice"], c)
            # the shipped code tables are valid from 2000 (LEPS from 2021): see catalogo/data/tabelle.csv
            assert dt.date.fromisoformat(c["valido_dal"]) >= dt.date(2021, 1, 1), (s["codice"], c)


def test_una_corrispondenza_per_tabella_e_istat_per_ogni_servizio(catalogo):
    for s in catalogo["servizi"]:
        tabelle = Counter(c["tabella"] for c in s.get("codici", []))
        assert all(n == 1 for n in tabelle.values()), (s["codice"], tabelle)
        assert tabelle["istat_area_utenza"] == 1 and tabelle["istat_macroarea"] == 1, s["codice"]


def test_codici_siuss_ancorati(servizi):
    def codice(serv, tabella):
        return next((c["codice"] for c in servizi[serv]["codici"] if c["tabella"] == tabella), None)

    assert codice("SAD", "siuss_codice_prestazione") == "A2.07"
    assert codice("CDD", "siuss_codice_prestazione") == "A3.01"
    assert codice("COLLOCAMENTI", "siuss_codice_prestazione") == "A3.02"
    assert codice("CSIOL", "siuss_codice_prestazione") == "A2.09"
    assert codice("AES", "siuss_codice_prestazione") == "A2.11"
    assert codice("MISURE_NA", "siuss_codice_prestazione") == "A1.11"
    assert codice("MISURE_NA", "siuss_presenza_prova_mezzi") == "1"  # ISEE d'accesso, 001 L742-744
    assert codice("SSP", "leps") == "SSP_SEGRETARIATO"


# ---------------------------------------------------------------- Allegato 7 (2023)


def test_allegato7_dieci_comuni(allegato7):
    assert set(_comuni_allegato7(allegato7)) == COMUNI_AMBITO | {PAULLO}
    assert allegato7["ARROT"] == {"TOTALE": 2}


def test_allegato7_colonne_sommano_al_totale(allegato7):
    comuni = _comuni_allegato7(allegato7)
    totale = allegato7["TOTALE"]
    for colonna, atteso in totale.items():
        somma = sum(riga.get(colonna, 0) for riga in comuni.values())
        assert abs(somma - atteso) <= TOLLERANZA_ARROT, (colonna, somma, atteso)


def test_allegato7_righe_sommano_al_totale_del_comune(allegato7):
    for comune, riga in allegato7.items():
        if comune == "ARROT":
            continue
        somma = sum(v for k, v in riga.items() if k != "TOTALE")
        assert abs(somma - riga["TOTALE"]) <= TOLLERANZA_ARROT, (comune, somma, riga["TOTALE"])


def test_allegato7_totali_coerenti_con_le_altre_tabelle(allegato7):
    totale = allegato7["TOTALE"]
    assert totale["TOTALE"] == TOTALE_SOCI_2023
    assert set(totale) == set(CONFERIMENTI_PER_LINEA) | {"TOTALE"}
    for colonna, atteso in CONFERIMENTI_PER_LINEA.items():
        assert abs(totale[colonna] - atteso) <= TOLLERANZA_ARROT, colonna
    for comune, atteso in PREVENTIVO_2023_PER_COMUNE.items():
        assert allegato7[comune]["TOTALE"] == atteso, comune
    # the four rounded amounts add up to 78.892 against a printed total of 78.893 (78.893,07 at L1809)
    assert abs(sum(CDD_CLIENTI_2023.values()) - TOTALE_ALTRI_COMUNI_2023) <= TOLLERANZA_ARROT
    assert totale["GESTIONE FONDI DI AMBITO"] == 130_000  # L1726


def test_allegato7_colonne_mappate(allegato7):
    colonne = set().union(*allegato7.values())
    assert colonne == set(COLONNA_SERVIZIO) | COLONNE_NON_SERVIZI


# ---------------------------------------------------------------- contracts and conferrals


def test_contratti_e_conferimenti(catalogo, servizi, enti):
    comuni_enti = {e["codice_istat"] for e in enti if e["tipo"] == "comune"}
    visti = Counter(c["comune"] for c in catalogo["contratti"])
    assert set(visti) == COMUNI_AMBITO | {PAULLO} | CLIENTI_CDD
    assert all(n == 1 for n in visti.values()), visti
    for contratto in catalogo["contratti"]:
        assert contratto["comune"] in comuni_enti
        dal, al = dt.date.fromisoformat(contratto["dal"]), dt.date.fromisoformat(contratto["al"])
        codici = [s["servizio"] for s in contratto["servizi"]]
        assert len(codici) == len(set(codici)), contratto["comune"]
        for conf in contratto["servizi"]:
            assert conf["servizio"] in servizi, conf
            assert dal <= dt.date.fromisoformat(conf["dal"]) <= dt.date.fromisoformat(conf["al"]) <= al, conf
            assert (conf["dal"], conf["al"]) == ("2023-01-01", "2023-12-31"), conf


def test_contratti_dei_soci_2022_2024(catalogo):
    for contratto in catalogo["contratti"]:
        if contratto["comune"] in COMUNI_AMBITO | {PAULLO}:
            assert (contratto["dal"], contratto["al"]) == ("2022-01-01", "2024-12-31")  # 001 L54


def test_conferimenti_2023_derivati_dall_allegato7(catalogo, allegato7):
    """A Comune confers a service in 2023 iff one of the service's Allegato 7 columns is > 0."""
    per_comune = {c["comune"]: {s["servizio"] for s in c["servizi"]} for c in catalogo["contratti"]}
    for comune, riga in _comuni_allegato7(allegato7).items():
        attesi = {
            COLONNA_SERVIZIO[col] for col, v in riga.items() if col not in COLONNE_NON_SERVIZI and v > 0
        }
        assert per_comune[comune] == attesi, comune
    for comune in CLIENTI_CDD:
        assert per_comune[comune] == {"CDD"}


def test_conferimenti_attesi_campione(catalogo):
    per_comune = {c["comune"]: {s["servizio"] for s in c["servizi"]} for c in catalogo["contratti"]}
    assert "MINORI" not in per_comune["015192"]  # San Donato: no minors' services (000 L3864)
    assert "UDP" not in per_comune[PAULLO] and "GEST_FONDI" not in per_comune[PAULLO]  # L3872
    assert per_comune["015050"] == {"UDP", "CAT", "ASI", "SAD", "SAI", "GEST_FONDI"}  # Carpiano L3854
    sai = {c for c, s in per_comune.items() if "SAI" in s}
    assert sai == {"015050", "015071", "015082", "015101"}  # SAI fixed quotas, 000 L3854-3860


# ---------------------------------------------------------------- enti


def test_enti(enti):
    tipi = {t.value for t in TipoEnte}
    nomi = [e["nome"] for e in enti]
    assert len(nomi) == len(set(nomi))
    for e in enti:
        assert e["tipo"] in tipi, e
        if e["predecessore_nome"]:
            assert e["predecessore_nome"] in nomi, e
        for chiave in ("valido_dal", "valido_al"):
            if e[chiave]:
                dt.date.fromisoformat(e[chiave])
    comuni = [e for e in enti if e["tipo"] == "comune"]
    assert len(comuni) == 14
    assert {c["codice_istat"] for c in comuni} == COMUNI_AMBITO | {PAULLO} | CLIENTI_CDD
    assert len({c["codice_catastale"] for c in comuni}) == 14
    for c in comuni:
        assert re.fullmatch(r"015\d{3}", c["codice_istat"]), c
        assert re.fullmatch(r"[A-Z]\d{3}", c["codice_catastale"]), c
        assert (c["provincia"], c["regione"]) == ("MI", "Lombardia"), c
    aziende = [e for e in enti if e["tipo"] == "azienda"]
    assert len(aziende) == 1 and aziende[0]["codice_fiscale"] == "97529770154"  # 001 L40


def test_comuni_coerenti_con_comuni_demo(enti):
    """Same codes and names as the ISTAT registry file of the population loader (comuni_demo.csv)."""
    anagrafe = {r["codice_istat"]: (r["nome"], r["codice_catastale"]) for r in _csv("comuni_demo.csv")}
    for e in enti:
        if e["tipo"] == "comune":
            assert anagrafe.get(e["codice_istat"]) == (e["nome"], e["codice_catastale"]), e


def test_ats_succede_ad_asl(enti):
    per_nome = {e["nome"]: e for e in enti}
    ats = next(e for e in enti if e["tipo"] == "ats")
    asl = per_nome[ats["predecessore_nome"]]
    fine = dt.date.fromisoformat(asl["valido_al"])
    assert dt.date.fromisoformat(ats["valido_dal"]) == fine + dt.timedelta(days=1)


# ---------------------------------------------------------------- adesioni


def test_adesioni(adesioni, enti):
    comuni_enti = {e["codice_istat"] for e in enti if e["tipo"] == "comune"}
    chiavi = Counter((a["codice_istat"], a["anno"]) for a in adesioni)
    assert all(n == 1 for n in chiavi.values())
    assert set(chiavi) == {(c, str(anno)) for c in comuni_enti for anno in (2022, 2023, 2024)}
    for a in adesioni:
        for flag in ("socio_azienda", "membro_ambito", "solo_cliente"):
            assert a[flag] in ("true", "false"), a
        if a["solo_cliente"] == "true":
            assert a["socio_azienda"] == a["membro_ambito"] == "false", a
        if a["ambito_di_appartenenza"]:
            assert a["membro_ambito"] == "false", a


@pytest.mark.parametrize("anno", ["2022", "2023", "2024"])
def test_adesioni_per_anno(adesioni, anno):
    righe = [a for a in adesioni if a["anno"] == anno]
    membri = {a["codice_istat"] for a in righe if a["membro_ambito"] == "true"}
    assert membri == COMUNI_AMBITO  # "9 Amministrazioni comunali", 001 L1077
    clienti = {a["codice_istat"] for a in righe if a["solo_cliente"] == "true"}
    assert clienti == CLIENTI_CDD
    paullo = next(a for a in righe if a["codice_istat"] == PAULLO)
    assert paullo["socio_azienda"] == "true" and paullo["ambito_di_appartenenza"]
    soci = {a["codice_istat"] for a in righe if a["socio_azienda"] == "true"}
    assert (COMUNI_AMBITO - {"015050"}) | {PAULLO} <= soci
