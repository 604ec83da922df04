"""genera_flussi / esporta_flussi on the case record: valid, idempotent, corrections, invalid."""

import datetime as dt

from lxml import etree

from ambito.cartella.services.erogazioni import correggi_erogazione
from ambito.flussi import engine as e
from ambito.flussi.models import FlussoSiuss, StatoFlusso
from ambito.flussi.services import esporta_flussi, genera_flussi

from .conftest import eroga

DAL, AL = dt.date(2024, 1, 1), dt.date(2024, 12, 31)


def genera(mondo):
    return genera_flussi(ambito=mondo.ambito, dal=DAL, al=AL, attore=None)


def test_valid_delivery_gives_one_prepared_flow_that_validates(mondo):
    erog = eroga(mondo)
    assert genera(mondo) == {"validi": 1, "invalidi": 0, "saltati": 0, "cancellazioni": 0}
    f = FlussoSiuss.objects.get()
    assert f.stato == StatoFlusso.PREPARATO and f.tipo_operazione == "I" and f.erogazione_id == erog.pk
    assert f.id_flusso.startswith("F100.PS.") and f.ts_flusso > 0 and f.errori == []
    xml = f.xml.encode()
    assert e.valida(e.PS, xml) == []
    assert f'Nome="{f.id_flusso}"'.encode() in xml and b'CodicePrestazione="A2.07"' in xml


def test_second_run_skips(mondo):
    eroga(mondo)
    genera(mondo)
    assert genera(mondo) == {"validi": 0, "invalidi": 0, "saltati": 1, "cancellazioni": 0}
    assert FlussoSiuss.objects.count() == 1


def test_corrected_delivery_cancels_and_inserts_again(mondo):
    erog = eroga(mondo)
    genera(mondo)
    vecchio = FlussoSiuss.objects.get()
    nuova = correggi_erogazione(erogazione=erog, motivo="importo errato", attore=None, importo="80.00",
                                quota_ente="80.00", finanziamenti=[(mondo.fnps, "80.00")])  # fmt: skip
    r = genera(mondo)
    assert r == {"validi": 2, "invalidi": 0, "saltati": 0, "cancellazioni": 1}
    c = FlussoSiuss.objects.get(tipo_operazione="C")
    assert c.annulla_id == vecchio.pk and c.stato == StatoFlusso.PREPARATO and c.erogazione_id == erog.pk
    assert c.id_flusso != vecchio.id_flusso and c.ts_flusso > vecchio.ts_flusso
    doc = etree.fromstring(c.xml.encode())
    assert [p.get("TipoOperazione") for p in doc.iter(f"{{{e.NS}}}PrestazioniSociali")] == ["C"]
    assert e.valida(e.PS, c.xml.encode()) == []
    ins = FlussoSiuss.objects.get(tipo_operazione="I", erogazione=nuova)
    assert ins.stato == StatoFlusso.PREPARATO and b'ImportoMensile="80.00"' in ins.xml.encode()
    # A third run changes nothing (the annulled delivery and its replacement are both skipped).
    assert genera(mondo) == {"validi": 0, "invalidi": 0, "saltati": 2, "cancellazioni": 0}
    assert FlussoSiuss.objects.count() == 3


def test_means_test_without_isee_is_invalid_with_field_and_link(mondo):
    erog = eroga(mondo, presenza_prova_mezzi="1")
    assert genera(mondo)["invalidi"] == 1
    f = FlussoSiuss.objects.get()
    assert f.stato == StatoFlusso.INVALIDO and f.id_flusso is None and f.ts_flusso is None
    problemi = {p["oggetto"]: p for p in f.errori}
    assert "NumeroProtocolloDSU" in problemi["isee"]["messaggio"]
    assert "ISEE" in problemi["isee"]["campo"]
    # The link target: the case and the intervention of the delivery.
    assert f.intervento_id == erog.intervento_id and f.caso_id == erog.intervento.caso_id


