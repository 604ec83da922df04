"""Generate the accounting examples of A.S.S.E.MI. 2023 from the riparto workbook.

    PYTHONPATH=src python scripts/crea_esempio_contabilita.py

Reads docs/examples/riparto-2023-assemi.xlsx (via `ambito.gestione.workbook.leggi`) and writes
into docs/examples/:

- centri-costo-assemi.csv: one service centre per riparto service (feeding it) and three
  structure centres (the overhead);
- piano-conti-assemi.csv: an illustrative chart of accounts mapped to So.Le.'s 11 categories;
- contabilita-2023-assemi.csv: the 2023 preventivo lines.

The Piano Programma 2023 gives each service's direct cost and overhead as totals, not by
category: the split into categories below uses STATED, ILLUSTRATIVE proportions (PROFILI),
not figures from the document. The totals are the document's: each service centre sums to the
service's `costo_diretto` in the workbook's `costi` sheet, and the structure centres sum to the
workbook's overhead (Σ of the services' `costi_indiretti_speciali` = 693.043 €). Every split is
made to the cent by largest remainder, so the sums are exact.
"""

from __future__ import annotations

import csv
import sys
from decimal import Decimal
from pathlib import Path

RADICE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RADICE / "src"))

from ambito.contabilita import engine as ce  # noqa: E402
from ambito.gestione import engine as ge  # noqa: E402
from ambito.gestione import workbook as w  # noqa: E402

ESEMPI = RADICE / "docs" / "examples"
CARTELLA = ESEMPI / "riparto-2023-assemi.xlsx"
CATALOGO = {  # riparto code -> code of the demo catalogue (src/ambito/demo/data/catalogo.json)
    "CAT": "CAT", "IQ": "IQ", "ADH": "ADH", "SAD": "SAD", "CSIOL": "CSIOL", "CDD": "CDD", "SSP": "SSP",
    "PROT_GIURIDICA": "PROT_GIURIDICA", "ASI": "ASI", "AES": "AES", "PSICHIATRIA": "PSICHIATRIA",
    "UDP": "UDP", "CASA_MAMME": "CASA_MAMME",
}  # fmt: skip

# account, description, So.Le. category, default centre
CONTI = [
    ("60101", "Retribuzioni e oneri del personale dipendente", "C01", ""),
    ("60102", "Personale in somministrazione e collaborazioni professionali", "C01", ""),
    ("60201", "Formazione, supervisione e sicurezza del personale", "C02", ""),
    ("60301", "Appalti e co-progettazioni di servizi all'utenza", "C03", ""),
    ("60302", "Rette di comunità e collocamenti", "C03", ""),
    ("60303", "Contributi e voucher a beneficiari", "C03", ""),
    ("60401", "Servizi in accreditamento (voucher e titoli sociali)", "C04", ""),
    ("60501", "Affitti, utenze e manutenzione delle sedi", "C05", ""),
    ("60601", "Servizi generali (pulizie, informatica, assicurazioni)", "C06", ""),
    ("60701", "Organi istituzionali, revisore e commissioni di gara", "C07", "ST.ORGANI"),
    ("60801", "Altri costi amministrativi", "C08", ""),
    ("60901", "Ammortamenti", "C09", "ST.SEDI"),
    ("61001", "Accantonamenti", "C10", "ST.AMM"),
    ("61101", "IRAP e imposte", "C11", "ST.AMM"),
    ("70101", "Conferimenti dei Comuni soci per servizi", "R01", ""),
    ("70201", "Fondi d'Ambito (FNPS, FSR, FNA…)", "R02", ""),
    ("70301", "Contributi da terzi e compartecipazione dell'utenza", "R03", ""),
]

