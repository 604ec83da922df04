"""The pure engine: a typical delivery validates, a missing attribute is named, SINBA ids."""

import datetime as dt
from decimal import Decimal as D

from ambito.flussi import engine as e

RIGA = dict(
    erogazione_id=1, intervento_id=2, codice_fiscale="RSSMRA50C01F205X", cf_temporaneo=False,
    cognome="Rossi", nome="Mario", anno_nascita=1950, codice_belfiore_nascita="F205", genere="1",
    cittadinanza="100", residenza_istat="015140", presenza_prova_mezzi="1", carattere_prestazione="1",
    codice_prestazione="A1.04", denominazione_prestazione="Contributi economici a integrazione del reddito",
    protocollo_domanda="PROT-9", presa_in_carico=True, area_utenza="3",
    isee_protocollo_dsu="INPS-ISEE-2024-00000123-00", anno_dsu=2024, isee_data_dsu=dt.date(2024, 1, 15),
    dal=dt.date(2024, 3, 1), al=dt.date(2024, 3, 31), data_erogazione=dt.date(2024, 4, 5),
    importo=D("240.00"), quota_ente=D("200.00"), quota_utente=D("30.00"), quota_ssn=D("10.00"),
    unita_misura="casi", quantita=D("12"),
)  # fmt: skip
ENTE = {"nome": "Comune di Melegnano", "codice_catastale": "F100", "codice_fiscale": "01234567890"}


def _flusso(riga, **kw):
    b, pb = e.beneficiario_da_riga(riga)
    p, pp = e.prestazione_da_riga(riga, **kw)
    ente, pe = e.ente_flusso(ENTE)
    nome = e.id_flusso("F100", e.PS, dt.date(2025, 1, 2), 7)
    return e.xml_ps(nome, ente, [dict(b, Prestazioni=[p])]), pb + pp + pe


def test_typical_delivery_validates():
    xml, problemi = _flusso(RIGA)
    assert problemi == [] and e.valida(e.PS, xml) == []
    assert b'Nome="F100.PS.20250102.0000007"' in xml
    assert b'CodiceCittadinanza="380"' in xml and b'CodiceRegione="03"' in xml


def test_sina_validates():
    sina = e.sina_da_valutazione(
        dict(mobilita="1", attivita_vita_quotidiana="2", disturbi_comportamentali="1", area_reddituale="1",
             area_supporto="2", fonte_derivazione_valutazione="1", strumento_valutazione="1",
             invalidita_civile=["1"], necessita_interventi=["A2.02"])
    )  # fmt: skip
    xml, _ = _flusso(RIGA, sina=sina)
    assert e.valida(e.PS, xml) == [] and b"<InvCiv>1</InvCiv>" in xml


def test_missing_required_attribute_is_named():
    xml, problemi = _flusso(dict(RIGA, protocollo_domanda="", area_utenza="4"))
    msgs = e.messaggi(e.valida(e.PS, xml))
    assert "Elemento PrestazioniSociali, attributo ProtocolloDomanda: attributo obbligatorio mancante" in msgs
    assert any(m.startswith("Elemento PrestazioniSociali, attributo AreaUtenza:") for m in msgs)
    assert [p.oggetto for p in problemi] == ["intervento"]


def test_sinba_id_stable_and_keyed():
    a = e.id_beneficiario_sinba("RSSMRA10C01F205X", b"chiave-1")
    assert a == e.id_beneficiario_sinba("rssmra10c01f205x", b"chiave-1")
    assert a != e.id_beneficiario_sinba("RSSMRA10C01F205X", b"chiave-2")
    assert len(a) == 20 and "RSSMRA" not in a


