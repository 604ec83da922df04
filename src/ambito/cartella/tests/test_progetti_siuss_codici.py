"""SINA and SINBA code lists come from INPS's XSDs, with their labels, and validate input."""

from ambito.cartella import siuss_codici as s


def test_sina_code_lists_are_read_from_the_xsd_with_labels():
    mobilita = s.codici_attributo("sina", "Mobilita")
    assert list(mobilita) == ["1", "2", "3"]
    assert mobilita["1"] == "Si sposta da solo"
    assert list(s.codici_attributo("sina", "StrumentoValutazione")) == [str(n) for n in range(1, 8)]
    assert s.codici_attributo("sina", "StrumentoValutazione")["1"] == "SVAMA"
    assert list(s.codici_attributo("sina", "InvCiv")) == [str(n) for n in range(1, 9)]
    attr = s.attributi("sina")
    assert attr["Mobilita"].obbligatorio and not attr["DisturbiAreaCognitiva"].obbligatorio
    assert attr["InvCiv"].multiplo and not attr["InvCiv"].obbligatorio


def test_sinba_attributes_required_optional_enumerated_and_patterns():
    per_nome = {n: (obbl, codici) for n, obbl, codici in s.attributi_sinba()}
    assert per_nome["CondizioneMinore"][0] is True
    assert per_nome["CondizioneMinore"][1]["5"] == "Genitori ignoti"
    assert per_nome["TipoDisabilita"][0] is False
    assert per_nome["ComposizioneFamiglia"][1]["1"] == "Madre"
    # A pattern-typed attribute has no codes but is still checked.
    assert per_nome["DataPrimaSegnalazione"] == (True, {})
    assert s.attributi("sinba")["DataPrimaSegnalazione"].pattern.startswith("((0[1-9])")


def test_labels_with_broken_encoding_in_the_xsd_are_repaired():
    assert s._ripara("DisabilitÃ\xa0  e Non autosufficienza") == "Disabilità e Non autosufficienza"
    assert s.etichetta_attributo("MinoreStranieroNoAcc") == "Minore straniero non accompagnato"


def _sina_valida(**altro):
    dati = {
        "Mobilita": "1",
        "AttivitaVitaQuotidiana": "2",
        "DisturbiComportamentali": "1",
        "AreaReddituale": "1",
        "AreaSupporto": "2",
        "FonteDerivazioneValutazione": "1",
        "StrumentoValutazione": "1",
    }
    dati.update(altro)
    return dati


def test_valida_sina_accepts_valid_and_names_attribute_and_allowed_values():
    assert s.valida_sina(_sina_valida(InvCiv=["2", "5"], CodicePrestazione=["A1.01"])) == []
    errori = s.valida_sina(_sina_valida(Mobilita="9"))
    assert errori == [
        "SINA, «Mobilita» (Mobilità): il valore «9» non è ammesso; valori ammessi: "
        "1 (Si sposta da solo), 2 (Si Sposta Assistito), 3 (Non Si Sposta)."
    ]
    errori = s.valida_sina({k: v for k, v in _sina_valida().items() if k != "StrumentoValutazione"})
    assert len(errori) == 1 and "«StrumentoValutazione»" in errori[0] and "obbligatorio" in errori[0]
    assert "7 (Altro Sistema Di Codifica)" in errori[0]
    assert any("«InvCiv»" in e and "«9»" in e for e in s.valida_sina(_sina_valida(InvCiv=["9"])))
    assert any("«CodicePrestazione»" in e for e in s.valida_sina(_sina_valida(CodicePrestazione=["A1"])))
    assert s.valida_sina(_sina_valida(Inventato="1")) == ["SINA: attributo sconosciuto «Inventato»."]


def test_valida_sinba_enforces_required_attributes_and_patterns():
    errori = s.valida_sinba({})
    assert any("«CondizioneMinore»" in e and "obbligatorio" in e for e in errori)
    # Derived at export (birth year, age band...) are not required of the assessment...
    assert not any("«AnnoNascita»" in e for e in errori)
    # ...but they are in a complete record.
    assert any("«AnnoNascita»" in e for e in s.valida_sinba({}, completo=True))
    errori = s.valida_sinba({"DataPrimaSegnalazione": "13/2024"})
    assert any("«DataPrimaSegnalazione»" in e and "MM/AAAA" in e for e in errori)
    assert any("«NumeroComponentiISEE»" in e for e in s.valida_sinba({"NumeroComponentiISEE": "12"}))
