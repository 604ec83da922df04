import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ambito.catalogo import selectors, services
from ambito.catalogo.models import ContrattoServizio, Corrispondenza, Servizio, ServizioConferito
from ambito.core.models import EventoAudit

from .conftest import crea_comune

D = dt.date


@pytest.mark.django_db
def test_salva_servizio_valida_le_scelte_e_scrive_audit(ambito, servizio):
    assert (
        EventoAudit.objects.filter(azione="catalogo.servizio.creato", oggetto_id=str(servizio.pk)).count()
        == 1
    )
    with pytest.raises(ValidationError, match="unità di misura"):
        services.salva_servizio(ambito=ambito, codice="CAT", unita_misura="secoli")
    servizio.refresh_from_db()
    assert servizio.unita_misura == "casi"
    _, stato = services.salva_servizio(ambito=ambito, codice="CAT", nome="Centro affidi")
    assert stato == "invariati"
    _, stato = services.salva_servizio(ambito=ambito, codice="CAT", porta_costi_indiretti=False)
    assert stato == "aggiornati"
    evento = EventoAudit.objects.get(azione="catalogo.servizio.modificato")
    assert evento.prima["porta_costi_indiretti"] is True and evento.dopo["porta_costi_indiretti"] is False


@pytest.mark.django_db
def test_una_sola_corrispondenza_attiva_per_tabella(servizio):
    c = services.aggiungi_corrispondenza(
        servizio=servizio, tabella="siuss_codice_prestazione", codice="A2.02", valido_dal=D(2022, 1, 1)
    )
    with pytest.raises(ValidationError, match="c'è già il codice «A2.02»"):
        services.aggiungi_corrispondenza(
            servizio=servizio, tabella="siuss_codice_prestazione", codice="A2.11", valido_dal=D(2023, 1, 1)
        )
    # another table is independent
    services.aggiungi_corrispondenza(
        servizio=servizio, tabella="leps", codice="PIPPI", valido_dal=D(2022, 1, 1)
    )
    services.chiudi_corrispondenza(corrispondenza=c, valido_al=D(2022, 12, 31))
    services.aggiungi_corrispondenza(
        servizio=servizio, tabella="siuss_codice_prestazione", codice="A2.11", valido_dal=D(2023, 1, 1)
    )
    assert selectors.codice_per(servizio, "siuss_codice_prestazione", D(2022, 6, 30)).codice == "A2.02"
    assert selectors.codice_per(servizio, "siuss_codice_prestazione", D(2023, 1, 1)).codice == "A2.11"
    assert selectors.codice_per(servizio, "siuss_codice_prestazione", D(2021, 12, 31)) is None
    assert selectors.codice_per(servizio, "istat_macroarea", D(2023, 1, 1)) is None
    assert EventoAudit.objects.filter(azione="catalogo.corrispondenza.chiusa").count() == 1


@pytest.mark.django_db
def test_corrispondenza_con_codice_inesistente(servizio):
    with pytest.raises(ValidationError, match="il codice «A9.99» non esiste nella tabella"):
        services.aggiungi_corrispondenza(
            servizio=servizio, tabella="siuss_codice_prestazione", codice="A9.99", valido_dal=D(2022, 1, 1)
        )
    with pytest.raises(ValidationError, match="non esiste"):
        services.aggiungi_corrispondenza(
            servizio=servizio, tabella="xyz", codice="1", valido_dal=D(2022, 1, 1)
        )
    with pytest.raises(ValidationError, match="alla data 01/01/2020"):
        services.aggiungi_corrispondenza(
            servizio=servizio, tabella="leps", codice="PIPPI", valido_dal=D(2020, 1, 1)
        )
    assert not Corrispondenza.objects.exists()


