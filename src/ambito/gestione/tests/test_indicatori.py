"""The pure arithmetic of the riparto's outputs: divisions by zero, explicit rounding, identities."""

from decimal import Decimal as D

from ambito.gestione import indicatori as ind


def test_dividi_arrotonda_al_centesimo_e_zero_da_none():
    assert ind.dividi(D("10"), D("3")) == D("3.33")
    assert ind.dividi(D("2"), D("3")) == D("0.67")
    assert ind.dividi(D("0.125"), D("1")) == D("0.13")  # half up, not banker's rounding
    assert ind.dividi(D("1"), D("0")) is None
    assert ind.dividi(D("1"), None) is None
    assert ind.dividi(None, D("2")) is None


def test_percentuale_e_delta():
    assert ind.percentuale(D("1"), D("3")) == D("33.33")
    assert ind.percentuale(D("5"), D("0")) is None
    d = ind.delta(D("110"), D("100"))
    assert (d.precedente, d.assoluto, d.percentuale) == (D("100"), D("10"), D("10.00"))
    d = ind.delta(D("110"), None)
    assert (d.precedente, d.assoluto, d.percentuale) == (None, None, None)
    d = ind.delta(D("50"), D("0"))  # new this year: absolute delta, no percentage
    assert (d.assoluto, d.percentuale) == (D("50"), None)


def test_costo_indiretto_comune_a_mano():
    quote = {"A": D("1000"), "B": D("300"), "C": D("50")}
    indiretti = {"A": D("100"), "B": D("0"), "C": D("7")}
    totali = {"A": D("1100"), "B": D("500"), "C": D("0")}  # C: zero total contributes nothing
    atteso = (D("1000") * D("100") / D("1100")).quantize(D("0.01"))
    assert ind.costo_indiretto_comune(quote, indiretti, totali) == atteso == D("90.91")


def test_verifica_voce_segnala_ogni_identita():
    base = dict(
        diretti=D("100.00"),
        indiretti=D("10.12345678"),
        totale=D("110.12345678"),
        fondi=[D("50.00"), D("10.00")],
        comuni=D("50.12345678"),
        comuni_arrotondato=D("50"),
        somma_quote=D("50"),
    )
    assert ind.verifica_voce(**base) == []
    assert ind.verifica_voce(**{**base, "diretti": D("101.00")}) == [
        "costi diretti + costi indiretti ≠ costo totale"
    ]
    assert ind.verifica_voce(**{**base, "fondi": [D("50.00")]}) == ["fondi + quota dei Comuni ≠ costo totale"]
    assert ind.verifica_voce(**{**base, "somma_quote": D("51")}) == [
        "la somma delle quote dei Comuni ≠ quota dei Comuni arrotondata"
    ]
    # 1e-8 from rounding each stored column on its own is tolerated
    assert ind.verifica_voce(**{**base, "totale": D("110.12345679"), "comuni": D("50.12345679")}) == []


def test_esito_del_servizio():
    assert ind.esito(D("0.001")) == ind.PAREGGIO
    assert ind.esito(D("0.49")) == ind.ARROTONDAMENTO
    assert ind.esito(D("-0.5")) == ind.ARROTONDAMENTO
    assert ind.esito(D("1")) == ind.AVANZO
    assert ind.esito(D("-12.30")) == ind.DISAVANZO


def test_kpi_e_ripartizione():
    assert ind.costo_per_utente(D("1000"), 3) == D("333.33")
    assert ind.costo_per_utente(D("1000"), 0) is None
    assert ind.costo_per_utente(D("1000"), None) is None
    assert ind.costo_per_unita(D("1000"), D("19.5")) == D("51.28")
    assert ind.costo_per_unita(D("1000"), D("0")) is None
    r = ind.ripartizione({"FNPS": D("100"), "Comuni": D("300")})
    assert r == [("FNPS", D("100"), D("25.00")), ("Comuni", D("300"), D("75.00"))]
