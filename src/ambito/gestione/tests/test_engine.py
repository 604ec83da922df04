"""The riparto engine: examples and hypothesis properties."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ambito.gestione import engine as e

COMUNI = ["A", "B", "C", "D"]


def dati(metodo=e.CAPITARIA, diretti="1000", fondi=(), pop=None, conferiscono=COMUNI, **kw):
    servizi = kw.pop("servizi", None) or (e.Servizio("S", "Servizio", metodo, data_popolazione="2022"),)
    return e.DatiRiparto(
        servizi=servizi,
        costi_diretti={s.codice: D(diretti) for s in servizi},
        conferimenti={s.codice: frozenset(conferiscono) for s in servizi},
        fondi=tuple(fondi),
        popolazione={"2022": pop or {"A": D(100), "B": D(200), "C": D(300), "D": D(400)}},
        **kw,
    )


def test_metodi_come_il_catalogo():
    from ambito.catalogo.models import MetodoRiparto

    assert {m.value for m in MetodoRiparto} == set(e.METODI)


def test_capitaria_semplice():
    r = e.calcola(dati())
    assert [r.importi[(c, "S")] for c in COMUNI] == [100, 200, 300, 400]
    sp = r.spiegazioni[("B", "S")]
    assert sp.parti[0].peso == 200 and sp.parti[0].quota == D("0.2")
    assert sp.arrotondamento == 0


def test_costi_indiretti_pool_e_speciali():
    servizi = (
        e.Servizio("S", "S", e.CAPITARIA, data_popolazione="2022"),
        e.Servizio("T", "T", e.CAPITARIA, data_popolazione="2022"),
        e.Servizio("U", "U", e.CAPITARIA, porta_costi_indiretti=False, data_popolazione="2022"),
        e.Servizio("V", "V", e.CAPITARIA, costi_indiretti_speciali=D(7), data_popolazione="2022"),
    )
    d = dati(servizi=servizi, costi_indiretti=D(100))
    ind = e.costi_indiretti_per_servizio(d)
    assert ind == {"S": D(50), "T": D(50), "U": D(0), "V": D(7)}
    r = e.calcola(d)
    assert r.prospetto[0].totale == D(1050)
    d2 = dati(servizi=servizi[:1], aliquota_costi_indiretti=D("0.1"))
    assert e.calcola(d2).prospetto[0].totale == D(1100)


def test_fondi_generali_e_vincolati():
    fondi = [e.Fondo("FNPS", "S", D(500)), e.Fondo("FSR_D", "S", D(100), frozenset({"D"}))]
    r = e.calcola(dati(fondi=fondi))
    # 500 to split: A 50, B 100, C 150, D 200 - 100
    assert [r.importi[(c, "S")] for c in COMUNI] == [50, 100, 150, 100]
    riga = r.prospetto[0]
    assert riga.comuni == D(400) and dict(riga.fondi) == {"FNPS": D(500), "FSR_D": D(100)}
    assert r.spiegazioni[("D", "S")].fondi_vincolati == (("FSR_D", D(100)),)


def test_fondi_superiori_al_costo_rifiutati():
    with pytest.raises(e.ErroreRiparto, match="superano il costo"):
        e.calcola(dati(fondi=[e.Fondo("F", "S", D(1001))]))


def test_fondo_vincolato_superiore_alla_quota():
    with pytest.raises(e.ErroreRiparto, match="vincolato"):
        e.calcola(dati(fondi=[e.Fondo("F", "S", D(500), frozenset({"A"}))]))


def test_consumo_cento_per_cento_pacchetti_tariffe():
    r = e.calcola(dati(metodo=e.CONSUMO, consumi={("S", "A"): D(1), ("S", "B"): D(3)}))
    assert r.importi[("A", "S")] == 250 and r.importi[("C", "S")] == 0
    r = e.calcola(dati(metodo=e.CENTO_PER_CENTO_COMUNE, conferiscono=["B"]))
    assert r.importi == {("B", "S"): 1000}
    with pytest.raises(e.ErroreRiparto, match="un solo Comune"):
        e.calcola(dati(metodo=e.CENTO_PER_CENTO_COMUNE))
    r = e.calcola(dati(metodo=e.PACCHETTO_FISSO, pacchetti={("S", "A"): D(600), ("S", "B"): D(399)}))
    assert r.importi[("A", "S")] == 601 and r.importi[("B", "S")] == 399  # rescaled, the column balances
    tariffe = (e.Tariffa("S", "X", D(10), D(20)),)
    r = e.calcola(dati(tariffe=tariffe))
    assert r.importi[("X", "S")] == 200 and r.totale_servizio("S") == 1000
    assert r.importi[("D", "S")] == 320


def test_misto():
    s = (e.Servizio("S", "S", e.CAPITARIA_E_CONSUMO, data_popolazione="2022", quota_capitaria=D("0.5")),)
    r = e.calcola(dati(servizi=s, consumi={("S", "A"): D(1)}))
    assert r.importi[("A", "S")] == 550
    assert len(r.spiegazioni[("A", "S")].parti) == 2


def test_consumo_di_un_comune_che_non_conferisce():
    with pytest.raises(e.ErroreRiparto, match="non conferisce"):
        e.calcola(dati(metodo=e.CONSUMO, conferiscono=["A"], consumi={("S", "B"): D(1)}))


def test_metodo_sconosciuto_e_override_popolazione():
    with pytest.raises(e.ErroreRiparto, match="sconosciuto"):
        e.calcola(dati(metodo="boh"))
    r = e.calcola(dati(popolazione_servizio={("S", "D"): D(100)}))
    assert r.importi[("D", "S")] == 143


def test_hamilton_pareggi_per_codice():
    assert e.hamilton({"B": D("0.5"), "A": D("0.5")}, 1) == {"A": 1, "B": 0}


# ---------------------------------------------------------------------------------- properties

importi = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
pops = st.lists(st.integers(min_value=1, max_value=100_000), min_size=1, max_size=8)


@st.composite
def scenario(draw):
    n = len(pop := draw(pops))
    comuni = [f"{i:03d}" for i in range(n)]
    diretti = draw(importi)
    fondo = draw(st.decimals(min_value=0, max_value=diretti, places=2))
    vinc = draw(st.decimals(min_value=0, max_value=diretti - fondo, places=2))
    ammessi = draw(st.sets(st.sampled_from(comuni), min_size=1))
    return comuni, pop, diretti, fondo, vinc, frozenset(ammessi)


def costruisci(comuni, pop, diretti, fondo, vinc, ammessi, conferiscono=None):
    fondi = [e.Fondo("G", "S", fondo)]
    if vinc:
        fondi.append(e.Fondo("V", "S", vinc, ammessi))
    return e.DatiRiparto(
        servizi=(e.Servizio("S", "S", e.CAPITARIA, data_popolazione="p"),),
        costi_diretti={"S": diretti},
        conferimenti={"S": frozenset(conferiscono if conferiscono is not None else comuni)},
        fondi=tuple(fondi),
        popolazione={"p": {c: D(p) for c, p in zip(comuni, pop, strict=True)}},
    )


def calcola_o_vincolo(d):
    try:
        return e.calcola(d)
    except e.ErroreRiparto as err:
        assert "vincolato" in str(err)
        return None


@settings(max_examples=150, deadline=None)
@given(scenario())
def test_quadra_e_arrotondamento_entro_un_euro(sc):
    r = calcola_o_vincolo(costruisci(*sc))
    if r is None:
        return
    riga = r.prospetto[0]
    assert r.totale_servizio("S") == e.arrotonda_euro(riga.comuni)
    for sp in r.spiegazioni.values():
        assert abs(sp.arrotondamento) < 1
        assert sp.importo >= 0


@settings(max_examples=100, deadline=None)
@given(scenario(), st.data())
def test_raddoppiare_la_popolazione_non_abbassa(sc, data):
    comuni, pop, diretti, fondo, _v, _a = sc
    i = data.draw(st.integers(0, len(comuni) - 1))
    prima = e.calcola(costruisci(comuni, pop, diretti, fondo, D(0), frozenset()))
    pop2 = list(pop)
    pop2[i] *= 2
    dopo = e.calcola(costruisci(comuni, pop2, diretti, fondo, D(0), frozenset()))
    c = comuni[i]
    assert dopo.spiegazioni[(c, "S")].non_arrotondato >= prima.spiegazioni[(c, "S")].non_arrotondato
    assert dopo.importi[(c, "S")] >= prima.importi[(c, "S")]


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10**5), st.integers(2, 8), importi)
def test_popolazioni_uguali_quote_uguali(p, n, diretti):
    comuni = [f"{i:03d}" for i in range(n)]
    r = e.calcola(costruisci(comuni, [p] * n, diretti, D(0), D(0), frozenset()))
    valori = [r.importi[(c, "S")] for c in comuni]
    assert max(valori) - min(valori) <= 1


@settings(max_examples=100, deadline=None)
@given(scenario())
def test_fondo_vincolato_abbassa_solo_gli_ammessi(sc):
    comuni, pop, diretti, fondo, vinc, ammessi = sc
    senza = e.calcola(costruisci(comuni, pop, diretti, fondo, D(0), ammessi))
    con = calcola_o_vincolo(costruisci(comuni, pop, diretti, fondo, vinc, ammessi))
    if con is None:
        return
    for c in comuni:
        a, b = senza.spiegazioni[(c, "S")].non_arrotondato, con.spiegazioni[(c, "S")].non_arrotondato
        if c in ammessi:
            assert b <= a
        else:
            assert b == a


@settings(max_examples=50, deadline=None)
@given(scenario(), st.decimals(min_value=D("0.01"), max_value=1000, places=2))
def test_fondi_oltre_il_costo_rifiutati(sc, extra):
    comuni, pop, diretti, _f, _v, _a = sc
    with pytest.raises(e.ErroreRiparto, match="superano"):
        e.calcola(costruisci(comuni, pop, diretti, diretti + extra, D(0), frozenset()))


@settings(max_examples=100, deadline=None)
@given(scenario(), st.data())
def test_chi_non_conferisce_non_paga_e_determinismo(sc, data):
    comuni, pop, diretti, fondo, _v, _a = sc
    conf = data.draw(st.sets(st.sampled_from(comuni), min_size=1))
    d = costruisci(comuni, pop, diretti, fondo, D(0), frozenset(), conferiscono=conf)
    r = e.calcola(d)
    assert {c for c, _s in r.importi} == conf
    assert e.calcola(d).importi == r.importi


@st.composite
def scenario_misto(draw):
    """Several services with different methods, funds, packages and tariffs."""
    n = draw(st.integers(1, 6))
    comuni = [f"{i:03d}" for i in range(n)]
    pop = {c: D(draw(st.integers(1, 50_000))) for c in comuni}
    metodi = [e.CAPITARIA, e.CONSUMO, e.CAPITARIA_E_CONSUMO, e.PACCHETTO_FISSO, e.CONSUMO_FINO_CAPIENZA]
    servizi, costi, conf, fondi, consumi, pacchetti = [], {}, {}, [], {}, {}
    for k, metodo in enumerate(draw(st.lists(st.sampled_from(metodi), min_size=1, max_size=5))):
        codice = f"S{k}"
        alfa = D(draw(st.integers(0, 100))) / 100 if metodo == e.CAPITARIA_E_CONSUMO else None
        servizi.append(e.Servizio(codice, codice, metodo, draw(st.booleans()), None, "p", alfa))
        costi[codice] = draw(importi)
        partecipanti = draw(st.sets(st.sampled_from(comuni), min_size=1))
        conf[codice] = frozenset(partecipanti)
        for c in partecipanti:
            consumi[(codice, c)] = D(draw(st.integers(1, 1000)))
            if metodo == e.PACCHETTO_FISSO:
                pacchetti[(codice, c)] = D(draw(st.integers(1, 10_000)))
        fondi.append(e.Fondo("F", codice, costi[codice] * D(draw(st.integers(0, 50))) / 100))
    return e.DatiRiparto(
        servizi=tuple(servizi),
        costi_diretti=costi,
        conferimenti=conf,
        fondi=tuple(fondi),
        costi_indiretti=draw(importi),
        popolazione={"p": pop},
        consumi=consumi,
        pacchetti=pacchetti,
    )


@settings(max_examples=150, deadline=None)
@given(scenario_misto())
def test_quadra_con_tutti_i_metodi(d):
    r = e.calcola(d)
    for riga in r.prospetto:
        assert riga.diretti + riga.indiretti == riga.totale
        assert sum((v for _f, v in riga.fondi), D(0)) + riga.comuni == riga.totale
        assert r.totale_servizio(riga.servizio) == riga.comuni_arrotondato
    assert r.totale == sum(riga.comuni_arrotondato for riga in r.prospetto)
    assert sum(r.totale_comune(c) for c in r.comuni) == r.totale
    for (c, s), sp in r.spiegazioni.items():
        assert abs(sp.arrotondamento) < 1 and sp.importo >= 0
        assert c in d.conferimenti[s]