def test_invalid_flow_becomes_valid_when_fixed(mondo):
    erog = eroga(mondo, presenza_prova_mezzi="1")
    genera(mondo)
    erog.intervento.presenza_prova_mezzi = "4"
    erog.intervento.save()
    assert genera(mondo)["validi"] == 1
    f = FlussoSiuss.objects.get()  # updated in place, not duplicated
    assert f.stato == StatoFlusso.PREPARATO and f.id_flusso


def test_esporta_writes_files_that_validate(mondo, tmp_path):
    eroga(mondo)
    eroga(mondo)
    eroga(mondo, presenza_prova_mezzi="1")
    genera(mondo)
    r = esporta_flussi(ambito=mondo.ambito, cartella=tmp_path)
    assert r == {"validi": 2, "invalidi": 0, "lotti": 1}
    files = sorted((tmp_path / "PS_PSA_SINA").glob("*.xml"))
    lotti = sorted((tmp_path / "lotti").glob("*.xml"))
    assert len(files) == 2 and len(lotti) == 1
    for p in files + lotti:
        assert e.valida(e.PS, p.read_bytes()) == [], p
    lotto = etree.fromstring(lotti[0].read_bytes())
    assert len(list(lotto.iter(f"{{{e.NS}}}PrestazioniSociali"))) == 2


def test_short_siuss_names_are_completed_with_the_service_name():
    from ambito.flussi.engine import denominazione_prestazione

    assert denominazione_prestazione(
        {"denominazione_prestazione": "Altro", "servizio_nome": "Servizio sociale"}
    ) == ("Altro – Servizio sociale")
    lungo = "Assistenza domiciliare socio-assistenziale"
    assert denominazione_prestazione({"denominazione_prestazione": lungo, "servizio_nome": "SAD"}) == lungo


def _risultati(mondo):
    """Flows as comparable tuples: the id and name of a flow depend on the run, the rest does not."""
    return sorted(
        (f.tipo, f.chiave, f.stato, f.tipo_operazione, f.impronta, len(f.errori))
        for f in FlussoSiuss.objects.filter(ambito=mondo.ambito)
    )


def test_chunks_of_one_give_the_same_flows_as_one_chunk(mondo):
    """Streaming: the existing flows, assessments and SINBA keys are read per chunk of deliveries;
    a chunk of one delivery must give what a single chunk gives (SINBA once per case and code)."""
    import datetime as dt_

    minore = mondo.persona(cognome="Bianchi", nome="Luca", nascita=dt_.date(2015, 6, 1))
    caso = mondo.caso(servizio=mondo.sad, persona=minore, minori=True)
    for giorno in (5, 6, 7):  # three interventions of one case: one SINBA
        intervento = mondo.intervento(caso, erogatore=mondo.coop)
        eroga(mondo, intervento=intervento, data=dt_.date(2024, 4, giorno))
    eroga(mondo)
    eroga(mondo, presenza_prova_mezzi="1")
    atteso = genera_flussi(ambito=mondo.ambito, dal=DAL, al=AL, attore=None)
    righe = _risultati(mondo)
    assert [r for r in righe if r[0] == e.SINBA] and atteso["validi"] + atteso["invalidi"] == 6
    FlussoSiuss.objects.all().delete()
    assert genera_flussi(ambito=mondo.ambito, dal=DAL, al=AL, attore=None, blocco=1) == atteso
    assert _risultati(mondo) == righe
    # Idempotent across chunks too: only the invalid ones are rebuilt.
    r = genera_flussi(ambito=mondo.ambito, dal=DAL, al=AL, attore=None, blocco=2)
    assert r["validi"] == 0 and r["invalidi"] == atteso["invalidi"]


