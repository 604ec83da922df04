"""Pure part: reading files, checking rows, the table, the split to the cent, the move into the riparto."""

import dataclasses
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ambito.contabilita import engine as e
from ambito.gestione import engine as ge
from ambito.gestione import workbook as w
from ambito.gestione.tests.conftest import ESEMPIO

CENTRI = {
    "CS.A": e.Centro("CS.A", "Servizio A", e.SERVIZIO, "A"),
    "ST.X": e.Centro("ST.X", "Amministrazione", e.STRUTTURA),
    "CS.OLD": e.Centro("CS.OLD", "Chiuso", e.SERVIZIO, "A", valido_al=dt.date(2021, 12, 31)),
}
CONTI = {
    "601": e.Conto("601", "C01"),
    "602": e.Conto("602", "C05", centro="ST.X"),
    "701": e.Conto("701", "R02"),
}


def leggi(testo: str, nome="f.csv", codifica="utf-8"):
    t = e.leggi_tabella(testo.encode(codifica), nome, *e.COLONNE_CONTABILITA)
    return e.leggi_contabilita(t, conti=CONTI, centri=CENTRI, anno=2023)


def errori(testo: str, **kw) -> list[str]:
    with pytest.raises(e.ErroriFile) as exc:
        leggi(testo, **kw)
    return [str(x) for x in exc.value.errori]


@pytest.mark.parametrize(
    "testo,atteso",
    [
        ("1.234,56", D("1234.56")),
        ("-12,5", D("-12.5")),
        ("1234.56", D("1234.56")),
        ("1.234.567", D("1234567")),
        ("€ 10", D(10)),
        (7, D(7)),
        (2.5, D("2.5")),
    ],
)
def test_numeri_all_italiana(testo, atteso):
    assert e.numero(testo) == atteso


@pytest.mark.parametrize("testo", ["abc", "1,2,3", "12.34,5.6", "", "1..2", "1.23,4.5"])
def test_non_numeri(testo):
    with pytest.raises(ValueError):
        e.numero(testo)


def test_importo_rifiuta_tre_decimali_e_ambiguita():
    with pytest.raises(ValueError, match="due decimali"):
        e.importo("1.2345")
    # "1.000" is a thousand in Italian and one in English: refused rather than guessed
    with pytest.raises(ValueError, match="ambiguo"):
        e.importo("1.000")
    assert e.importo("1.000,00") == e.importo("1000") == D(1000)
    assert e.importo("1.5") == D("1.50")


def test_csv_punto_e_virgola_con_bom_e_commenti():
    righe = leggi(
        "\ufeff# nota\nconto;centro;importo;descrizione\n601;CS.A;1.000,50;stipendi\n602;;20;sede\n"
    )
    assert righe == [
        e.Riga(3, "601", "CS.A", D("1000.50"), "stipendi"),
        e.Riga(4, "602", "ST.X", D("20.00"), "sede"),  # the account's default centre
    ]


def test_csv_virgola():
    righe = leggi('conto,centro,importo\n601,CS.A,"1.000,50"\n701,CS.A,10.25\n')
    assert [r.importo for r in righe] == [D("1000.50"), D("10.25")]


def test_xlsx():
    wb = Workbook()
    ws = wb.active
    ws.append(["Conto", "Centro", "Importo", "Descrizione"])
    ws.append([601, "CS.A", 1234.5, "x"])
    ws.append(["602", None, "2.000,00", None])
    buf = io.BytesIO()
    wb.save(buf)
    t = e.leggi_tabella(buf.getvalue(), "f.xlsx", *e.COLONNE_CONTABILITA)
    righe = e.leggi_contabilita(t, conti=CONTI, centri=CENTRI, anno=2023)
    assert [(r.riga, r.conto, r.centro, r.importo) for r in righe] == [
        (2, "601", "CS.A", D("1234.50")),
        (3, "602", "ST.X", D("2000.00")),
    ]


def test_colonna_mancante():
    assert errori("conto;centro;descrizione\n601;CS.A;x\n") == [
        "f.csv, riga 1, colonna «importo»: colonna mancante"
    ]


def test_file_vuoto_e_senza_righe():
    assert errori("") == ["f.csv: il file è vuoto"]
    assert errori("conto;centro;importo\n\n") == ["f.csv: il file non contiene righe di dati"]


def test_ogni_errore_con_riga_e_colonna():
    testo = "conto;centro;importo\n601;CS.A;abc\n999;CS.A;1\n601;CS.B;1\n601;CS.OLD;1\n701;;1\n601;CS.A;\n"
    assert errori(testo) == [
        "f.csv, riga 2, colonna «importo»: «abc» non è un numero",
        "f.csv, riga 3, colonna «conto»: conto 999 non presente nel piano dei conti: importare la mappatura",
        "f.csv, riga 4, colonna «centro»: centro di costo «CS.B» inesistente",
        "f.csv, riga 5, colonna «centro»: il centro di costo CS.OLD non è valido nell'esercizio 2023",
        "f.csv, riga 6, colonna «centro»: valore mancante (il conto 701 non ha un centro predefinito)",
        "f.csv, riga 7, colonna «importo»: valore mancante",
    ]


