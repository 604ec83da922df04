"""Pages of the riparto: the table, the bill, the explanation, the comparison, import and approval,
and the Comune operator's isolation."""

import io
from decimal import Decimal as D

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ambito.core.models import Utente
from ambito.gestione import services
from ambito.gestione import workbook as w
from ambito.gestione.models import QuotaRiparto, VersioneBilancio
from ambito.gestione.tests.test_workbook import fogli_base
from ambito.utenti import ruoli as R

from .conftest import ESEMPIO, entra, utente


def test_tabella_mostra_san_giuliano_i_polo(client, amministrazione, versione, comuni):
    c = entra(client, amministrazione)
    r = c.get(reverse("gestione:versione", args=[versione.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    url = reverse("gestione:spiegazione", args=[versione.pk, comuni["015195"].pk, "I_POLO"])
    assert f'<a href="{url}">559.703</a>' in html
    assert "4.894.517" in html  # the grand total
    assert "Arrotondamento" in html


def test_tabella_query_costanti(client, amministrazione, versione, django_assert_num_queries):
    c = entra(client, amministrazione)
    c.get(reverse("gestione:versione", args=[versione.pk]))  # warm the session and the permissions
    n = 13  # session, user, permissions, visibility (3), menu, version, versions, the table (2), …
    with django_assert_num_queries(n):
        c.get(reverse("gestione:versione", args=[versione.pk]))
    # twice the data (a second version of the same size does not add queries to the first's page)
    services.importa_riparto(
        ambito=versione.ambito, file=ESEMPIO, esercizio=2023, versione="assestamento", attore=None
    )
    with django_assert_num_queries(n):
        c.get(reverse("gestione:versione", args=[versione.pk]))


def test_spiegazione_capitaria(client, amministrazione, versione, comuni):
    c = entra(client, amministrazione)
    q = QuotaRiparto.objects.get(versione=versione, comune=comuni["015195"], voce__codice="CAT")
    r = c.get(reverse("gestione:spiegazione", args=[versione.pk, comuni["015195"].pk, "CAT"]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "quota capitaria" in html
    peso = D(q.spiegazione["parti"][0]["peso"])
    assert f"{int(peso):,}".replace(",", ".") + " abitanti su" in html
    assert f"{int(q.importo):,}".replace(",", ".") + " €" in html


def test_bolletta_con_grafico(client, amministrazione, versione, comuni):
    c = entra(client, amministrazione)
    r = c.get(reverse("gestione:bolletta", args=[versione.pk, comuni["015195"].pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert 'id="dati-bolletta"' in html
    assert "559.703 €" in html
    totale = sum(q.importo for q in QuotaRiparto.objects.filter(versione=versione, comune=comuni["015195"]))
    assert f"{int(totale):,}".replace(",", ".") + " €" in html


def test_operatore_comunale_vede_solo_il_suo_comune(client, comunale, versione, comuni):
    c = entra(client, comunale)
    sgm, paullo = comuni["015195"], comuni["015169"]
    assert c.get(reverse("gestione:riparto")).status_code == 200
    assert c.get(reverse("gestione:bolletta", args=[versione.pk, sgm.pk])).status_code == 200
    assert c.get(reverse("gestione:spiegazione", args=[versione.pk, sgm.pk, "I_POLO"])).status_code == 200
    assert c.get(reverse("gestione:bolletta", args=[versione.pk, paullo.pk])).status_code == 404
    assert c.get(reverse("gestione:spiegazione", args=[versione.pk, paullo.pk, "CAT"])).status_code == 404
    r = c.get(reverse("gestione:versione", args=[versione.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("gestione:bolletta", args=[versione.pk, sgm.pk])
    assert c.get(reverse("gestione:confronta") + f"?a={versione.pk}&b={versione.pk}").status_code == 404
    # the list links to its own bill only
    html = c.get(reverse("gestione:riparto")).content.decode()
    assert reverse("gestione:bolletta", args=[versione.pk, sgm.pk]) in html
    assert 'id="modulo-importa"' not in html
    assert c.post(reverse("gestione:approva", args=[versione.pk])).status_code == 403


def test_altro_ambito_404(client, versione, comuni, db):
    from ambito.core.models import Ambito

    altro = Ambito.objects.create(codice="ALTRO", nome="Altro")
    R.assicura_ruoli()
    c = entra(client, utente(altro, "amm.altro", R.AMMINISTRAZIONE))
    assert c.get(reverse("gestione:versione", args=[versione.pk])).status_code == 404
    assert c.get(reverse("gestione:bolletta", args=[versione.pk, comuni["015195"].pk])).status_code == 404


def test_importa_e_approva_dal_browser(client, amministrazione, comuni):
    c = entra(client, amministrazione)
    assert 'id="modulo-importa"' in c.get(reverse("gestione:riparto")).content.decode()
    f = SimpleUploadedFile("riparto.xlsx", ESEMPIO.read_bytes())
    r = c.post(
        reverse("gestione:importa"),
        {"file": f, "esercizio": "2023", "versione": "preventivo", "tipo": "preventivo"},
    )
    v = VersioneBilancio.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("gestione:versione", args=[v.pk])
    r = c.post(reverse("gestione:approva", args=[v.pk]))
    v.refresh_from_db()
    assert v.approvata and v.approvata_da == amministrazione
    f = SimpleUploadedFile("riparto.xlsx", ESEMPIO.read_bytes())
    r = c.post(
        reverse("gestione:importa"),
        {"file": f, "esercizio": "2023", "versione": "preventivo", "tipo": "preventivo"},
    )
    assert r.status_code == 400 and "approvata" in r.content.decode()


def test_importa_cartella_errata_dal_browser(client, amministrazione, comuni):
    c = entra(client, amministrazione)
    fogli = fogli_base()
    del fogli["costi"]
    buf = io.BytesIO()
    w.scrivi(buf, fogli)
    f = SimpleUploadedFile("errata.xlsx", buf.getvalue())
    r = c.post(
        reverse("gestione:importa"), {"file": f, "esercizio": "2023", "versione": "x", "tipo": "preventivo"}
    )
    assert r.status_code == 400
    assert "foglio «costi»: foglio mancante" in r.content.decode()
    assert not VersioneBilancio.objects.exists()


def test_confronto(client, amministrazione, versione, comuni, tmp_path):
    p = tmp_path / "piccola.xlsx"
    from .test_db_importa import _fogli_piccoli

    w.scrivi(p, _fogli_piccoli())
    b = services.importa_riparto(
        ambito=versione.ambito, file=p, esercizio=2023, versione="consuntivo", attore=None
    )
    c = entra(client, amministrazione)
    r = c.get(reverse("gestione:confronta") + f"?a={versione.pk}&b={b.pk}")
    assert r.status_code == 200
    html = r.content.decode()
    assert "San Giuliano Milanese" in html and "Servizio" in html and "%" in html
    assert c.get(reverse("gestione:confronta") + "?a=1").status_code == 404


def test_menu_e_permessi(client, amministrazione, comunale):
    assert amministrazione.has_perm("gestione.add_versionebilancio")
    assert Utente.objects.get(pk=comunale.pk).has_perm("gestione.view_versionebilancio")
    assert not Utente.objects.get(pk=comunale.pk).has_perm("gestione.view_quotariparto")
    html = entra(client, amministrazione).get(reverse("gestione:riparto")).content.decode()
    assert reverse("gestione:riparto") in html and "Riparto" in html
