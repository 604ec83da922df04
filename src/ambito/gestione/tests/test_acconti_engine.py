"""Pure arithmetic of advances and balance: largest remainder to the cent, plan checks."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ambito.gestione import acconti as a

# Preventivo 2021 per Comune (management report 2021, table 2.2)
PREVENTIVO_2021 = {
    "Carpiano": D("116729.64"),
    "Cerro al L.": D("220742.44"),
    "Colturano": D("183259.37"),
    "Dresano": D("195293.42"),
    "Melegnano": D("834859.77"),
    "San Donato M.se": D("386893.85"),
    "San Giuliano M.se": D("1887132.77"),
    "San Zenone al Lambro": D("121638.50"),
    "Vizzolo Predabissi": D("296639.50"),
    "Paullo": D("291115.79"),
}

importi = st.decimals(min_value=D("-100000"), max_value=D("5000000"), places=2, allow_nan=False)
percentuali = st.decimals(min_value=D("0.01"), max_value=D(100), places=2, allow_nan=False)


@given(st.dictionaries(st.text(min_size=1, max_size=6), importi, min_size=1, max_size=40), percentuali)
def test_somma_esatta_e_ogni_importo_entro_un_centesimo(totali, percentuale):
    c = a.calcola_rata(totali, percentuale)
    atteso = (sum(totali.values(), D(0)) * percentuale / 100).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert c.totale == atteso
    assert sum(q.importo for q in c.quote) == atteso
    for q in c.quote:
        assert q.importo == q.importo.quantize(D("0.01"))
        assert q.esatto == totali[q.comune] * percentuale / 100
        assert abs(q.importo - q.esatto) < D("0.01")
        assert q.arrotondamento == q.importo - q.esatto
    assert {q.comune for q in c.quote} == set(totali)


@given(st.dictionaries(st.integers(1, 10**6), importi, min_size=1, max_size=20), percentuali)
def test_deterministico_e_indipendente_dall_ordine(totali, percentuale):
    inverso = dict(reversed(list(totali.items())))
    assert a.calcola_rata(totali, percentuale) == a.calcola_rata(inverso, percentuale)


def test_resti_maggiori_su_tre_comuni():
    # 1/3 each of 0.10 → 0.0333…; total 0.10: one Comune gets the extra cent (ties by key)
    c = a.calcola_rata({"A": D("0.10"), "B": D("0.10"), "C": D("0.10")}, D("33.33"))
    assert c.totale == D("0.10")
    assert [q.importo for q in c.quote] == [D("0.04"), D("0.03"), D("0.03")]


def test_preventivo_2021_novanta_per_cento():
    """50% + 40% of the 2021 preventivo: each Comune within a cent of 90% (report, table 2.3)."""
    primo = a.calcola_rata(PREVENTIVO_2021, D(50)).per_comune()
    secondo = a.calcola_rata(PREVENTIVO_2021, D(40)).per_comune()
    totale = sum(PREVENTIVO_2021.values())
    assert totale == D("4534305.05")
    for c, prev in PREVENTIVO_2021.items():
        assert abs(primo[c].importo + secondo[c].importo - prev * D("0.9")) <= D("0.02")
    assert sum(q.importo for q in primo.values()) == D("2267152.53")  # 2,267,152.525 rounded half up
    assert sum(q.importo for q in secondo.values()) == D("1813722.02")
    # Carpiano: the report printed 105,056.67 for 90% of 116,729.64 (= 105,056.676)
    assert primo["Carpiano"].importo + secondo["Carpiano"].importo in (D("105056.67"), D("105056.68"))


def test_saldo_positivo_negativo_e_senza_consuntivo():
    assert a.saldo(D("129272.76"), D("105056.67")) == D("24216.09")  # Carpiano 2021: to pay
    assert a.saldo(D("100"), D("150")) == D("-50")  # to refund
    assert a.saldo(None, D("10")) is None


@pytest.mark.parametrize(
    "rate, messaggio",
    [
        ([], "almeno una rata"),
        ([("A", D(60)), ("B", D(50))], "non può superare il 100%"),
        ([("A", D(0))], "maggiore di 0"),
        ([("A", D("10.005"))], "due decimali"),
        ([("A", D(10)), ("A", D(10))], "stesso nome"),
        ([(" ", D(10))], "un nome"),
    ],
)
def test_piano_non_valido(rate, messaggio):
    with pytest.raises(a.ErrorePiano) as exc:
        a.verifica_piano(rate)
    assert any(messaggio in e for e in exc.value.errori)


def test_piano_predefinito_del_contratto():
    a.verifica_piano([(r.nome, r.percentuale) for r in a.RATE_PREDEFINITE])
    assert [(r.percentuale, r.scadenza(2023).isoformat()) for r in a.RATE_PREDEFINITE] == [
        (D(50), "2023-01-31"),
        (D(40), "2023-09-30"),
    ]


def test_percento():
    assert [a.percento(D(x)) for x in ("50", "50.00", "12.50", "33.33")] == ["50%", "50%", "12,5%", "33,33%"]
