"""The index arithmetic: hand-computed cases and properties."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ambito.territorio import engine
from ambito.territorio.engine import Conteggi, Movimenti, RigaComune


def conteggi_da(**fasce) -> Conteggi:
    """Spread totals over ages: fasce like eta_0_14=670 put all of it at the first age, males."""
    m = [0] * 101
    f = [0] * 101
    for nome, valore in fasce.items():
        sesso, da = nome.split("_")[0], int(nome.split("_")[1])
        (m if sesso == "m" else f)[da] += valore
    return Conteggi(tuple(m), tuple(f))


def test_vecchiaia_700_su_670_da_10448():
    # AC10 of domain note 004: 700 over-65 / 670 under-15 → 104,48.
    c = conteggi_da(m_0=300, f_10=370, m_70=400, f_100=300)
    assert engine.arrotonda(engine.indice_vecchiaia(c)) == Decimal("104.48")
    assert engine.formato_macchina(engine.indice_vecchiaia(c)) == "104.48"


def test_tutti_gli_indici_a_mano():
    # 0-4: 50 (m 30 at 2, f 20 at 4); 5-14: 100; 15-19: 40; 20-39: 200 (f 120 at 30); 40-59: 150;
    # 60-64: 60; 65+: 210; females 15-49: f at 16 (25) + f at 30 (120) + f at 45 (30) = 175
    c = conteggi_da(
        m_2=30,
        f_4=20,
        m_10=100,
        m_16=15,
        f_16=25,
        m_30=80,
        f_30=120,
        m_45=120,
        f_45=30,
        m_62=60,
        m_80=110,
        f_100=100,
    )
    assert c.totale == 50 + 100 + 40 + 200 + 150 + 60 + 210 == 810
    i = engine.calcola_indici(c, Movimenti(nati=8, morti=9)).arrotondati()
    assert i["indice_vecchiaia"] == Decimal("140.00")  # 210 / 150
    assert i["indice_dipendenza"] == Decimal("80.00")  # (150 + 210) / 450
    assert i["indice_ricambio"] == Decimal("150.00")  # 60 / 40
    assert i["indice_struttura"] == Decimal("87.50")  # (150 + 60) / (40 + 200)
    assert i["carico_figli"] == Decimal("28.57")  # 50 / 175
    assert i["natalita"] == Decimal("9.88")  # 8 / 810 × 1000 = 9,8765
    assert i["mortalita"] == Decimal("11.11")  # 9 / 810 × 1000


def test_mezzo_centesimo_arrotondato_per_eccesso():
    # 1/8 = 0,125 → HALF_UP 0,13 (banker's rounding would give 0,12)
    c = conteggi_da(m_0=800, m_70=1)
    assert engine.indice_vecchiaia(c) == Decimal("0.125")
    assert engine.formato_macchina(engine.indice_vecchiaia(c)) == "0.13"


def test_denominatore_zero_da_none_non_zero():
    c = conteggi_da(m_70=10)
    assert engine.indice_vecchiaia(c) is None
    assert engine.formato_macchina(engine.indice_vecchiaia(c)) == ""
    assert engine.carico_figli(c) is None


def test_nati_mancanti_danno_none():
    c = conteggi_da(m_30=100)
    i = engine.calcola_indici(c)
    assert i.natalita is None and i.mortalita is None
    assert engine.calcola_indici(c, Movimenti(nati=0, morti=0)).natalita == Decimal(0)


def test_denominatore_medio_istat():
    c = conteggi_da(m_30=1000)
    assert engine.media_popolazione(900, 1000) == Decimal(950)
    i = engine.calcola_indici(c, Movimenti(nati=19, denominatore=engine.media_popolazione(900, 1000)))
    assert i.natalita == Decimal(20)


def test_conteggi_rifiuta_negativi_e_lunghezze_sbagliate():
    with pytest.raises(ValueError):
        Conteggi((0,) * 100, (0,) * 101)
    with pytest.raises(ValueError):
        Conteggi((-1,) + (0,) * 100, (0,) * 101)


def test_fasce_quinquennali():
    c = conteggi_da(m_0=1, f_4=2, m_5=3, m_99=4, f_100=5)
    fasce = c.fasce_quinquennali()
    assert len(fasce) == 21
    assert fasce[0] == ("0-4", 1, 2)
    assert fasce[1] == ("5-9", 3, 0)
    assert fasce[19] == ("95-99", 4, 0)
    assert fasce[20] == ("100+", 0, 5)


def test_ambito_ponderato_e_media_semplice_differiscono():
    grande = conteggi_da(m_10=1000, m_70=2000)  # IV 200
    piccolo = conteggi_da(m_10=100, m_70=50)  # IV 50
    t = engine.tabella([RigaComune("000001", "Grande", grande), RigaComune("000002", "Piccolo", piccolo)])
    assert engine.arrotonda(t.ambito.indici.indice_vecchiaia) == Decimal("186.36")  # 2050 / 1100
    assert t.media_comuni.indici.indice_vecchiaia == Decimal(125)  # (200 + 50) / 2
    assert t.ambito.popolazione == 3150


def test_media_sui_comuni_che_hanno_l_indice():
    senza_giovani = conteggi_da(m_70=10)
    t = engine.tabella(
        [
            RigaComune("000001", "A", conteggi_da(m_10=100, m_70=100)),
            RigaComune("000002", "B", senza_giovani),
        ]
    )
    assert t.comuni[1].indici.indice_vecchiaia is None
    assert t.media_comuni.indici.indice_vecchiaia == Decimal(100)


def test_natalita_ambito_none_se_un_comune_non_ha_nati():
    t = engine.tabella(
        [
            RigaComune("000001", "A", conteggi_da(m_30=1000), Movimenti(nati=10, morti=5)),
            RigaComune("000002", "B", conteggi_da(m_30=1000)),
        ]
    )
    assert t.comuni[0].indici.natalita == Decimal(10)
    assert t.ambito.indici.natalita is None
    assert t.media_comuni.indici.natalita == Decimal(10)


def test_comuni_fuori_totale_non_sommati():
    t = engine.tabella(
        [
            RigaComune("000001", "A", conteggi_da(m_10=100, m_70=100)),
            RigaComune("000002", "B", conteggi_da(m_10=100, m_70=300), nel_totale=False),
        ]
    )
    assert len(t.comuni) == 2
    assert t.ambito.indici.indice_vecchiaia == Decimal(100)
    assert t.media_comuni.indici.indice_vecchiaia == Decimal(100)


# --- properties ----------------------------------------------------------------------------

# Sparse: a few random ages carry counts (fast to generate, and zero denominators happen).
eta_conteggi = st.dictionaries(
    st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=5000), max_size=25
).map(lambda d: tuple(d.get(i, 0) for i in range(101)))
conteggi_st = st.builds(Conteggi, eta_conteggi, eta_conteggi)
# Every age at least 1: every structural index is defined.
conteggi_pieni = conteggi_st.map(
    lambda c: Conteggi(tuple(n + 1 for n in c.maschi), tuple(n + 1 for n in c.femmine))
)
INDICI_STRUTTURALI = engine.NOMI_INDICI[:5]


@settings(max_examples=200, deadline=None)
@given(conteggi_st, st.integers(min_value=1, max_value=1000))
def test_scalare_i_conteggi_non_cambia_gli_indici(c, k):
    scalato = Conteggi(tuple(n * k for n in c.maschi), tuple(n * k for n in c.femmine))
    mov = Movimenti(nati=7, morti=3)
    mov_k = Movimenti(nati=7 * k, morti=3 * k)
    assert engine.calcola_indici(c, mov) == engine.calcola_indici(scalato, mov_k)


@settings(max_examples=200, deadline=None)
@given(conteggi_st, st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=500))
def test_ambito_di_un_solo_comune_e_il_comune(c, nati, morti):
    t = engine.tabella([RigaComune("000001", "A", c, Movimenti(nati=nati, morti=morti))])
    assert t.ambito.indici == t.comuni[0].indici
    assert t.media_comuni.indici == t.comuni[0].indici


@settings(max_examples=200, deadline=None)
@given(st.lists(conteggi_pieni, min_size=2, max_size=6))
def test_ponderato_e_media_tra_minimo_e_massimo(lista):
    t = engine.tabella([RigaComune(f"{i:06d}", str(i), c) for i, c in enumerate(lista)])
    for nome in INDICI_STRUTTURALI:
        valori = [getattr(r.indici, nome) for r in t.comuni]
        ponderato = getattr(t.ambito.indici, nome)
        media = getattr(t.media_comuni.indici, nome)
        assert min(valori) <= ponderato <= max(valori)
        assert min(valori) <= media <= max(valori)


@settings(max_examples=200, deadline=None)
@given(st.lists(conteggi_st, min_size=1, max_size=5))
def test_somma_conserva_i_totali(lista):
    s = engine.somma(lista)
    assert s.totale == sum(c.totale for c in lista)
    assert s.femmine_tra(15, 49) == sum(c.femmine_tra(15, 49) for c in lista)


@settings(max_examples=200, deadline=None)
@given(conteggi_st, st.integers(min_value=0, max_value=500))
def test_classi_quinquennali_danno_gli_stessi_indici(c, nati):
    mov = Movimenti(nati=nati, morti=nati)
    q = c.quinquennali()
    assert q.totale == c.totale and q.fasce_quinquennali() == c.fasce_quinquennali()
    assert engine.calcola_indici(q, mov) == engine.calcola_indici(c, mov)


def test_classi_quinquennali_rifiutano_intervalli_non_allineati():
    q = conteggi_da(m_16=5).quinquennali()
    assert q.tra(15, 19) == 5
    with pytest.raises(ValueError, match="non è allineato"):
        q.tra(16, 18)
    with pytest.raises(ValueError):
        engine.somma([q, conteggi_da(m_16=5)])
