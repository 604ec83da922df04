"""Edits of a draft version's inputs (services_input): each edit changes the right cells, through
`ricalcola_versione`, audited; bad values and approved versions change nothing."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from ambito.core.models import EventoAudit
from ambito.gestione import services
from ambito.gestione import services_input as si
from ambito.gestione.models import QuotaRiparto, StatoVersione, TipoVersione, VersioneBilancio, VoceRiparto

from .conftest import ESEMPIO

MELEGNANO, PAULLO, SAN_GIULIANO = "015140", "015169", "015195"
DATA = "2022-01-01"


@pytest.fixture
def v(ambito, comuni):
    return services.importa_riparto(
        ambito=ambito, file=ESEMPIO, esercizio=2023, versione="preventivo", attore=None
    )


def _quote(v, campo="importo"):
    return {
        (q.comune.codice_istat, q.voce.codice): getattr(q, campo)
        for q in QuotaRiparto.objects.filter(versione=v).select_related("comune", "voce")
    }


def _spiegazioni(v):
    return {
        (q.comune.codice_istat, q.voce.codice): q.spiegazione
        for q in QuotaRiparto.objects.filter(versione=v).select_related("comune", "voce")
    }


def _eventi(v, prefisso="gestione.modifica_"):
    return EventoAudit.objects.filter(oggetto_id=str(v.pk), azione__startswith=prefisso)


# --- parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("testo", "atteso"),
    [
        ("110.000", D(110000)),
        ("1.234,56", D("1234.56")),
        ("1234,5", D("1234.5")),
        ("24895.27", D("24895.27")),
        (" 39253 ", D(39253)),
        ("1.234.567", D(1234567)),
        ("0,14", D("0.14")),
        ("100 €", D(100)),
    ],
)
def test_numero_all_italiana(testo, atteso):
    assert si.numero(testo, "x") == atteso


@pytest.mark.parametrize("testo", ["", "abc", "-5", "1,2,3", "NaN", "inf", "1e5", "12,345", "1" * 14])
def test_numero_rifiutato(testo):
    with pytest.raises(ValidationError):
        si.numero(testo, "x")


def test_numero_intero_e_decimali():
    with pytest.raises(ValidationError, match="intero"):
        si.numero("10,5", "abitanti", decimali=0, intero=True)
    assert si.numero("10,50", "x") == D("10.5")


# --- costs --------------------------------------------------------------------------------------


def test_costo_cambia_solo_la_colonna_del_servizio(v):
    prima = _quote(v)
    esito = si.modifica_costo(versione=v, servizio="CAT", costo="131.517", attore=None)
    dopo = _quote(v)
    cambiati = {k for k in dopo if dopo[k] != prima[k]}
    assert cambiati and {s for _c, s in cambiati} == {"CAT"}
    assert sum(dopo[k] - prima[k] for k in dopo) == D(10000)
    assert VoceRiparto.objects.get(versione=v, codice="CAT").costi_diretti == D(131517)
    assert esito.descrizione == "Costo diretto di CAT: 121.517,00 € → 131.517,00 €"
    assert esito.messaggio.startswith(esito.descrizione + ". Ricalcolato: San Giuliano Milanese +")
    ev = _eventi(v).get()
    assert ev.azione == "gestione.modifica_costo"
    assert ev.dopo["dettagli"] == {
        "servizio": "CAT",
        "campo": "costo_diretto",
        "prima": "121517",
        "dopo": "131517",
    }
    assert ev.prima["totali_comuni"][MELEGNANO] != ev.dopo["totali_comuni"][MELEGNANO]


def test_stesso_modulo_due_volte_stesso_risultato(v):
    si.modifica_costo(versione=v, servizio="CAT", costo="131517", attore=None)
    una = _quote(v)
    esito = si.modifica_costo(versione=v, servizio="CAT", costo="131.517,00", attore=None)
    assert not esito.cambiato and "nulla da ricalcolare" in esito.messaggio
    assert _quote(v) == una
    assert _eventi(v).count() == 1


@pytest.mark.parametrize(
    ("servizio", "valore", "messaggio"),
    [
        ("CAT", "centomila", "non è un numero"),
        ("CAT", "-1", "negativo"),
        ("CAT", "", "indicare un valore"),
        ("NON_CE", "100", "Servizio sconosciuto"),
        ("CAT", "0", "superano il costo totale"),  # the engine's refusal: funds exceed the cost
    ],
)
def test_costo_errato_non_cambia_nulla(v, servizio, valore, messaggio):
    prima = _quote(v)
    with pytest.raises(ValidationError, match=messaggio):
        si.modifica_costo(versione=v, servizio=servizio, costo=valore, attore=None)
    assert _quote(v) == prima
    assert not _eventi(v).exists()


def test_versione_approvata_rifiutata(v):
    services.approva_versione(versione=v, attore=None)
    prima = _quote(v)
    with pytest.raises(ValidationError, match="duplicarla per modificarla"):
        si.modifica_costo(versione=v, servizio="CAT", costo="1", attore=None)
    with pytest.raises(ValidationError, match="approvata"):
        si.modifica_popolazione(versione=v, data=DATA, comune=MELEGNANO, abitanti="1", attore=None)
    assert _quote(v) == prima


def test_costi_indiretti_speciali_e_aliquota(v):
    # CAT carries a special overhead; without it, and with a rate, CAT's overhead is rate × direct
    si.modifica_costi_indiretti_servizio(versione=v, servizio="CAT", importo="", attore=None)
    assert VoceRiparto.objects.get(versione=v, codice="CAT").costi_indiretti == 0
    esito = si.modifica_costi_indiretti(versione=v, tipo="aliquota", valore="0,1", attore=None)
    assert esito.descrizione == "Costi indiretti: nessuno → aliquota 0,1"
    assert VoceRiparto.objects.get(versione=v, codice="CAT").costi_indiretti == D("12151.7")
    assert VoceRiparto.objects.get(versione=v, codice="III_POLO").costi_indiretti == D(54042)  # special
    si.modifica_costi_indiretti(versione=v, tipo="monte", valore="50000", attore=None)
    assert VoceRiparto.objects.get(versione=v, codice="CAT").costi_indiretti == D(50000)  # the only one
    assert {e.azione for e in _eventi(v)} == {"gestione.modifica_costi_indiretti"}
    with pytest.raises(ValidationError, match="tra 0 e 1"):
        si.modifica_costi_indiretti(versione=v, tipo="aliquota", valore="14", attore=None)
    with pytest.raises(ValidationError, match="non valido"):
        si.modifica_costi_indiretti(versione=v, tipo="a_occhio", valore="1", attore=None)


# --- population ---------------------------------------------------------------------------------


def test_popolazione_proporzionalita_capitaria(v):
    prima, sp_prima = _quote(v, "non_arrotondato"), _spiegazioni(v)
    assert sp_prima[(MELEGNANO, "CAT")]["parti"][0]["peso"] == "17972"
    esito = si.modifica_popolazione(versione=v, data=DATA, comune=MELEGNANO, abitanti="20.000", attore=None)
    assert esito.descrizione == "Abitanti di Melegnano al 2022-01-01: 17.972 → 20.000"
    dopo, sp = _quote(v, "non_arrotondato"), _spiegazioni(v)
    parte = sp[(MELEGNANO, "CAT")]["parti"][0]
    assert (parte["descrizione"], D(parte["peso"])) == ("abitanti", D(20000))
    assert D(parte["totale_pesi"]) == D(sp_prima[(MELEGNANO, "CAT")]["parti"][0]["totale_pesi"]) + 2028
    # every per-capita service at that date: Melegnano pays more, every other Comune less
    for servizio in ("CAT", "III_POLO", "CSIOL", "UDP"):
        assert dopo[(MELEGNANO, servizio)] > prima[(MELEGNANO, servizio)]
        altri = [c for c, s in dopo if s == servizio and c != MELEGNANO]
        assert altri and all(dopo[(c, servizio)] < prima[(c, servizio)] for c in altri)
    # services split by consumption do not move
    assert all(dopo[k] == prima[k] for k in dopo if k[1] in ("SAD", "CDD", "AES"))
    ev = _eventi(v).get()
    assert ev.azione == "gestione.modifica_popolazione"
    assert ev.dopo["dettagli"] == {"data": DATA, "comune": MELEGNANO, "prima": "17972", "dopo": "20000"}
    assert D(ev.dopo["totali_comuni"][MELEGNANO]) > D(ev.prima["totali_comuni"][MELEGNANO])


@pytest.mark.parametrize(
    ("data", "comune", "abitanti", "messaggio"),
    [
        ("2021-01-01", MELEGNANO, "100", "Data di riferimento sconosciuta"),
        (DATA, "999999", "100", "Comune sconosciuto"),
        (DATA, MELEGNANO, "100,5", "intero"),
        (DATA, MELEGNANO, "-3", "negativo"),
        (DATA, MELEGNANO, "molti", "non è un numero"),
    ],
)
def test_popolazione_errata_non_cambia_nulla(v, data, comune, abitanti, messaggio):
    prima = _quote(v)
    with pytest.raises(ValidationError, match=messaggio):
        si.modifica_popolazione(versione=v, data=data, comune=comune, abitanti=abitanti, attore=None)
    assert _quote(v) == prima
    assert services.dati_versione(v).popolazione[DATA][MELEGNANO] == D(17972)


# --- funds --------------------------------------------------------------------------------------


def test_fondo_vincolato_tocca_solo_i_suoi_comuni(v):
    prima = _quote(v, "non_arrotondato")
    si.modifica_fondo(versione=v, servizio="EDU_III_POLO", fondo="FSR_PAULLO", importo="5000", attore=None)
    dopo = _quote(v, "non_arrotondato")
    cambiati = {k for k in dopo if dopo[k] != prima[k]}
    assert cambiati == {(PAULLO, "EDU_III_POLO")}
    assert dopo[(PAULLO, "EDU_III_POLO")] - prima[(PAULLO, "EDU_III_POLO")] == D(5625)
    f = next(f for f in services.dati_versione(v).fondi if f.codice == "FSR_PAULLO")
    assert f.comuni == frozenset({PAULLO})


def test_fondo_nuovo_vincolato_resta_vincolato_e_si_toglie(v):
    prima = _quote(v, "non_arrotondato")
    esito = si.modifica_fondo(versione=v, servizio="CAT", fondo="fsr_paullo", importo="1000", attore=None)
    assert esito.descrizione == "Fondo FSR_PAULLO su CAT (vincolato a Paullo): nuovo → 1.000,00 €"
    dopo = _quote(v, "non_arrotondato")
    assert {k for k in dopo if dopo[k] != prima[k]} == {(PAULLO, "CAT")}
    nuovo = [f for f in services.dati_versione(v).fondi if (f.codice, f.servizio) == ("FSR_PAULLO", "CAT")]
    assert nuovo[0].comuni == frozenset({PAULLO})
    si.rimuovi_fondo(versione=v, servizio="CAT", fondo="FSR_PAULLO", attore=None)
    assert _quote(v, "non_arrotondato") == prima
    with pytest.raises(ValidationError, match="nulla da togliere"):  # the removal posted twice
        si.rimuovi_fondo(versione=v, servizio="CAT", fondo="FSR_PAULLO", attore=None)
    assert [e.azione for e in _eventi(v)] == ["gestione.modifica_fondo"] * 2


def test_fondo_generale_abbassa_tutti_i_comuni_del_servizio(v):
    prima = _quote(v)
    si.modifica_fondo(versione=v, servizio="CAT", fondo="FNPS", importo="20000", attore=None)
    dopo = _quote(v)
    assert all(dopo[k] < prima[k] for k in dopo if k[1] == "CAT")
    assert sum(prima[k] - dopo[k] for k in dopo) == D(20000)


@pytest.mark.parametrize(
    ("fondo", "importo", "messaggio"),
    [("FNPS", "-1", "negativo"), ("", "1", "Codice del fondo"), ("FNPS", "10000000", "superano")],
)
def test_fondo_errato_non_cambia_nulla(v, fondo, importo, messaggio):
    prima = _quote(v)
    with pytest.raises(ValidationError, match=messaggio):
        si.modifica_fondo(versione=v, servizio="CAT", fondo=fondo, importo=importo, attore=None)
    assert _quote(v) == prima


# --- consumption --------------------------------------------------------------------------------


def test_consumo_cambia_solo_il_servizio(v):
    prima = _quote(v)
    si.modifica_consumo(versione=v, servizio="SAD", comune=MELEGNANO, unita="80000", attore=None)
    dopo = _quote(v)
    assert {s for _c, s in (k for k in dopo if dopo[k] != prima[k])} == {"SAD"}
    assert dopo[(MELEGNANO, "SAD")] > prima[(MELEGNANO, "SAD")]
    assert _spiegazioni(v)[(MELEGNANO, "SAD")]["parti"][0]["peso"] == "80000"
    assert _eventi(v).get().azione == "gestione.modifica_consumo"


def test_consumo_errato(v):
    with pytest.raises(ValidationError, match="non conferisce"):
        si.modifica_consumo(versione=v, servizio="SAD", comune=PAULLO, unita="1", attore=None)
    with pytest.raises(ValidationError, match="non si ripartisce al consumo"):
        si.modifica_consumo(versione=v, servizio="CAT", comune=MELEGNANO, unita="1", attore=None)
    assert not _eventi(v).exists()


# --- copy ---------------------------------------------------------------------------------------


def test_copia_versione_approvata_in_bozza(v, ambito):
    services.approva_versione(versione=v, attore=None)
    copia = si.copia_versione(
        versione=v, nome="Assestamento al 30/06", tipo=TipoVersione.ASSESTAMENTO, attore=None
    )
    assert copia.pk != v.pk and copia.esercizio_id == v.esercizio_id
    assert copia.stato == StatoVersione.BOZZA and copia.tipo == TipoVersione.ASSESTAMENTO
    assert _quote(copia) == _quote(v)
    assert EventoAudit.objects.filter(azione="gestione.copia_versione", oggetto_id=str(copia.pk)).exists()
    si.modifica_costo(versione=copia, servizio="CAT", costo="200000", attore=None)
    assert _quote(copia) != _quote(v)
    assert VoceRiparto.objects.get(versione=v, codice="CAT").costi_diretti == D(121517)
    with pytest.raises(ValidationError, match="Esiste già"):  # the copy form posted twice
        si.copia_versione(versione=v, nome="assestamento al 30/06", tipo="assestamento", attore=None)
    with pytest.raises(ValidationError, match="Tipo"):
        si.copia_versione(versione=v, nome="X", tipo="bilancio", attore=None)
    assert VersioneBilancio.objects.filter(esercizio=v.esercizio).count() == 2


def test_tipo_successivo():
    assert si.tipo_successivo("preventivo") == "assestamento"
    assert si.tipo_successivo("preconsuntivo") == "consuntivo"
    assert si.tipo_successivo("consuntivo") == "consuntivo"
