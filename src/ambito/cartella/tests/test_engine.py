import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ambito.cartella.engine import aggiungi_mesi, errori_finanziamento, errori_quote

D = Decimal
euro = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)


def test_quotas_that_add_up_are_accepted():
    assert (
        errori_quote(importo=D("100.00"), quota_ente=D("70.00"), quota_utente=D("30.00"), quota_ssn=D("0"))
        == []
    )


def test_quotas_that_do_not_add_up_are_refused_with_the_amounts():
    errori = errori_quote(
        importo=D("100.00"), quota_ente=D("70.00"), quota_utente=D("20.00"), quota_ssn=D("0")
    )
    assert errori == [
        "Le quote (ente 70,00 + utente 20,00 + SSN 0,00 = 90,00 €) non corrispondono all'importo di 100,00 €."
    ]


def test_funding_split_must_equal_quota_ente():
    assert errori_finanziamento(quota_ente=D("1234.56"), parti=[D("1000.00"), D("234.56")]) == []
    assert errori_finanziamento(quota_ente=D("1234.56"), parti=[D("1000.00")]) == [
        "I fondi indicati sommano 1.000,00 € ma la quota ente è 1.234,56 €: mancano 234,56 €."
    ]
    assert errori_finanziamento(quota_ente=D("10.00"), parti=[]) == [
        "Indicare da quali fondi è finanziata la quota ente."
    ]
    assert errori_finanziamento(quota_ente=D("0"), parti=[]) == []


@given(ente=euro, utente=euro, ssn=euro)
def test_any_exact_split_is_accepted_and_one_cent_off_is_not(ente, utente, ssn):
    totale = ente + utente + ssn
    assert errori_quote(importo=totale, quota_ente=ente, quota_utente=utente, quota_ssn=ssn) == []
    assert errori_quote(importo=totale + D("0.01"), quota_ente=ente, quota_utente=utente, quota_ssn=ssn)


def test_months_are_added_with_end_of_month_clamping():
    assert aggiungi_mesi(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert aggiungi_mesi(dt.date(2024, 8, 31), 6) == dt.date(2025, 2, 28)
    assert aggiungi_mesi(dt.date(2024, 11, 15), 3) == dt.date(2025, 2, 15)
