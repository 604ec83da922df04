"""So.Le.'s hourly tariff plus team cost, with the team quota of the non-conferring Comuni paid by a fund."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ambito.gestione import engine as e

POP = {"A": D(10000), "B": D(30000), "C": D(5000), "N1": D(6000), "N2": D(2000)}
ORE = {"A": D(1000), "B": D(3000), "C": D(500)}
TARIFFA = D("22.68")
EQUIPE = D("87331.08")


def sad(quota=D("0.20"), equipe=EQUIPE, fondo="FNPS", conferiscono=("A", "B", "C"), altri_fondi=()):
    ore = {c: ORE.get(c, D(100)) for c in conferiscono}
    tariffe = tuple(e.Tariffa("SAD", c, TARIFFA, ore[c]) for c in conferiscono)
    diretti = sum((t.importo for t in tariffe), D(0)) + (equipe if equipe <= EQUIPE else EQUIPE)
    return e.DatiRiparto(
        servizi=(
            e.Servizio(
                "SAD",
                "Assistenza domiciliare",
                e.CONSUMO,
                porta_costi_indiretti=False,
                data_popolazione="2025-01-01",
                costo_equipe=equipe,
                quota_equipe_non_conferenti=quota,
                fondo_equipe_non_conferenti=fondo,
            ),
        ),
        costi_diretti={"SAD": diretti},
        conferimenti={"SAD": frozenset(conferiscono)},
        fondi=tuple(altri_fondi),
        popolazione={"2025-01-01": POP},
        consumi={("SAD", c): ore[c] for c in conferiscono},
        tariffe=tariffe,
    )


def test_tariffa_piu_equipe_meno_la_quota_dei_non_conferenti():
    r = e.calcola(sad())
    riga = r.prospetto[0]
    quota = EQUIPE * D("0.20")  # 17.466,216 paid by FNPS for N1 and N2
    assert dict(riga.fondi) == {"FNPS": quota}
    assert riga.comuni == riga.totale - quota
    # each conferring Comune: its hours at the tariff + 80% of the team cost by hours
    for c in ("A", "B", "C"):
        atteso = TARIFFA * ORE[c] + EQUIPE * D("0.8") * ORE[c] / sum(ORE.values())
        assert abs(r.spiegazioni[(c, "SAD")].non_arrotondato - atteso) < D("1e-9")
        assert "pagata dal fondo FNPS" in r.spiegazioni[(c, "SAD")].nota
        assert "87.331,08" in r.spiegazioni[(c, "SAD")].nota
    # the non-conferring Comuni are assigned the quota per capita and pay nothing
    assert ("N1", "SAD") not in r.importi and ("N2", "SAD") not in r.importi
    q1, q2 = r.quote_equipe[("N1", "SAD")], r.quote_equipe[("N2", "SAD")]
    assert q1.importo == quota * 6000 / 8000 and q2.importo == quota * 2000 / 8000
    assert q1.importo + q2.importo == quota and q1.fondo == "FNPS"
    assert r.totale_servizio("SAD") == e.arrotonda_euro(riga.comuni)


def test_senza_regola_i_conferenti_pagano_tutta_l_equipe():
    con, senza = e.calcola(sad()), e.calcola(sad(quota=None))
    assert senza.quote_equipe == {} and dict(senza.prospetto[0].fondi) == {}
    risparmio = sum(senza.importi.values()) - sum(con.importi.values())
    assert abs(risparmio - EQUIPE * D("0.2")) <= 1  # euro rounding of the column


@pytest.mark.parametrize(
    "kw, messaggio",
    [
        ({"quota": D("1.5")}, "tra 0 e 1"),
        ({"equipe": D("10000000")}, "tra 0 e il costo diretto"),
        ({"fondo": ""}, "manca il fondo"),
        ({"conferiscono": ("A", "B", "C", "N1", "N2")}, "almeno un Comune che non conferisce"),
    ],
)
def test_dati_sbagliati_rifiutati(kw, messaggio):
    with pytest.raises(e.ErroreRiparto, match=messaggio):
        e.calcola(sad(**kw))


def test_fondi_piu_quota_oltre_il_costo_rifiutati():
    with pytest.raises(e.ErroreRiparto, match="superano il costo totale"):
        e.calcola(sad(altri_fondi=(e.Fondo("FSR", "SAD", D("180000")),)))


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value=0, max_value=1, places=3), st.decimals(min_value=0, max_value=EQUIPE, places=2))
def test_quadra_con_qualunque_quota(quota, equipe):
    r = e.calcola(sad(quota=quota, equipe=equipe))
    riga = r.prospetto[0]
    assert sum((x for _f, x in riga.fondi), D(0)) + riga.comuni == riga.totale
    assert r.totale_servizio("SAD") == e.arrotonda_euro(riga.comuni)
    assert sum((q.importo for q in r.quote_equipe.values()), D(0)) == pytest.approx(equipe * quota)
    # the non-conferring Comuni's quota never raises a conferring Comune's share
    senza = e.calcola(sad(quota=D(0), equipe=equipe))
    for c in ("A", "B", "C"):
        assert r.spiegazioni[(c, "SAD")].non_arrotondato <= senza.spiegazioni[(c, "SAD")].non_arrotondato