def test_esporta_groups_a_persons_deliveries_in_one_beneficiary_per_batch(mondo, tmp_path):
    """The batch is written incrementally, ordered by person: each codice fiscale appears once."""
    import datetime as dt_

    a = mondo.persona(cognome="Verdi", nome="Anna", sesso="F")
    b = mondo.persona(cognome="Neri", nome="Ugo")
    ca = mondo.caso(servizio=mondo.sad, persona=a)
    cb = mondo.caso(servizio=mondo.sad, persona=b)
    for giorno in (3, 4, 5):  # interleaved in time: a, b, a, b, ...
        eroga(mondo, intervento=mondo.intervento(ca, erogatore=mondo.coop), data=dt_.date(2024, 4, giorno))
        eroga(mondo, intervento=mondo.intervento(cb, erogatore=mondo.coop), data=dt_.date(2024, 4, giorno))
    genera(mondo)
    assert esporta_flussi(ambito=mondo.ambito, cartella=tmp_path) == {"validi": 6, "invalidi": 0, "lotti": 1}
    (lotto,) = (tmp_path / "lotti").glob("*.xml")
    assert not list((tmp_path / "lotti").glob("*.parziale"))
    doc = etree.fromstring(lotto.read_bytes())
    beneficiari = doc.findall(f"{{{e.NS}}}Beneficiario")
    assert len(beneficiari) == 2
    assert [len(x.findall(f"{{{e.NS}}}PrestazioniSociali")) for x in beneficiari] == [3, 3]
    assert e.valida(e.PS, lotto.read_bytes()) == []


def test_each_flow_is_what_the_engine_builds_from_its_row_alone(mondo):
    """genera_flussi maps a person's Beneficiario, an intervention's fixed part and an assessment's
    SINA once and copies them: each stored flow must still be, byte for byte, what the engine
    builds from that delivery's row alone (and its fingerprint the plain `impronta`), across
    persons interleaved in time, a change of residence, two interventions of one person (one
    invalid) and a UVM assessment."""
    from decimal import Decimal as D

    from ambito.cartella.models import Residenza, StatoApprovazione, TipoValutazione, Valutazione
    from ambito.cartella.selectors.erogazioni import erogazioni_per_siuss
    from ambito.cartella.services.erogazioni import registra_erogazione
    from ambito.flussi.selectors import enti_per_id
    from ambito.flussi.services import cf_operatore_predefinito, protocollo_domanda

    a = mondo.persona(cognome="Verdi", nome="Anna", sesso="F")
    b = mondo.persona(cognome="Neri", nome="Ugo")
    ca, cb = mondo.caso(servizio=mondo.sad, persona=a), mondo.caso(servizio=mondo.sad, persona=b)
    ia1 = mondo.intervento(ca, erogatore=mondo.coop)
    ia2 = mondo.intervento(ca, erogatore=mondo.coop)
    ia2.presenza_prova_mezzi = "1"  # means-tested without an ISEE: invalid
    ia2.save()
    ib = mondo.intervento(cb, erogatore=mondo.coop)
    Residenza.objects.filter(persona=b).update(al=dt.date(2024, 4, 15))
    Residenza.objects.create(
        ambito=mondo.ambito, persona=b, comune=mondo.altro_comune,
        codice_istat_comune=mondo.altro_comune.codice_istat, dal=dt.date(2024, 4, 16),
    )  # fmt: skip
    Valutazione.objects.create(
        ambito=mondo.ambito, caso=ca, tipo=TipoValutazione.UVM, data=dt.date(2024, 1, 10),
        stato=StatoApprovazione.APPROVATA, mobilita="1", attivita_vita_quotidiana="2",
        disturbi_area_cognitiva="1", disturbi_comportamentali="1", necessita_cure_sanitarie="1",
        area_reddituale="1", area_supporto="2", fonte_derivazione_valutazione="1",
        strumento_valutazione="1", invalidita_civile=["1"], necessita_interventi=["A2.02"],
    )  # fmt: skip
    for mese in (3, 4, 5, 6):  # interleaved in time: a, b, a, a, b, a, ...
        for intervento in (ia1, ib, ia2):
            giorno = dt.date(2024, mese, 1)
            registra_erogazione(
                intervento=intervento, dal=giorno, al=giorno, data_erogazione=giorno, quantita="1",
                importo=f"{mese}.50", quota_ente=f"{mese}.50", finanziamenti=[(mondo.fnps, D(f"{mese}.50"))],
                attore=None,
            )  # fmt: skip
    r = genera(mondo)
    assert r == {"validi": 8, "invalidi": 4, "saltati": 0, "cancellazioni": 0}

    enti = enti_per_id(mondo.ambito)
    flussi = {f.chiave: f for f in FlussoSiuss.objects.filter(ambito=mondo.ambito, tipo=e.PS)}
    residenze = set()
    for riga in erogazioni_per_siuss(mondo.ambito, DAL, AL):
        riga["protocollo_domanda"] = protocollo_domanda(mondo.ambito, riga)
        ente, _ = e.ente_flusso(enti[riga["comune_responsabile_id"]], cf_operatore_predefinito(None))
        beneficiario, _ = e.beneficiario_da_riga(riga)
        v = Valutazione.objects.filter(caso_id=riga["caso_id"], tipo=TipoValutazione.UVM).values().first()
        prestazione, _ = e.prestazione_da_riga(riga, sina=e.sina_da_valutazione(v) if v else None)
        f = flussi[f"E{riga['erogazione_id']}"]
        assert f.impronta == e.impronta(
            {"ente": ente, "beneficiario": beneficiario, "prestazione": prestazione}
        )
        nome = f.id_flusso or "PROVVISORIO"
        assert f.xml == e.xml_ps(nome, ente, [dict(beneficiario, Prestazioni=[prestazione])]).decode()
        residenze.add((riga["persona_id"], riga["residenza_istat"]))
        assert (b"<SINA " in f.xml.encode()) == (riga["persona_id"] == a.pk)
    assert (b.pk, mondo.altro_comune.codice_istat) in residenze and len(residenze) == 3


