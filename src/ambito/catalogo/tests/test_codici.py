import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from ambito.catalogo import selectors, services
from ambito.catalogo.models import TabellaCodici, VoceCodice
from ambito.core.models import EventoAudit


@pytest.mark.django_db
def test_la_migrazione_carica_le_tabelle_nazionali():
    codici = set(TabellaCodici.objects.values_list("codice", flat=True))
    assert codici == {
        "siuss_codice_prestazione",
        "siuss_area_utenza",
        "siuss_presenza_prova_mezzi",
        "siuss_carattere_prestazione",
        "istat_area_utenza",
        "istat_macroarea",
        "leps",
    }
    prestazioni = VoceCodice.objects.filter(tabella__codice="siuss_codice_prestazione")
    assert prestazioni.count() == 36
    assert prestazioni.get(codice="A2.07").denominazione == "Assistenza domiciliare socio-assistenziale"
    assert set(
        VoceCodice.objects.filter(tabella__codice="siuss_area_utenza").values_list("codice", flat=True)
    ) == {"1", "2", "3"}
    assert VoceCodice.objects.filter(tabella__codice="siuss_presenza_prova_mezzi").count() == 4
    assert VoceCodice.objects.filter(tabella__codice="siuss_carattere_prestazione").count() == 2
    assert VoceCodice.objects.filter(tabella__codice="istat_area_utenza").count() == 7
    assert VoceCodice.objects.filter(tabella__codice="istat_macroarea").count() == 3
    assert VoceCodice.objects.filter(tabella__codice="leps").count() == 10
    assert not VoceCodice.objects.filter(valido_al__isnull=False).exists()


def _csv(tmp_path, testo, nome="nuova.csv"):
    p = tmp_path / nome
    p.write_text(testo, encoding="utf-8")
    return p


@pytest.mark.django_db
def test_carica_codici_aggiunge_una_versione_e_chiude_la_precedente(tmp_path, servizio):
    services.aggiungi_corrispondenza(
        servizio=servizio, tabella="siuss_area_utenza", codice="1", valido_dal=dt.date(2022, 1, 1)
    )
    f = _csv(
        tmp_path,
        "\ufeffcodice,denominazione\n1,Famiglia e minori (nuova)\n2,Disabilità\n3,Povertà\n4,Altro\n",
    )
    call_command(
        "carica_codici", "--file", str(f), "--tabella", "siuss_area_utenza", "--valido-dal", "2025-01-01"
    )
    voci = VoceCodice.objects.filter(tabella__codice="siuss_area_utenza")
    assert voci.count() == 7
    vecchie = voci.filter(valido_dal__lt=dt.date(2025, 1, 1))
    assert set(vecchie.values_list("valido_al", flat=True)) == {dt.date(2024, 12, 31)}
    assert voci.filter(valido_dal=dt.date(2025, 1, 1), valido_al__isnull=True).count() == 4
    # the crosswalk follows the code into the new version, and keeps the old one for past dates
    assert selectors.codice_per(servizio, "siuss_area_utenza", dt.date(2025, 6, 1)).denominazione == (
        "Famiglia e minori (nuova)"
    )
    assert selectors.codice_per(servizio, "siuss_area_utenza", dt.date(2023, 6, 1)).denominazione == (
        "Famiglia e minori"
    )
    assert EventoAudit.objects.filter(azione="catalogo.tabellacodici.nuova_versione").count() == 1


@pytest.mark.django_db
def test_carica_codici_con_csv_errato_non_cambia_nulla(tmp_path):
    prima = list(VoceCodice.objects.order_by("pk").values_list("pk", "valido_al"))
    f = _csv(tmp_path, "# commento\ncodice;denominazione\nA1.01;Assegno\nA1.01;Doppione\n")
    with pytest.raises(CommandError, match=r"Riga 4: il codice «A1.01» è già alla riga 3"):
        call_command(
            "carica_codici",
            "--file",
            str(f),
            "--tabella",
            "siuss_codice_prestazione",
            "--valido-dal",
            "2025-01-01",
        )
    f = _csv(tmp_path, "codice;denominazione\nA1.01;\n", "vuota.csv")
    with pytest.raises(CommandError, match=r"Riga 2: la denominazione"):
        call_command(
            "carica_codici",
            "--file",
            str(f),
            "--tabella",
            "siuss_codice_prestazione",
            "--valido-dal",
            "2025-01-01",
        )
    assert list(VoceCodice.objects.order_by("pk").values_list("pk", "valido_al")) == prima


@pytest.mark.django_db
def test_carica_codici_rifiuta_versione_non_successiva_e_tabella_ignota(tmp_path):
    f = _csv(tmp_path, "codice;denominazione\n1;Periodica\n")
    with pytest.raises(CommandError, match="ha già una versione valida dal 01/01/2000"):
        call_command(
            "carica_codici",
            "--file",
            str(f),
            "--tabella",
            "siuss_carattere_prestazione",
            "--valido-dal",
            "1999-01-01",
        )
    with pytest.raises(CommandError, match="non esiste"):
        call_command(
            "carica_codici", "--file", str(f), "--tabella", "inventata", "--valido-dal", "2025-01-01"
        )
    with pytest.raises(CommandError, match="non valida"):
        call_command(
            "carica_codici",
            "--file",
            str(f),
            "--tabella",
            "siuss_carattere_prestazione",
            "--valido-dal",
            "01/01/2025",
        )
    assert VoceCodice.objects.filter(tabella__codice="siuss_carattere_prestazione").count() == 2
    assert not TabellaCodici.objects.filter(codice="inventata").exists()
    call_command(
        "carica_codici",
        "--file",
        str(f),
        "--tabella",
        "nomenclatore",
        "--valido-dal",
        "2025-01-01",
        "--nome",
        "Nomenclatore CISIS",
    )
    assert VoceCodice.objects.filter(tabella__codice="nomenclatore").count() == 1