@pytest.mark.django_db
def test_contratti_non_si_sovrappongono_per_lo_stesso_comune(ambito, comuni):
    mel = comuni["MEL"]
    services.crea_contratto(ambito=ambito, comune=mel, dal=D(2022, 1, 1), al=D(2024, 12, 31), numero="1/2022")
    with pytest.raises(
        ValidationError, match="Melegnano ha già un contratto di servizio dal 01/01/2022 al 31/12/2024"
    ):
        services.crea_contratto(ambito=ambito, comune=mel, dal=D(2024, 6, 1))
    services.crea_contratto(ambito=ambito, comune=mel, dal=D(2025, 1, 1))
    services.crea_contratto(ambito=ambito, comune=comuni["PAU"], dal=D(2022, 1, 1))
    with pytest.raises(ValidationError, match="precede l'inizio"):
        services.crea_contratto(ambito=ambito, comune=comuni["SGM"], dal=D(2022, 1, 1), al=D(2021, 1, 1))
    assert ContrattoServizio.objects.count() == 3
    assert EventoAudit.objects.filter(azione="catalogo.contratto.creato").count() == 3


@pytest.mark.django_db
def test_contratto_solo_con_comune_o_unione_dello_stesso_ambito(ambito, altro_ambito):
    asst = crea_comune(ambito, "ASST Melegnano", "", tipo="asst")
    with pytest.raises(ValidationError, match="Comune o un'Unione"):
        services.crea_contratto(ambito=ambito, comune=asst, dal=D(2022, 1, 1))
    estraneo = crea_comune(altro_ambito, "Milano", "015146")
    with pytest.raises(ValidationError, match="altro Ambito"):
        services.crea_contratto(ambito=ambito, comune=estraneo, dal=D(2022, 1, 1))
    unione = crea_comune(ambito, "Unione dei Comuni", "", tipo="unione")
    services.crea_contratto(ambito=ambito, comune=unione, dal=D(2022, 1, 1))
    assert ContrattoServizio.objects.count() == 1


@pytest.mark.django_db
def test_conferimenti_dentro_il_contratto_senza_sovrapposizioni_e_revoca(ambito, comuni, servizio):
    contratto = services.crea_contratto(
        ambito=ambito, comune=comuni["MEL"], dal=D(2022, 1, 1), al=D(2024, 12, 31)
    )
    with pytest.raises(ValidationError, match="non è compreso nel contratto"):
        services.conferisci_servizio(
            contratto=contratto, servizio=servizio, dal=D(2021, 6, 1), al=D(2022, 12, 31)
        )
    with pytest.raises(ValidationError, match="non è compreso nel contratto"):
        services.conferisci_servizio(
            contratto=contratto, servizio=servizio, dal=D(2023, 1, 1), al=D(2025, 1, 1)
        )
    conf = services.conferisci_servizio(
        contratto=contratto, servizio=servizio, dal=D(2023, 1, 1), quantita_annua=Decimal("12.5")
    )
    assert conf.al == D(2024, 12, 31)  # defaults to the contract's end
    with pytest.raises(ValidationError, match="già conferito dal 01/01/2023 al 31/12/2024"):
        services.conferisci_servizio(
            contratto=contratto, servizio=servizio, dal=D(2024, 1, 1), al=D(2024, 3, 31)
        )
    with pytest.raises(ValidationError, match="non può precedere"):
        services.revoca_conferimento(conferimento=conf, al=D(2022, 12, 31))
    services.revoca_conferimento(conferimento=conf, al=D(2023, 6, 30))
    conf.refresh_from_db()
    assert conf.al == D(2023, 6, 30)
    with pytest.raises(ValidationError, match="può solo anticiparne"):
        services.revoca_conferimento(conferimento=conf, al=D(2023, 12, 31))
    # after revocation the service can be conferred again later
    services.conferisci_servizio(contratto=contratto, servizio=servizio, dal=D(2024, 1, 1))
    assert ServizioConferito.objects.count() == 2
    evento = EventoAudit.objects.get(azione="catalogo.conferimento.revocato")
    assert evento.prima["al"] == "2024-12-31" and evento.dopo["al"] == "2023-06-30"
    # shortening the contract may not leave conferrals outside it
    with pytest.raises(ValidationError, match="uscirebbe dal periodo"):
        services.modifica_contratto(contratto=contratto, al=D(2023, 12, 31))