def test_trees_share_no_state_and_serialise_as_the_bytes():
    """Two flows of one Ente are copies of one header template: naming one leaves the other (and
    the next flows) alone, and the tree serialises to what `xml_ps` returns."""
    b, _ = e.beneficiario_da_riga(RIGA)
    p, _ = e.prestazione_da_riga(RIGA)
    ente, _ = e.ente_flusso(ENTE)
    uno = e.documento_ps("PROVVISORIO", ente, [dict(b, Prestazioni=[p])])
    due = e.documento_ps("PROVVISORIO", ente, [dict(b, Prestazioni=[p])])
    assert e.valida_documento(e.PS, uno) == []
    e.imposta_nome(uno, "F100.PS.20250102.0000001")
    assert b'Nome="F100.PS.20250102.0000001"' in e.serializza(uno)
    assert b'Nome="PROVVISORIO"' in e.serializza(due)
    tre = e.documento_ps("PROVVISORIO", ente, [])
    assert b'Nome="PROVVISORIO"' in e.serializza(tre) and len(tre) == 1
    assert e.serializza(due) == e.xml_ps("PROVVISORIO", ente, [dict(b, Prestazioni=[p])])


def test_impronta_di_parti_is_the_impronta_of_the_whole():
    ente = {"Codice": "F205", "Denominazione": "Comune", "Indirizzo": "F205", "CFOperatore": "X"}
    beneficiario = {"CodiceFiscale": "RSSMRA50C01F205X", "Anagrafica": {"AnnoNascita": 1950, "Nome": "È"}}
    prestazione = {"DataErogazionePrestazione": dt.date(2024, 4, 5), "ImportoPrestazione": D("240.00")}
    intero = {"ente": ente, "beneficiario": beneficiario, "prestazione": prestazione}
    parti = {k: e.json_impronta(v) for k, v in intero.items()}
    assert e.impronta_di_parti(parti) == e.impronta(intero)
    assert (
        e.impronta(intero)
        == e.hashlib.sha256(
            e.json.dumps(
                intero, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":")
            ).encode()
        ).hexdigest()
    )


def test_mappings_read_only_their_declared_keys():
    """A generation maps a person's Beneficiario and an intervention's part of PrestazioniSociali
    once, keyed by CAMPI_BENEFICIARIO and CAMPI_PRESTAZIONE_FISSA: the mappings must read nothing
    else, or two rows equal on the key could need different flows."""
    riga = dict(RIGA, seconda_cittadinanza="201", servizio_nome="Servizio di assistenza domiciliare")
    solo = lambda campi: {k: riga[k] for k in campi}  # noqa: E731
    assert e.beneficiario_da_riga(solo(e.CAMPI_BENEFICIARIO)) == e.beneficiario_da_riga(riga)
    assert e.prestazione_fissa(solo(e.CAMPI_PRESTAZIONE_FISSA)) == e.prestazione_fissa(riga)
    assert e.chiave_beneficiario(riga) == tuple(riga[k] for k in e.CAMPI_BENEFICIARIO)
    # Each field of the key changes the mapping or is read by it (none is left over).
    for k in e.CAMPI_BENEFICIARIO:
        v = riga[k]
        altro = (not v) if isinstance(v, bool) else v + 1 if isinstance(v, int) else "999999"
        assert e.beneficiario_da_riga(dict(riga, **{k: altro})) != e.beneficiario_da_riga(riga), k


def test_prestazione_is_the_interventions_part_then_the_deliverys():
    """prestazione_da_riga = prestazione_fissa + prestazione_variabile, attributes in the same
    order (the XML's) and problems in the same order, for both kinds of benefit."""
    for riga in (RIGA, dict(RIGA, carattere_prestazione="2", importo=D("0"), isee_protocollo_dsu="",
                                protocollo_domanda="", codice_prestazione=None)):  # fmt: skip
        p, problemi = e.prestazione_da_riga(riga)
        fissa, prima, dopo = e.prestazione_fissa(riga)
        variabile, pv = e.prestazione_variabile(riga)
        assert list(p.items()) == list(fissa.items()) + list(variabile.items())
        assert problemi == prima + pv + dopo
    assert [x.attributo for x in problemi] == [
        "NumeroProtocolloDSU", "ImportoPrestazione", "CodicePrestazione", "ProtocolloDomanda"
    ]  # fmt: skip


