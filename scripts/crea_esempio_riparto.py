"""Builds docs/examples/riparto-2023-assemi.xlsx: the 2023 riparto inputs of A.S.S.E.MI.

Sources (see the `note` sheet of the workbook and docs/formats/riparto.md):
- direct costs, overhead and funds per service: Allegato 7 of the Piano Programma 2023
  (domain note 000 §5.12), typed below in SERVIZI;
- conferrals: a Comune confers a service when its 2023 amount in the per-Comune sheet
  (§5.13, src/ambito/demo/data/allegato7_2023.csv) is greater than zero;
- populations at 1 January 2022: src/ambito/demo/data/popolazione_2022-01-01.csv (ISTAT);
- where the document gives no input, the input is DERIVED from the published per-Comune
  amounts and marked "derivato" in its `nota` column: the units consumed per Comune, the
  population overrides of the per-capita services that do not follow the ISTAT population,
  Paullo's package on the legal-protection service, the CDD tariffs of the 4 non-member Comuni.

Usage: .venv/bin/python scripts/crea_esempio_riparto.py [--uscita FILE.xlsx]
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ambito.gestione import workbook

RADICE = Path(__file__).resolve().parent.parent
DATI = RADICE / "src" / "ambito" / "demo" / "data"
USCITA = RADICE / "docs" / "examples" / "riparto-2023-assemi.xlsx"
DATA_POP = "2022-01-01"

COMUNI = {
    "015050": "Carpiano",
    "015071": "Cerro al Lambro",
    "015082": "Colturano",
    "015101": "Dresano",
    "015140": "Melegnano",
    "015192": "San Donato Milanese",
    "015195": "San Giuliano Milanese",
    "015202": "San Zenone al Lambro",
    "015244": "Vizzolo Predabissi",
    "015169": "Paullo",
}
NON_SOCI = {
    "015139": "Mediglia",
    "015171": "Peschiera Borromeo",
    "015222": "Tribiano",
    "015036": "Buccinasco",
}
PAULLO, MELEGNANO, SAN_DONATO = "015169", "015140", "015192"
CERRO, SAN_ZENONE = "015071", "015202"

# code, name (Allegato 7), column of the per-Comune sheet (§5.13) or None, method, direct cost,
# overhead (True = share of the pool, False = none, a number = special amount), funds, line of §5.12
SERVIZI = [
    (
        "CAT",
        "Centro affido familiare",
        "CAT",
        "capitaria",
        121517,
        True,
        {"FONDO_POTENZIAMENTO": 39533, "ALTRI_RICAVI": 1350},
        "L3741",
    ),
    ("III_POLO", "Terzo polo", "III POLO", "capitaria", 383519, True, {}, "L3743"),
    (
        "EDU_III_POLO",
        "Educativa territoriale III Polo",
        "EDUCATIVA TERR. III POLO",
        "consumo",
        179162,
        True,
        {"FSR": 89373, "FSR_PAULLO": 10625},
        "L3745",
    ),
    (
        "COMUNITA_III_POLO",
        "Collocamenti etero familiari III Polo",
        "COMUNITA' III POLO",
        "consumo",
        929533,
        False,
        {"FNPS": 56581, "FSR": 42919, "FSR_PAULLO": 4741, "B6": 50677},
        "L3747",
    ),
    (
        "I_POLO",
        "Primo polo + educativa territoriale I Polo",
        "I POLO",
        "cento_per_cento_comune",
        553796,
        True,
        {"FSR": 72127},
        "L3749",
    ),
    (
        "COMUNITA_I_POLO",
        "Collocamenti etero familiari I Polo",
        "COMUNITA' I POLO",
        "cento_per_cento_comune",
        920997,
        False,
        {"FNPS": 60043, "FSR": 86375, "B6": 87499},
        "L3751",
    ),
    (
        "IQ",
        "Incontriamoci qui - Spazio Neutro",
        "IQ - Spazio Neutro",
        "capitaria",
        97983,
        True,
        {"FNPS": 7500, "ALTRI_RICAVI": 8500},
        "L3753",
    ),
    (
        "ASI",
        "A scuola insieme",
        "ASI",
        "capitaria_eell_piu_scuole",
        201694,
        True,
        {"FNPS": 95210, "ALTRI_RICAVI": 7800},
        "L3755",
    ),
    (
        "PIPPI",
        "Sperimentazione PIPPI",
        None,
        "attese_progettuali",
        4388,
        False,
        {"FONDI_REGIONE_STATO": 4388},
        "L3757",
    ),
    (
        "CASA_MAMME",
        'Housing sociale "Casa delle mamme"',
        "CASA DELLE MAMME",
        "cento_per_cento_comune",
        67718,
        False,
        {"FNPS": 17000, "FONDI_REGIONE_STATO": 17808, "ALTRI_RICAVI": 8650},
        "L3759",
    ),
    ("SAD", "SAD", "SAD", "consumo_fino_capienza", 326000, True, {"FNPS": 167440}, "L3761"),
    ("CDD", "CDD", "CDD", "consumo_validato_udv", 681471, True, {"ALTRI_RICAVI": 50553}, "L3763"),
    ("TRASPORTI_CDD", "Trasporti CDD", "TRASPORTI CDD", "consumo", 68064, False, {}, "L3765"),
    ("FNA_B2", "Fondi N.A. B2", None, "attese_regionali", 245000, False, {"FNA": 245000}, "L3767"),
    (
        "ADH",
        "Voucher disabili ADH",
        None,
        "consumo_validato_udv_fino_capienza",
        50000,
        False,
        {"FNA": 50000},
        "L3769",
    ),
    (
        "CAREGIVER",
        "Fondo care giver a beneficiari B2",
        None,
        "attese_regionali",
        44000,
        False,
        {"FONDI_REGIONE_STATO": 44000},
        "L3771",
    ),
    (
        "AES",
        "Educativa specialistica scolare (ED. SPEC. HP)",
        "AES",
        "consumo",
        331300,
        True,
        {"FNPS": 30000, "FSR": 17000},
        "L3773",
    ),
    (
        "PSICHIATRIA",
        "Tempo libero psichiatria e residenzialità",
        "RES. SALUTE MENTALE",
        "consumo",
        13650,
        True,
        {"FNPS": 5030},
        "L3775",
    ),
    (
        "TIROCINI_SDM",
        "Tirocini risocializzanti San Donato",
        "TIROCINI RIS.",
        "cento_per_cento_comune",
        5000,
        True,
        {},
        "L3777",
    ),
    ("CSIOL", "CSIOL", "CSIOL", "capitaria", 54900, True, {"FNPS": 14964}, "L3779"),
    (
        "PROT_GIURIDICA",
        "Servizio protezione giuridica",
        "PROT. GIURIDICA",
        "capitaria_netto_tariffe",
        16741,
        True,
        {"FNPS": 12982, "ALTRI_RICAVI": 350},
        "L3781",
    ),
    (
        "SAI_AMPLIAMENTO",
        "SAI ampliamento",
        "SAI",
        "pacchetto_fisso",
        274412,
        False,
        {"FONDI_REGIONE_STATO": 258912},
        "L3783",
    ),
    (
        "SAI_ORDINARIO",
        "SAI ordinario",
        None,
        "attese_progettuali",
        204496,
        False,
        {"FONDI_REGIONE_STATO": 204496},
        "L3785",
    ),
    (
        "SSP",
        "Servizio sociale professionale (SSPT)",
        "SSPT",
        "pacchetto_fisso",
        205089,
        True,
        {"FNPS": 23000},
        "L3787",
    ),
    (
        "UDP",
        "Ufficio di piano",
        "UDP",
        "capitaria",
        240008,
        30279,
        {"FNPS": 33660, "FONDO_POTENZIAMENTO": 76468, "FONDI_REGIONE_STATO": 7800},
        "L3789",
    ),
    (
        "SEDE_NUOVA",
        "Costi nuova sede",
        "SEDE NUOVA",
        "capitaria",
        87400,
        False,
        {"FONDI_REGIONE_STATO": 10183},
        "L3791",
    ),
    (
        "GESTIONE_FONDI",
        "Attività gestione fondi",
        None,
        "attese_distrettuali",
        1069137,
        False,
        {"FNPS": 73238, "FSR": 262656, "B6": 16617, "FONDI_REGIONE_STATO": 716626},
        "L3795",
    ),
    (
        "PROGETTAZIONE_FONDI",
        "Attività progettazione/erogazione fondi (quota gestione fondi di Ambito)",
        "GESTIONE FONDI DI AMBITO",
        "capitaria",
        1443699,
        130000,
        {"FNPS": 20352, "FONDO_POTENZIAMENTO": 36358, "FONDI_REGIONE_STATO": 1386989},
        "L3797",
    ),
    (
        "INDIRETTI_NON_COPERTI",
        "Altri costi indiretti non coperti da comuni",
        None,
        "attese_distrettuali",
        0,
        85827,
        {"FONDO_POTENZIAMENTO": 49727, "ALTRI_RICAVI": 36100},
        "L3801",
    ),
]
POOL_COSTI_INDIRETTI = 446937  # 477.216 of overhead on the services - 30.279 of UdP (§5.14 test 3)
# The overhead of each service as published (Allegato 7, column "Costi indiretti"). The pool at
# 14,091% gives every one of them within 1 €, but the document's own rounding is not reproducible
# (e.g. Terzo polo 54.041,13 → 54.042, I Polo 78.034,62 → 78.034), so the example types the
# published amounts; tests/test_esempio_2023.py checks that the pool agrees within 1 €.
COSTI_INDIRETTI_PUBBLICATI = {
    "CAT": 17123,
    "III_POLO": 54042,
    "EDU_III_POLO": 25246,
    "I_POLO": 78034,
    "IQ": 13806,
    "ASI": 28421,
    "SAD": 45936,
    "CDD": 96025,
    "AES": 46683,
    "PSICHIATRIA": 1923,
    "TIROCINI_SDM": 704,
    "CSIOL": 7736,
    "PROT_GIURIDICA": 2359,
    "SSP": 28899,
}
# San Donato: 32.008 residents at 1/1/2022 (ISTAT), but CSIOL, legal protection and the Ambito
# quota of fund management follow ≈32.545 (the population implied by the quota, §5.14).
SAN_DONATO_IMPLICITO = 32545
SERVIZI_SAN_DONATO_IMPLICITO = ("CSIOL", "PROT_GIURIDICA", "PROGETTAZIONE_FONDI")
FONDI_VINCOLATI = {"FSR_PAULLO": [PAULLO]}
# SAI: fixed lump sums (§5.14 "Fixed lump sums"); SSPT packages of 23.529 and 39.216 and Paullo 101.184
PACCHETTI_DOCUMENTATI = {
    "SAI_AMPLIAMENTO": {"015050": 3000, "015071": 7500, "015082": 1000, "015101": 4000},
    "SSP": {"015082": 23529, "015101": 23529, "015195": 23529, "015244": 39216, PAULLO: 101184},
}
# CDD for non-member Comuni: 78.893,07 in total (L1809); per Comune 24.895, 17.719, 17.427, 18.851
# (L2079-2085). The tariff and the days are not published: one annual "place" each, at a tariff
# equal to the published amount plus the cents that make the total 78.893,07.
TARIFFE_CDD = {
    "015139": Decimal("24895.27"),
    "015171": Decimal("17719.27"),
    "015222": Decimal("17427.27"),
    "015036": Decimal("18851.26"),
}
PACCHETTO_AdS_MELEGNANO = 2500  # §5.14: Melegnano ≈ 2.500 extra for direct AdS management


def leggi_allegato7() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    with open(DATI / "allegato7_2023.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["comune_istat"] in COMUNI:
                out[r["colonna"]][r["comune_istat"]] = int(r["importo"])
    return out


def leggi_popolazione() -> dict[str, int]:
    pop: dict[str, int] = defaultdict(int)
    with open(DATI / "popolazione_2022-01-01.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["codice_istat"] in COMUNI:
                pop[r["codice_istat"]] += int(r["maschi"]) + int(r["femmine"])
    return dict(pop)


def intero(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def popolazione_implicita(
    colonna: dict[str, int], pop: dict[str, int], eccezioni: list[str]
) -> dict[str, int]:
    """Residents that give each exception the published amount at the rate of the other Comuni."""
    altri = [c for c, v in colonna.items() if v > 0 and c not in eccezioni]
    tasso = Decimal(sum(colonna[c] for c in altri)) / sum(pop[c] for c in altri)
    return {c: intero(colonna[c] / tasso) for c in eccezioni}


def fogli() -> dict[str, list[list]]:
    a7 = leggi_allegato7()
    pop = leggi_popolazione()
    nomi = {**COMUNI, **NON_SOCI}
    servizi = [
        [
            "codice",
            "nome",
            "metodo",
            "porta_costi_indiretti",
            "costi_indiretti_speciali",
            "data_popolazione",
            "quota_capitaria",
            "nota",
        ]
    ]
    costi = [["servizio", "costo_diretto", "nota"]]
    fondi = [["fondo", "servizio", "importo", "nota"]]
    conferimenti = [["servizio", "comune", "nota"]]
    consumi = [["servizio", "comune", "unita", "nota"]]
    pacchetti = [["servizio", "comune", "importo", "nota"]]
    pop_servizio = [["servizio", "comune", "abitanti", "nota"]]
    for codice, nome, colonna, metodo, diretti, indiretti, fondi_s, riga in SERVIZI:
        speciali = COSTI_INDIRETTI_PUBBLICATI[codice] if indiretti is True else indiretti or None
        porta = "sì" if indiretti is True else "no"
        capitario = metodo.startswith("capitaria")
        servizi.append(
            [
                codice,
                nome,
                metodo,
                porta,
                speciali,
                DATA_POP if capitario else None,
                None,
                f"Allegato 7 {riga}" + (f"; colonna «{colonna}» del prospetto per Comune" if colonna else ""),
            ]
        )
        costi.append([codice, diretti, f"Allegato 7 {riga}"])
        for f, v in fondi_s.items():
            fondi.append([f, codice, v, f"Allegato 7 {riga}"])
        if colonna is None:
            continue
        importi = a7[colonna]
        partecipanti = [c for c in COMUNI if importi.get(c, 0) > 0]
        for c in partecipanti:
            conferimenti.append([codice, c, "importo 2023 > 0 nel prospetto per Comune (§5.13)"])
        if metodo.startswith("consumo"):
            for c in partecipanti:
                unita = importi[c]
                nota = "derivato: quota di consumo in euro pubblicata per il Comune"
                if c == PAULLO and "FSR_PAULLO" in fondi_s:
                    unita += fondi_s["FSR_PAULLO"]
                    nota += " + il FSR Paullo che la abbatte"
                consumi.append([codice, c, unita, nota])
        if codice in PACCHETTI_DOCUMENTATI:
            for c, v in PACCHETTI_DOCUMENTATI[codice].items():
                pacchetti.append([codice, c, v, "pacchetto fisso documentato (§5.14)"])
    # per-capita services whose published amounts do not follow the ISTAT population
    eccezioni = {
        "IQ - Spazio Neutro": (
            [PAULLO],
            "Paullo segue un proprio schema (§5.14): abitanti derivati dall'importo pubblicato",
        ),
        "SEDE NUOVA": (
            [CERRO, SAN_ZENONE, SAN_DONATO, PAULLO],
            "Sede nuova: Cerro e San Zenone a 0,6595, San Donato a 0,6486 €/ab., Paullo 4.714 (§5.14): "
            "derivato",
        ),
    }
    codice_di = {s[2]: s[0] for s in SERVIZI if s[2]}
    for colonna, (comuni, nota) in eccezioni.items():
        for c, ab in popolazione_implicita(a7[colonna], pop, comuni).items():
            pop_servizio.append([codice_di[colonna], c, ab, nota])
    for codice in SERVIZI_SAN_DONATO_IMPLICITO:
        pop_servizio.append(
            [
                codice,
                SAN_DONATO,
                SAN_DONATO_IMPLICITO,
                "San Donato su 32.545 abitanti, la popolazione implicita nella quota di Ambito "
                "(§5.14), non i 32.008 ISTAT: derivato",
            ]
        )
    # legal protection: per capita plus the direct management of AdS (only Melegnano and Paullo)
    prot = a7["PROT. GIURIDICA"]
    pop_prot = {**pop, SAN_DONATO: SAN_DONATO_IMPLICITO}
    altri = [c for c, v in prot.items() if v > 0 and c not in (MELEGNANO, PAULLO)]
    tasso = Decimal(sum(prot[c] for c in altri)) / sum(pop_prot[c] for c in altri)
    pacchetti.append(
        [
            "PROT_GIURIDICA",
            MELEGNANO,
            PACCHETTO_AdS_MELEGNANO,
            "gestione diretta AdS (≈2.500, §5.14; annesso: solo Melegnano e Paullo)",
        ]
    )
    pacchetti.append(
        [
            "PROT_GIURIDICA",
            PAULLO,
            intero(prot[PAULLO] - tasso * pop[PAULLO]),
            "gestione diretta AdS: derivato (importo pubblicato meno la quota capitaria)",
        ]
    )
    tariffe = [["servizio", "comune", "tariffa", "unita", "nota"]]
    for c, t in TARIFFE_CDD.items():
        tariffe.append(
            [
                "CDD",
                c,
                t,
                1,
                "derivato: importo 2023 per Comune non socio (L2079-2085), totale "
                "78.893,07 (L1809); tariffa e giorni non pubblicati",
            ]
        )
    popolazione = [["data_riferimento", "comune", "abitanti", "nota"]] + [
        [DATA_POP, c, pop[c], "ISTAT, residenti al 1/1/2022 (maschi + femmine)"] for c in COMUNI
    ]
    return {
        "note": [["nota"]] + [[x] for x in NOTE],
        "parametri": [
            ["parametro", "valore"],
            ["ente", "A.S.S.E.MI."],
            ["esercizio", "2023"],
            ["versione", "preventivo (Piano Programma 2023)"],
            ["fonte", "Piano Programma 2023, Allegato 7 (nota di dominio 000 §5.12-5.14)"],
        ],
        "comuni": [["codice_istat", "nome", "socio"]]
        + [[c, n, "sì" if c in COMUNI else "no"] for c, n in nomi.items()],
        "servizi": servizi,
        "costi": costi,
        "fondi": fondi,
        "fondi_vincolati": [["fondo", "comune", "nota"]]
        + [
            [f, c, "abbatte solo la quota di Paullo (§5.12)"] for f, cs in FONDI_VINCOLATI.items() for c in cs
        ],
        "conferimenti": conferimenti,
        "popolazione": popolazione,
        "popolazione_servizio": pop_servizio,
        "consumi": consumi,
        "pacchetti": pacchetti,
        "tariffe": tariffe,
    }


NOTE = [
    "Riparto 2023 di A.S.S.E.MI. (preventivo, Piano Programma 2023, Allegato 7). Generato da "
    "scripts/crea_esempio_riparto.py: non modificare a mano.",
    "Costi diretti, costi indiretti e fondi per servizio: Allegato 7 (prospetto di riparto dei fondi).",
    "Costi indiretti: gli importi per servizio pubblicati nell'Allegato 7 (colonna costi_indiretti_speciali "
    "del foglio servizi). Sono 446.937 ripartiti in proporzione al costo diretto dei servizi che li portano "
    "(14,091%; il calcolo dal totale li riproduce entro 1 €, ma non l'arrotondamento del documento), più "
    "30.279 per l'Ufficio di piano e 130.000 per la progettazione fondi (la quota di Ambito); 85.827 di "
    "altri costi indiretti non sono a carico dei Comuni (coperti da Fondo potenziamento e altri ricavi).",
    "Conferimenti: un Comune conferisce un servizio se il suo importo 2023 nel prospetto per Comune è > 0.",
    "Popolazione: ISTAT al 1/1/2022 (src/ambito/demo/data/popolazione_2022-01-01.csv).",
    "DATI DERIVATI (il documento non li fornisce): le unità di consumo per Comune dei servizi al consumo "
    "sono gli importi pubblicati per Comune (in euro, più il FSR Paullo per Paullo); le popolazioni per "
    "servizio del foglio popolazione_servizio sono quelle che danno l'importo pubblicato al tasso per "
    "abitante degli altri Comuni; il pacchetto di Paullo sulla protezione giuridica e le tariffe CDD dei "
    "4 Comuni non soci sono ricavati dagli importi pubblicati. Ogni riga derivata lo dice nella "
    "colonna nota.",
    "Metodi osservati (§5.14): quota capitaria per UdP, CAT, IQ, ASI, CSIOL, III Polo, protezione "
    "giuridica, sede e quota gestione fondi; al consumo per collocamenti, educativa III Polo, SAD, AES, "
    "CDD, trasporti, psichiatria; 100% a un Comune per I Polo, collocamenti I Polo, tirocini, casa delle "
    "mamme; pacchetti fissi per SAI e SSPT; tariffa × unità per il CDD dei Comuni non soci.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uscita", type=Path, default=USCITA)
    args = parser.parse_args()
    args.uscita.parent.mkdir(parents=True, exist_ok=True)
    workbook.scrivi(args.uscita, fogli())
    print(f"scritto {args.uscita}")


if __name__ == "__main__":
    main()
