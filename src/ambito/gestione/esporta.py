"""Writers of the riparto's tables as formatted XLSX (openpyxl) and as CSV for Italian Excel.

A table is described once (`Foglio`: columns with a type, rows of values, an optional totals
row and rows printed after it) and written both ways. In the XLSX the totals row holds SUM
formulas over the rows above; the CSV, which has no formulas, holds the same sums computed here.
The CSV is UTF-8 with BOM, `;`-separated, with decimal comma and no thousands separator.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

TESTO, EURO, EURO_INTERO, INTERO, PERCENTUALE, NUMERO = "testo", "euro", "euro0", "intero", "pct", "numero"
FORMATI = {
    EURO: "#,##0.00",
    EURO_INTERO: "#,##0",
    INTERO: "#,##0",
    PERCENTUALE: "0.00%",
    NUMERO: "#,##0.00",
}
LARGHEZZE = {TESTO: 14, EURO: 15, EURO_INTERO: 13, INTERO: 10, PERCENTUALE: 10, NUMERO: 12}
GRASSETTO = Font(bold=True)
SFONDO_INTESTAZIONE = PatternFill("solid", fgColor="DDE7F3")


@dataclass
class Colonna:
    titolo: str
    tipo: str = TESTO
    somma: bool = False  # the totals row sums this column
    larghezza: int | None = None


@dataclass
class Foglio:
    titolo: str  # the sheet's name (Excel allows 31 characters)
    colonne: list[Colonna]
    righe: list[list] = field(default_factory=list)
    totale: str | None = None  # label of the totals row in the first column; None: no totals row
    dopo: list[list] = field(default_factory=list)  # rows after the totals (e.g. the rounding)

    def somme(self) -> list:
        """The totals row as values: the label, the sum of each summed column, else empty."""
        out: list = []
        for i, c in enumerate(self.colonne):
            if i == 0:
                out.append(self.totale)
            elif c.somma:
                out.append(sum((r[i] or 0 for r in self.righe), Decimal(0)))
            else:
                out.append(None)
        return out


PERICOLOSI = ("=", "+", "-", "@")  # a text starting with these would run as a formula


def titolo_foglio(titolo: str) -> str:
    """A valid sheet name: no []:*?/\\ and at most 31 characters."""
    for c in "[]:*?/\\":
        titolo = titolo.replace(c, " ")
    return titolo.strip()[:31] or "Foglio"


def _valore(v, tipo: str):
    if v is None or v == "":
        return None
    if isinstance(v, str) and v.startswith(PERICOLOSI):
        return "'" + v  # a name from an uploaded workbook is text, never a formula
    if tipo == PERCENTUALE:
        return Decimal(v) / 100  # pages show 12.34; Excel stores 0.1234 formatted as 12,34%
    return v


def xlsx(fogli: list[Foglio], note: list[tuple[str, str]] | None = None) -> bytes:
    """The sheets, each with a bold frozen header, number formats, widths and a SUM totals row;
    `note` (label, text) becomes a last "Note" sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    for f in fogli:
        ws = wb.create_sheet(titolo_foglio(f.titolo))
        ws.append([c.titolo for c in f.colonne])
        for cella in ws[1]:
            cella.font = GRASSETTO
            cella.fill = SFONDO_INTESTAZIONE
            cella.alignment = Alignment(wrap_text=True, vertical="top")
        for riga in f.righe:
            ws.append([_valore(v, c.tipo) for v, c in zip(riga, f.colonne, strict=True)])
        ultima = ws.max_row
        if f.totale is not None:
            valori: list = []
            for i, c in enumerate(f.colonne):
                lettera = get_column_letter(i + 1)
                if i == 0:
                    valori.append(f.totale)
                elif c.somma:
                    valori.append(f"=SUM({lettera}2:{lettera}{ultima})" if f.righe else 0)
                else:
                    valori.append(None)
            ws.append(valori)
            for cella in ws[ws.max_row]:
                cella.font = GRASSETTO
        prima_dopo = ws.max_row + 1
        for riga in f.dopo:
            ws.append([_valore(v, c.tipo) for v, c in zip(riga, f.colonne, strict=True)])
        for i, c in enumerate(f.colonne, 1):
            lettera = get_column_letter(i)
            if c.tipo in FORMATI:
                for (cella,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    # rows after the totals (unrounded sums, rounding) show the cents
                    euro = c.tipo == EURO_INTERO and cella.row >= prima_dopo
                    cella.number_format = FORMATI[EURO if euro else c.tipo]
            ws.column_dimensions[lettera].width = c.larghezza or min(
                max(LARGHEZZE[c.tipo], len(c.titolo) + 2), 40
            )
        ws.freeze_panes = "B2"
    if note:
        ws = wb.create_sheet("Note")
        ws.append(["Voce", "Nota"])
        for cella in ws[1]:
            cella.font = GRASSETTO
            cella.fill = SFONDO_INTESTAZIONE
        for etichetta, testo in note:
            ws.append([etichetta, testo])
            ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["B"].width = 110
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def numero_italiano(v, tipo: str = NUMERO) -> str:
    """A cell as Italian Excel reads it: decimal comma, no grouping; "" for empty."""
    if v is None or v == "":
        return ""
    if isinstance(v, bool):
        return "sì" if v else "no"
    if isinstance(v, str) and v.startswith(PERICOLOSI):
        return "'" + v
    if isinstance(v, Decimal | float):
        testo = f"{Decimal(v).quantize(Decimal('0.01')) if tipo != INTERO else Decimal(v):f}"
        return testo.replace(".", ",")
    return str(v)


def csv_(foglio: Foglio) -> bytes:
    """One table as CSV (UTF-8 with BOM, `;`, decimal comma), totals computed here."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([c.titolo for c in foglio.colonne])
    righe = list(foglio.righe)
    if foglio.totale is not None:
        righe.append(foglio.somme())
    righe.extend(foglio.dopo)
    for riga in righe:
        w.writerow([numero_italiano(v, c.tipo) for v, c in zip(riga, foglio.colonne, strict=True)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# --- the riparto's tables as sheets ------------------------------------------------------------

FONTE = "Fonte: riparto memorizzato nel sistema (servizi e quote dei Comuni della versione)."
ARROTONDAMENTO = (
    "La quota dei Comuni di ciascun servizio è arrotondata all'euro (metà per eccesso) e ripartita "
    "tra i Comuni con il metodo dei resti maggiori (Hamilton): ogni colonna somma esattamente al suo "
    "totale arrotondato. Costi e quote non arrotondate sono mostrati al centesimo."
)


def _intestazione(versione) -> list[tuple[str, str]]:
    return [
        ("Versione", f"{versione.esercizio.anno} – {versione.nome} ({versione.get_tipo_display()})"),
        ("Stato", "approvata" if versione.approvata else "bozza"),
    ]


def fogli_allegato7(a) -> tuple[list[Foglio], list[tuple[str, str]]]:
    """The service × funding-source table (Allegato 7)."""
    colonne = [
        Colonna("Codice"),
        Colonna("Servizio", larghezza=45),
        Colonna("Costi diretti", EURO, True),
        Colonna("Costi indiretti", EURO, True),
        Colonna("Costo totale", EURO, True),
        *[Colonna(c, EURO, True) for c in a.etichette_fondi],
        Colonna("Quota Comuni non arrotondata", EURO, True),
        Colonna("Quota Comuni arrotondata", EURO_INTERO, True),
        Colonna("Verifica", larghezza=40),
    ]
    righe = [
        [
            r.voce.codice,
            r.voce.nome,
            r.diretti,
            r.indiretti,
            r.totale,
            *r.fondi,
            r.comuni,
            r.comuni_arrotondato,
            "; ".join(r.errori) or "OK",
        ]
        for r in a.righe
    ]
    note = [
        *_intestazione(a.versione),
        (
            "Identità",
            "Per ogni servizio: diretti + indiretti = totale; fondi + quota Comuni = totale; "
            "la colonna del servizio nel prospetto per Comune somma alla quota arrotondata.",
        ),
        ("Esito verifiche", "tutte rispettate" if a.quadra else "; ".join(a.errori)),
        ("Arrotondamento", ARROTONDAMENTO),
        ("Fonte", FONTE),
    ]
    return [Foglio("Allegato 7", colonne, righe, totale="Totale")], note


def fogli_comuni(p) -> tuple[list[Foglio], list[tuple[str, str]]]:
    """The Comune × service sheet with the rounding rows, and the Comune totals with delta and overhead."""
    colonne = [Colonna("Comune", larghezza=28), *[Colonna(v.codice, EURO_INTERO, True) for v in p.voci]]
    colonne.append(Colonna("Totale", EURO_INTERO, True))
    righe = [[r.comune.nome, *r.celle, r.totale] for r in p.righe]
    dopo = [
        ["Non arrotondato", *p.non_arrotondati, p.totale_non_arrotondato],
        ["Arrotondamento", *p.arrotondamenti, p.arrotondamento],
    ]
    per_servizio = Foglio("Comuni per servizio", colonne, righe, totale="Totale", dopo=dopo)
    prec = p.precedente
    etichetta_prec = f"{prec.esercizio.anno} {prec.nome}" if prec else "anno precedente"
    totali = Foglio(
        "Totali per Comune",
        [
            Colonna("Comune", larghezza=28),
            Colonna("Codice ISTAT"),
            Colonna("Totale", EURO_INTERO, True),
            Colonna("% del totale", PERCENTUALE, True),
            Colonna(f"Totale {etichetta_prec}", EURO_INTERO, prec is not None),
            Colonna("Differenza €", EURO_INTERO, prec is not None),
            Colonna("Differenza %", PERCENTUALE),
            Colonna("di cui costi indiretti", EURO, True),
            Colonna("% dei costi indiretti", PERCENTUALE, True),
            Colonna("Costi indiretti se tutti a carico dei Comuni", EURO, True),
        ],
        [
            [
                r.comune.nome,
                r.comune.codice_istat,
                r.totale,
                r.percentuale,
                r.delta.precedente,
                r.delta.assoluto,
                r.delta.percentuale,
                r.indiretti,
                r.indiretti_percentuale,
                r.indiretti_interi,
            ]
            for r in p.righe
        ],
        totale="Totale",
    )
    note = [
        *_intestazione(p.versione),
        (
            "Anno precedente",
            (
                f"{prec.esercizio.anno} – {prec.nome} ({prec.get_tipo_display()}, "
                f"{'approvata' if prec.approvata else 'bozza'})"
                if prec
                else "nessuna versione dell'anno precedente"
            ),
        ),
        (
            "Scelta dell'anno precedente",
            "la versione dello stesso tipo dell'esercizio precedente; in mancanza, "
            "l'ultima versione approvata dell'esercizio precedente.",
        ),
        (
            "Costi indiretti per Comune",
            "Σ sui servizi di (quota del Comune × costi indiretti del servizio / "
            "costo totale del servizio), arrotondata al centesimo: la parte dei costi indiretti già compresa "
            "nella quota del Comune, non un addebito in più.",
        ),
        (
            "Costi indiretti se tutti a carico dei Comuni",
            "Σ sui servizi di (quota del Comune × costi indiretti del servizio / quota arrotondata dei "
            "Comuni per il servizio): la lettura del Piano Programma 2023 (costi indiretti per Comune), "
            "in cui i fondi coprono prima i costi diretti e i costi indiretti restano ai Comuni.",
        ),
        (
            "Percentuali",
            "Arrotondate al centesimo di punto: la loro somma può differire da 100% di qualche centesimo.",
        ),
        ("Arrotondamento", ARROTONDAMENTO),
        ("Fonte", FONTE),
    ]
    return [per_servizio, totali], note


def fogli_bolletta(b) -> tuple[list[Foglio], list[tuple[str, str]]]:
    """One Comune's amounts per service (its bill), with the overhead each includes."""
    foglio = Foglio(
        b.comune.nome,
        [
            Colonna("Codice"),
            Colonna("Servizio", larghezza=45),
            Colonna("Importo", EURO_INTERO, True),
            Colonna("Importo non arrotondato", EURO, True),
            Colonna("% del totale del Comune", PERCENTUALE, True),
            Colonna("di cui costi indiretti", EURO, True),
        ],
        [
            [r.voce.codice, r.voce.nome, r.importo, r.non_arrotondato, r.percentuale, r.indiretti]
            for r in b.righe
        ],
        totale="Totale",
    )
    note = [
        *_intestazione(b.versione),
        ("Comune", f"{b.comune.nome} ({b.comune.codice_istat})"),
        ("Costi indiretti", "quota del Comune × costi indiretti del servizio / costo totale del servizio."),
        ("Arrotondamento", ARROTONDAMENTO),
        ("Fonte", FONTE),
    ]
    return [foglio], note


def fogli_pareggio(p) -> tuple[list[Foglio], list[tuple[str, str]]]:
    """Per-service result (revenues − costs) and, when present, preventivo vs consuntivo."""
    risultati = Foglio(
        "Risultato per servizio",
        [
            Colonna("Codice"),
            Colonna("Servizio", larghezza=45),
            Colonna("Costo totale", EURO, True),
            Colonna("Fondi", EURO, True),
            Colonna("Quote dei Comuni conferenti", EURO, True),
            Colonna("Tariffe di Comuni non conferenti", EURO, True),
            Colonna("Ricavi", EURO, True),
            Colonna("Risultato", EURO, True),
            Colonna("Esito", larghezza=40),
        ],
        [
            [
                r.voce.codice,
                r.voce.nome,
                r.costo,
                r.fondi,
                r.quote_comuni,
                r.tariffe,
                r.ricavi,
                r.risultato,
                r.descrizione_esito,
            ]
            for r in p.righe
        ],
        totale="Totale",
    )
    fogli = [risultati]
    if p.confronto:
        fogli.append(
            Foglio(
                "Preventivo e consuntivo",
                [
                    Colonna("Codice"),
                    Colonna("Servizio", larghezza=45),
                    Colonna("Costo preventivo", EURO, True),
                    Colonna("Costo consuntivo", EURO, True),
                    Colonna("Differenza costo", EURO, True),
                    Colonna("Differenza costo %", PERCENTUALE),
                    Colonna("Comuni preventivo", EURO, True),
                    Colonna("Comuni consuntivo", EURO, True),
                    Colonna("Differenza Comuni", EURO, True),
                ],
                [
                    [
                        c.codice,
                        c.nome,
                        c.costo_a,
                        c.costo_b,
                        c.delta_costo.assoluto,
                        c.delta_costo.percentuale,
                        c.comuni_a,
                        c.comuni_b,
                        c.delta_comuni.assoluto,
                    ]
                    for c in p.confronto
                ],
                totale="Totale",
            )
        )
    note = [
        *_intestazione(p.versione),
        (
            "Ricavi",
            "fondi assegnati al servizio + quote arrotondate dei Comuni che lo conferiscono + quote "
            "(tariffa × unità) dei Comuni che non lo conferiscono.",
        ),
        (
            "Risultato",
            "ricavi − costo totale, servizio per servizio, senza compensazioni tra servizi. "
            "Una differenza inferiore a 1 € è l'arrotondamento all'euro della quota dei Comuni.",
        ),
        (
            "Confronto",
            (
                f"con {p.confronto_con.esercizio.anno} – {p.confronto_con.nome}"
                if p.confronto_con
                else "nessuna versione preventivo/consuntivo dello stesso esercizio da confrontare"
            ),
        ),
        ("Fonte", FONTE),
    ]
    return fogli, note


def fogli_indicatori(k) -> tuple[list[Foglio], list[tuple[str, str]]]:
    """KPIs: per service, revenue by source, per Comune."""
    servizi = Foglio(
        "Indicatori per servizio",
        [
            Colonna("Codice"),
            Colonna("Servizio", larghezza=45),
            Colonna("Costo totale", EURO, True),
            Colonna("Unità di misura"),
            Colonna("Utenti", INTERO),
            Colonna("Unità erogate", NUMERO),
            Colonna("Costo per utente", EURO),
            Colonna("Costo orario", EURO),
        ],
        [
            [
                s.voce.codice,
                s.voce.nome,
                s.costo,
                s.unita_misura or "n.d.",
                s.persone,
                s.unita,
                s.costo_per_utente,
                s.costo_orario,
            ]
            for s in k.servizi
        ],
        totale="Totale",
    )
    fonti = Foglio(
        "Ricavi per fonte",
        [Colonna("Fonte", larghezza=24), Colonna("Importo", EURO, True), Colonna("%", PERCENTUALE, True)],
        [[f, x, pct] for f, x, pct in k.fonti],
        totale="Totale",
    )
    comuni = Foglio(
        "Indicatori per Comune",
        [
            Colonna("Comune", larghezza=28),
            Colonna("Totale", EURO_INTERO, True),
            Colonna("Abitanti", INTERO, True),
            Colonna("Pro capite", EURO),
            Colonna("% del totale", PERCENTUALE, True),
        ],
        [[c.comune.nome, c.totale, c.abitanti, c.pro_capite, c.percentuale] for c in k.comuni],
        totale="Totale",
    )
    note = [
        *_intestazione(k.versione),
        (
            "Utenti",
            f"persone distinte con erogazioni del servizio del catalogo dal {k.dal:%d/%m/%Y} al "
            f"{k.al:%d/%m/%Y} (cartella sociale), sommate sui Comuni responsabili; n.d. se il servizio del "
            "riparto non è collegato al catalogo.",
        ),
        ("Costo per utente", "costo totale del servizio / utenti, al centesimo; n.d. se non ci sono utenti."),
        ("Costo orario", "costo totale / ore erogate, solo per i servizi misurati in ore."),
        (
            "Pro capite",
            f"totale del Comune / abitanti al {k.data_popolazione_it or 'n.d.'} (popolazione del riparto); "
            "il totale pro capite considera solo i Comuni con popolazione.",
        ),
        ("Fonte", FONTE),
    ]
    return [servizi, fonti, comuni], note