def test_postgresql_statistics_renewed_during_a_long_generation(mondo, monkeypatch):
    """On PostgreSQL a generation renews the flows' planner statistics once it has written
    ANALISI_DOPO flows (inside its own transaction: autovacuum cannot), so that each chunk's
    lookup of keys uses the key index instead of scanning all the Ambito's flows. SQLite, whose
    planner prefers the key index anyway, is left alone."""
    from django.db import connection

    from ambito.flussi import services

    monkeypatch.setattr(services, "ANALISI_DOPO", 2)
    for giorno in (3, 4, 5):
        eroga(mondo, data=dt.date(2024, 4, giorno))
    tabella = FlussoSiuss._meta.db_table
    if connection.vendor == "postgresql":
        sql = "SELECT reltuples FROM pg_class WHERE relname = %s"
    else:  # rows of sqlite_stat1 for the table (the table exists once any ANALYZE ran)
        sql = "SELECT count(*) FROM sqlite_master m WHERE m.name = 'sqlite_stat1' AND %s <> ''"
    with connection.cursor() as cur:
        cur.execute(sql, [tabella])
        prima = cur.fetchone()[0]
        assert genera(mondo)["validi"] == 3
        cur.execute(sql, [tabella])
        dopo = cur.fetchone()[0]
    if connection.vendor == "postgresql":
        assert prima <= 0 and dopo == 3
    else:
        assert prima == dopo == 0


def test_a_failed_write_stores_nothing(mondo, monkeypatch):
    """The chunks' flows are written while the next chunk is built (a second thread on
    PostgreSQL): a write that fails raises in the generation and nothing of the run is stored,
    the flows already written by earlier chunks included."""
    import pytest

    from ambito.flussi import services

    for giorno in (3, 4, 5):
        eroga(mondo, data=dt.date(2024, 4, giorno))
    originale = services._Inserimento.scrivi_righe
    scritture = []

    def seconda_fallisce(self, cur, righe):
        scritture.append(len(righe))
        if len(scritture) == 2:
            raise RuntimeError("scrittura non riuscita")
        return originale(self, cur, righe)

    monkeypatch.setattr(services._Inserimento, "scrivi_righe", seconda_fallisce)
    with pytest.raises(RuntimeError, match="scrittura non riuscita"):
        genera_flussi(ambito=mondo.ambito, dal=DAL, al=AL, attore=None, blocco=1)
    assert scritture == [1, 1] and not FlussoSiuss.objects.filter(ambito=mondo.ambito).exists()
    monkeypatch.setattr(services._Inserimento, "scrivi_righe", originale)
    assert genera(mondo)["validi"] == 3  # the connection is usable and the run can be repeated