def test_codifica_e_formato():
    assert "UTF-8" in errori("conto;importo\n601;è\n", codifica="latin-1")[0]
    assert "formato non riconosciuto" in errori("x", nome="f.pdf")[0]


def test_piano_dei_conti():
    t = e.leggi_tabella(
        b"conto;categoria;centro;schema\n601;C01;;\n602;B7;ST.X;cc\n603;C99;;\n601;C01;;\n604;C01;ZZ;\n605;A1;;xx\n",
        "p.csv",
        *e.COLONNE_PIANO,
    )
    categorie = {("sole", "C01"): "costo", ("cc", "B7"): "costo"}
    with pytest.raises(e.ErroriFile) as exc:
        e.leggi_piano_conti(t, categorie=categorie, centri={"ST.X"}, schema="sole")
    assert [str(x) for x in exc.value.errori] == [
        "p.csv, riga 4, colonna «categoria»: categoria «C99» inesistente nello schema «sole»",
        "p.csv, riga 5, colonna «conto»: conto 601 ripetuto",
        "p.csv, riga 6, colonna «centro»: centro di costo «ZZ» inesistente",
        "p.csv, riga 7, colonna «schema»: schema di categorie «xx» inesistente (noti: cc, sole)",
    ]


def test_centri():
    t = e.leggi_tabella(
        b"codice;nome;tipo;servizio_riparto;valido_dal;valido_al\nA;a;servizio;A;01/01/2023;\n"
        b"B;b;boh;;;\nC;c;struttura;X;;\nD;d;servizio;;2024-01-01;2023-01-01\n",
        "c.csv",
        *e.COLONNE_CENTRI,
    )
    with pytest.raises(e.ErroriFile) as exc:
        e.leggi_centri(t)
    assert [str(x) for x in exc.value.errori] == [
        "c.csv, riga 3, colonna «tipo»: «boh» non è «servizio» o «struttura»",
        "c.csv, riga 4, colonna «servizio_riparto»: un centro di struttura alimenta i costi indiretti, "
        "non un servizio",
        "c.csv, riga 5, colonna «valido_al»: la fine della validità precede l'inizio",
    ]


def test_prospetto_totali_che_tornano():
    voci = [
        e.Voce("CS.A", "C01", D("100.10")),
        e.Voce("CS.A", "C03", D("50")),
        e.Voce("CS.A", "R02", D("30")),
        e.Voce("ST.X", "C05", D("20.05")),
        e.Voce("ST.X", "R03", D("0.05")),
        e.Voce("CS.A", "C01", D("0.90")),
    ]
    p = e.prospetto(
        voci,
        centri={"CS.A": e.SERVIZIO, "ST.X": e.STRUTTURA},
        categorie={"C01": e.COSTO, "C03": e.COSTO, "C05": e.COSTO, "R02": e.RICAVO, "R03": e.RICAVO},
    )
    assert p.celle[("CS.A", "C01")] == D("101.00")
    assert p.costi == {"CS.A": D("151.00"), "ST.X": D("20.05")}
    assert p.ricavi == {"CS.A": D(30), "ST.X": D("0.05")}
    assert p.risultato("CS.A") == D("-121.00")
    assert p.totale_costi == D("171.05") == sum(p.totali_categoria[k] for k in ("C01", "C03", "C05"))
    assert p.totale_ricavi == D("30.05")
    assert p.risultato_totale == sum(p.risultato(c) for c in p.centri)
    assert p.costi_indiretti == D("20.00")


def test_confronto():
    cat = {"C01": e.COSTO}
    a = e.prospetto([e.Voce("CS.A", "C01", D(100))], centri={"CS.A": e.SERVIZIO}, categorie=cat)
    b = e.prospetto(
        [e.Voce("CS.A", "C01", D(110)), e.Voce("CS.B", "C01", D(5))],
        centri={"CS.A": e.SERVIZIO, "CS.B": e.SERVIZIO},
        categorie=cat,
    )
    c = e.confronto(a, b)
    assert [(d.chiave, d.a, d.b, d.differenza, d.percentuale) for d in c.centri] == [
        ("CS.A", D(100), D(110), D(10), D("10.00")),
        ("CS.B", D(0), D(5), D(5), None),
    ]
    assert c.totale_costi.differenza == D(15)