@pytest.mark.django_db
def test_servizio_di_altro_ambito_non_si_conferisce(ambito, altro_ambito, comuni):
    contratto = services.crea_contratto(ambito=ambito, comune=comuni["MEL"], dal=D(2022, 1, 1))
    estraneo = Servizio.objects.create(ambito=altro_ambito, codice="X", nome="Estraneo")
    with pytest.raises(ValidationError, match="altro Ambito"):
        services.conferisci_servizio(contratto=contratto, servizio=estraneo, dal=D(2023, 1, 1))
    assert not ServizioConferito.objects.exists()


@pytest.mark.django_db
def test_matrice_conferimenti(ambito, comuni, servizio, django_assert_num_queries):
    altro, _ = services.salva_servizio(ambito=ambito, codice="SAD", nome="SAD")
    services.salva_servizio(ambito=ambito, codice="OLD", nome="Dismesso", attivo=False)
    mel = services.crea_contratto(ambito=ambito, comune=comuni["MEL"], dal=D(2022, 1, 1), al=D(2024, 12, 31))
    pau = services.crea_contratto(ambito=ambito, comune=comuni["PAU"], dal=D(2023, 1, 1), al=D(2023, 12, 31))
    services.conferisci_servizio(contratto=mel, servizio=servizio, dal=D(2022, 1, 1))
    services.conferisci_servizio(contratto=mel, servizio=altro, dal=D(2023, 4, 1), al=D(2023, 9, 30))
    services.conferisci_servizio(contratto=pau, servizio=servizio, dal=D(2023, 1, 1))
    with django_assert_num_queries(3):
        m = selectors.matrice_conferimenti(ambito, 2023)
        [c.nome for c in m.comuni], [s.codice for s in m.servizi]
    assert [c.nome for c in m.comuni] == ["Melegnano", "Paullo"]
    assert [s.codice for s in m.servizi] == ["CAT", "SAD"]  # inactive and never conferred: hidden
    mel_id, pau_id = comuni["MEL"].pk, comuni["PAU"].pk
    assert m.cella(mel_id, servizio.pk).intero_anno
    parziale = m.cella(mel_id, altro.pk)
    assert not parziale.intero_anno and parziale.periodi == [(D(2023, 4, 1), D(2023, 9, 30))]
    assert m.cella(pau_id, altro.pk) is None
    assert m.per_comune == {mel_id: 2, pau_id: 1}
    assert m.per_servizio == {servizio.pk: 2, altro.pk: 1}
    # more data, same number of queries
    sgm = services.crea_contratto(ambito=ambito, comune=comuni["SGM"], dal=D(2023, 1, 1), al=D(2023, 12, 31))
    services.conferisci_servizio(contratto=sgm, servizio=altro, dal=D(2023, 1, 1))
    with django_assert_num_queries(3):
        m = selectors.matrice_conferimenti(ambito, 2023)
    assert len(m.comuni) == 3
    assert selectors.matrice_conferimenti(ambito, 2025).comuni == []
    assert selectors.anni_con_conferimenti(ambito, D(2026, 5, 1)) == [2022, 2023, 2024]
    assert selectors.anno_predefinito([2022, 2023, 2024], D(2026, 5, 1)) == 2024
    assert selectors.anno_predefinito([2022, 2023, 2024], D(2023, 5, 1)) == 2023
    assert selectors.anno_predefinito([], D(2026, 5, 1)) == 2026


@pytest.mark.django_db
def test_matrice_non_vede_altri_ambiti(ambito, altro_ambito, comuni, servizio):
    mel = services.crea_contratto(ambito=ambito, comune=comuni["MEL"], dal=D(2023, 1, 1))
    services.conferisci_servizio(contratto=mel, servizio=servizio, dal=D(2023, 1, 1))
    m = selectors.matrice_conferimenti(altro_ambito, 2023)
    assert m.comuni == [] and m.servizi == [] and m.celle == {}