# ILLUSTRATIVE proportions by kind of service (account -> share; each profile sums to 1)
PROFILI = {
    "equipe": {"60101": "0.70", "60102": "0.15", "60201": "0.03", "60301": "0.07", "60801": "0.05"},
    "appalto": {"60301": "0.92", "60101": "0.06", "60801": "0.02"},
    "accreditamento": {"60401": "0.95", "60101": "0.05"},
    "rette": {"60302": "1"},
    "contributi": {"60303": "1"},
    "sede": {"60501": "1"},
}
PROFILO = {
    "CAT": "equipe", "III_POLO": "equipe", "I_POLO": "equipe", "IQ": "equipe", "SSP": "equipe",
    "UDP": "equipe", "PROT_GIURIDICA": "equipe", "CSIOL": "equipe", "TIROCINI_SDM": "equipe",
    "PIPPI": "equipe", "GESTIONE_FONDI": "equipe", "PROGETTAZIONE_FONDI": "equipe",
    "EDU_III_POLO": "appalto", "ASI": "appalto", "AES": "appalto", "PSICHIATRIA": "appalto",
    "TRASPORTI_CDD": "appalto", "SAI_AMPLIAMENTO": "appalto", "SAI_ORDINARIO": "appalto",
    "SAD": "accreditamento", "CDD": "accreditamento",
    "COMUNITA_III_POLO": "rette", "COMUNITA_I_POLO": "rette", "CASA_MAMME": "rette",
    "FNA_B2": "contributi", "ADH": "contributi", "CAREGIVER": "contributi",
    "SEDE_NUOVA": "sede",
}  # fmt: skip
# the overhead: structure centres (share of the total) and their ILLUSTRATIVE category split
STRUTTURA = {
    "ST.AMM": ("Direzione e amministrazione generale", "0.70",
               {"60101": "0.80", "60201": "0.02", "60801": "0.10", "61001": "0.03", "61101": "0.05"}),
    "ST.SEDI": ("Sedi e servizi generali", "0.22", {"60501": "0.45", "60601": "0.45", "60901": "0.10"}),
    "ST.ORGANI": ("Organi istituzionali e gare", "0.08", {"60701": "1"}),
}  # fmt: skip
DEFAULT = {c: centro for c, _d, _k, centro in CONTI if centro}


def dividi(totale: Decimal, quote: dict[str, str]) -> dict[str, Decimal]:
    pesi = {k: Decimal(v) for k, v in quote.items()}
    assert sum(pesi.values()) == 1, quote
    return {k: v for k, v in ce.ripartisci_centesimi(pesi, totale).items() if v}


def main() -> None:
    cartella = w.leggi(CARTELLA)
    dati = cartella.dati
    indiretti = sum(ge.costi_indiretti_per_servizio(dati).values(), Decimal(0))
    intestazione = (
        f"# Esempio A.S.S.E.MI. – preventivo 2023, generato da scripts/crea_esempio_contabilita.py "
        f"da docs/examples/{CARTELLA.name}."
    )
    nota = (
        "# Totali per servizio e costi indiretti come nel Piano Programma 2023; la suddivisione "
        "per conto/categoria è ILLUSTRATIVA (il documento non la riporta)."
    )

    with open(ESEMPI / "centri-costo-assemi.csv", "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, delimiter=";", lineterminator="\n")
        out.writerow(
            ["codice", "nome", "tipo", "servizio_riparto", "servizio_catalogo", "valido_dal", "valido_al"]
        )
        for s in dati.servizi:
            out.writerow([f"CS.{s.codice}", s.nome, "servizio", s.codice, CATALOGO.get(s.codice, ""), "", ""])
        for codice, (nome, _q, _p) in STRUTTURA.items():
            out.writerow([codice, nome, "struttura", "", "", "", ""])

    with open(ESEMPI / "piano-conti-assemi.csv", "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, delimiter=";", lineterminator="\n")
        out.writerow(["conto", "descrizione", "categoria", "centro"])
        for conto, descrizione, categoria, centro in CONTI:
            out.writerow([conto, descrizione, categoria, centro])

    righe = []
    for s in dati.servizi:
        totale = dati.costi_diretti.get(s.codice, Decimal(0))
        if not totale:
            continue  # e.g. INDIRETTI_NON_COPERTI: overhead only, no direct cost
        for conto, x in dividi(totale, PROFILI[PROFILO[s.codice]]).items():
            righe.append([conto, f"CS.{s.codice}", x, f"{s.nome} – preventivo 2023"])
    for centro, x in dividi(indiretti, {k: q for k, (_n, q, _p) in STRUTTURA.items()}).items():
        for conto, y in dividi(x, STRUTTURA[centro][2]).items():
            # accounts with a default centre leave the column empty: the mapping fills it
            righe.append([conto, "" if DEFAULT.get(conto) == centro else centro, y, STRUTTURA[centro][0]])

    def it(x: Decimal) -> str:
        return f"{x:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")

    with open(ESEMPI / "contabilita-2023-assemi.csv", "w", encoding="utf-8", newline="") as f:
        f.write(intestazione + "\n" + nota + "\n")
        out = csv.writer(f, delimiter=";", lineterminator="\n")
        out.writerow(["conto", "centro", "importo", "descrizione"])
        for conto, centro, x, descrizione in righe:
            out.writerow([conto, centro, it(x), descrizione])
    print(
        f"{len(righe)} righe: costi diretti {it(sum(dati.costi_diretti.values(), Decimal(0)))} €, "
        f"costi indiretti {it(indiretti)} €"
    )


if __name__ == "__main__":
    main()