@settings(deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 10**6), min_size=1, max_size=12),
    st.integers(0, 10**9),
)
def test_ripartisci_centesimi_torna_al_centesimo(pesi, centesimi):
    pesi = {k: D(v) for k, v in pesi.items()}
    if not any(pesi.values()):
        return
    totale = D(centesimi) / 100
    parti = e.ripartisci_centesimi(pesi, totale)
    assert sum(parti.values()) == totale
    assert all(x == x.quantize(D("0.01")) for x in parti.values())
    assert all(parti[k] == 0 for k, p in pesi.items() if p == 0)


@pytest.fixture(scope="module")
def dati():
    return w.leggi(ESEMPIO).dati


def test_applica_stessi_costi_stessi_dati(dati):
    pool = sum(ge.costi_indiretti_per_servizio(dati).values())
    a = e.applica(dati, diretti=dict(dati.costi_diretti), pool=pool)
    assert a.dati == dati
    assert ge.calcola(a.dati).righe() == ge.calcola(dati).righe()
    assert a.fissi == D(30279 + 130000 + 85827)


def test_applica_costo_di_un_servizio_senza_quota_generale(dati):
    pool = sum(ge.costi_indiretti_per_servizio(dati).values())
    diretti = dict(dati.costi_diretti)
    diretti["TRASPORTI_CDD"] += D(1000)
    a = e.applica(dati, diretti=diretti, pool=pool)
    assert {s for s, (x, y) in a.diretti.items() if x != y} == {"TRASPORTI_CDD"}
    assert all(x == y for x, y in a.indiretti.values())


def test_applica_pool_maggiore_va_ai_servizi_che_lo_portano(dati):
    pool = sum(ge.costi_indiretti_per_servizio(dati).values()) + D(10000)
    a = e.applica(dati, diretti=dict(dati.costi_diretti), pool=pool)
    nuovi = ge.costi_indiretti_per_servizio(a.dati)
    assert sum(nuovi.values()) == pool
    assert nuovi["UDP"] == D(30279) and nuovi["COMUNITA_I_POLO"] == 0
    assert nuovi["CDD"] > D(96025)


def test_applica_modo_pool(dati):
    servizi = tuple(
        dataclasses.replace(s, costi_indiretti_speciali=None) if s.porta_costi_indiretti else s
        for s in dati.servizi
    )
    d = dataclasses.replace(dati, servizi=servizi, costi_indiretti=D(446937))
    a = e.applica(d, diretti=dict(d.costi_diretti), pool=D(693043))
    assert a.dati == d  # the same pool, in pool mode
    a = e.applica(d, diretti=dict(d.costi_diretti), pool=D(693043 + 100))
    assert a.dati.costi_indiretti == D(447037)


def test_applica_rifiuta(dati):
    diretti = dict(dati.costi_diretti)
    del diretti["CAT"]
    diretti["NUOVO"] = D(1)
    with pytest.raises(e.ErroreApplicazione) as exc:
        e.applica(dati, diretti=diretti, pool=D(693043))
    assert exc.value.errori == [
        "Il servizio CAT (Centro affido familiare) del riparto non ha costi dai centri di costo.",
        "Il servizio NUOVO dei centri di costo non è nella versione del riparto.",
    ]
    with pytest.raises(e.ErroreApplicazione, match="minori dei costi indiretti speciali"):
        e.applica(dati, diretti=dict(dati.costi_diretti), pool=D(1000))


@settings(deadline=None, max_examples=40)
@given(
    st.lists(st.integers(0, 300), min_size=29, max_size=29),
    st.integers(0, 10**8),
)
def test_applica_i_costi_indiretti_tornano_al_centesimo(dati, percentuali, extra_centesimi):
    """Any direct costs and any pool ≥ the fixed amounts: the overhead adds up to the pool exactly."""
    servizi = [s.codice for s in dati.servizi]
    diretti = {
        s: (dati.costi_diretti.get(s, D(0)) * p / 100).quantize(D("0.01"))
        for s, p in zip(servizi, percentuali, strict=True)
    }
    pool = D(246106) + D(extra_centesimi) / 100
    try:
        a = e.applica(dati, diretti=diretti, pool=pool)
    except e.ErroreApplicazione:
        assert not any(diretti[s.codice] for s in dati.servizi if s.porta_costi_indiretti)
        return
    nuovi = ge.costi_indiretti_per_servizio(a.dati)
    assert sum(nuovi.values()) == pool
    assert nuovi["UDP"] == D(30279) and nuovi["PROGETTAZIONE_FONDI"] == D(130000)
    assert all(
        nuovi[s] == 0
        for s in servizi
        if diretti[s] == 0 and s not in ("UDP", "PROGETTAZIONE_FONDI", "INDIRETTI_NON_COPERTI")
    )