def test_flow_from_the_interventions_template_is_byte_identical():
    """documento_da_modello_prestazione (the person's and intervention's template, SINA included,
    copied; the delivery's attributes appended) serialises as documento_ps, and a copy shares
    nothing with the template."""
    sina = e.sina_da_valutazione(
        dict(mobilita="1", attivita_vita_quotidiana="2", disturbi_comportamentali="1", area_reddituale="1",
             area_supporto="2", fonte_derivazione_valutazione="1", strumento_valutazione="1",
             invalidita_civile=["1", "2"], necessita_interventi=["A2.02"])
    )  # fmt: skip
    b, _ = e.beneficiario_da_riga(RIGA)
    ente, _ = e.ente_flusso(ENTE)
    nome = "F100.PS.20250102.0000009"
    for riga, s in ((RIGA, None), (RIGA, sina), (dict(RIGA, carattere_prestazione="2"), sina)):
        p, _ = e.prestazione_da_riga(riga, sina=s)
        atteso = e.xml_ps(nome, ente, [dict(b, Prestazioni=[p])])
        fissa, _, _ = e.prestazione_fissa(riga)
        modello = e.modello_prestazione(ente, b, e.testi_xsd(fissa), e.elemento_sina(s) if s else None)
        for _volta in (1, 2):  # the template is left as it was
            doc = e.documento_da_modello_prestazione(
                nome, modello, e.testi_xsd(e.prestazione_variabile(riga)[0])
            )
            assert e.serializza(doc) == atteso
            assert e.valida_documento(e.PS, doc) == []
        assert modello[0].get("Nome") == "-" and "ImportoQuotaEnte" not in modello[1][-1].attrib


def test_json_impronta_is_json_dumps():
    for dati in (
        "È così",
        {"b": [1, "x", None, True], "a": {"z": D("1.50"), "y": dt.date(2024, 1, 2)}, "è": '\u00e8\n"q"'},
        [D("-0"), 3, 2.5],
    ):
        assert e.json_impronta(dati) == e.json.dumps(
            dati, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":")
        )


def test_prefisso_impronta_ends_as_impronta_di_parti():
    ente, beneficiario, prestazione = '{"Codice":"F205"}', '{"CodiceFiscale":"X"}', '{"A":"1"}'
    prefisso = e.prefisso_impronta({"ente": ente, "beneficiario": beneficiario}, "prestazione")
    assert e.impronta_da_prefisso(prefisso, prestazione) == e.impronta_di_parti(
        {"ente": ente, "beneficiario": beneficiario, "prestazione": prestazione}
    )
    try:
        e.prefisso_impronta({"zeta": ente}, "prestazione")
    except ValueError as exc:
        assert "deve seguire" in str(exc)
    else:
        raise AssertionError("a part sorting after the last one must be refused")


def test_modello_json_gives_the_text_of_json_impronta():
    """A generation encodes an intervention's fixed attributes (and SINA) once and fills in each
    delivery's values: the text must be json_impronta's, so that fingerprints never change."""
    sina = e.sina_da_valutazione(dict(mobilita="1", invalidita_civile=["1"], necessita_interventi=["A2.02"]))
    righe = (
        RIGA,
        dict(RIGA, carattere_prestazione="2", importo=D("1E+2"), quota_utente=D("0.5"), quota_ssn=None),
        dict(RIGA, al=dt.date(2025, 1, 31), unita_misura="ore", quantita=D("12.50"), cognome="D'Àngelo"),
    )
    for riga in righe:
        for s in (None, sina):
            p, _ = e.prestazione_da_riga(riga, sina=s)
            fissa, _, _ = e.prestazione_fissa(riga)
            variabile, _ = e.prestazione_variabile(riga)
            modello = e.ModelloJson({**fissa, "SINA": s} if s else fissa, variabile)
            assert modello.testo(variabile) == e.json_impronta(p)
    try:
        e.ModelloJson({"A": 1}, ["A"])
    except ValueError as exc:
        assert "sia fissa sia variabile" in str(exc)
    else:
        raise AssertionError("a key both fixed and variable must be refused")
