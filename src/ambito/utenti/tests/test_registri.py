import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from ambito.core.models import AccessoDati, EventoAudit
from ambito.core.services import registra_accesso, registra_evento
from ambito.utenti import ruoli as R


def _accessi(mondo, n, **kw):
    for i in range(n):
        registra_accesso(
            utente=mondo[R.OPERATORE],
            oggetto_tipo="csi.Cartella",
            oggetto_id=i,
            descrizione=f"Cartella {i}",
            **kw,
        )


@pytest.mark.django_db
def test_filters_and_pagination(client, mondo):
    _accessi(mondo, 55)
    registra_accesso(
        utente=mondo[R.COORDINATORE],
        oggetto_tipo="csi.Diario",
        oggetto_id=7,
        esito="straordinario",
        motivo="Urgenza: minore in pericolo",
    )
    registra_accesso(
        utente=mondo[R.OPERATORE_COMUNALE], oggetto_tipo="csi.Cartella", oggetto_id=99, esito="negato"
    )
    dpo = mondo[R.DPO]
    client.force_login(dpo)
    url = reverse("utenti:registro_accessi")
    r = client.get(url)
    # 57 rows plus the row written by this very consultation.
    assert r.context["pagina"].paginator.count == 58
    assert len(r.context["pagina"].object_list) == 50
    assert r.context["pagina"][0].oggetto_tipo == "core.AccessoDati"
    r2 = client.get(url, {"pagina": 2})
    assert len(r2.context["pagina"].object_list) == 59 - 50
    assert [a.oggetto_id for a in client.get(url, {"esito": "straordinario"}).context["pagina"]] == ["7"]
    assert [
        a.esito for a in client.get(url, {"oggetto_tipo": "cartella", "oggetto_id": "99"}).context["pagina"]
    ] == ["negato"]
    per_utente = client.get(url, {"utente": mondo[R.COORDINATORE].username}).context["pagina"]
    assert [a.motivo for a in per_utente] == ["Urgenza: minore in pericolo"]
    domani = dt.date.today() + dt.timedelta(days=1)
    assert client.get(url, {"dal": domani.isoformat()}).context["pagina"].paginator.count == 0
    assert (
        client.get(url, {"al": dt.date.today().strftime("%d/%m/%Y")}).context["pagina"].paginator.count > 57
    )


@pytest.mark.django_db
def test_bad_period_gives_italian_message_and_no_filtering(client, mondo):
    client.force_login(mondo[R.DPO])
    r = client.get(reverse("utenti:registro_accessi"), {"dal": "2025-02-01", "al": "2025-01-31"})
    assert r.status_code == 200
    assert "La data «al» non può precedere la data «dal»." in r.content.decode()
    r = client.get(reverse("utenti:registro_accessi_csv"), {"dal": "2025-02-01", "al": "2025-01-31"})
    assert r.status_code == 302


@pytest.mark.django_db
def test_reading_the_log_is_logged(client, mondo):
    dpo = mondo[R.DPO]
    client.force_login(dpo)
    client.get(reverse("utenti:registro_accessi"), {"esito": "negato"})
    a = AccessoDati.objects.get(utente=dpo)
    assert a.oggetto_tipo == "core.AccessoDati" and "esito=negato" in a.oggetto_descrizione
    assert a.ambito == mondo.ambito and a.request_id
    client.get(reverse("utenti:registro_accessi_csv"))
    assert AccessoDati.objects.filter(utente=dpo, oggetto_id="esportazione").count() == 1


@pytest.mark.django_db
def test_csv_export_has_the_filtered_rows(client, mondo):
    _accessi(mondo, 3)
    registra_accesso(
        utente=mondo[R.COORDINATORE],
        oggetto_tipo="csi.Diario",
        oggetto_id=7,
        esito="straordinario",
        motivo="Urgenza; notte",
    )
    client.force_login(mondo[R.DPO])
    r = client.get(reverse("utenti:registro_accessi_csv"), {"esito": "straordinario"})
    assert r["Content-Type"].startswith("text/csv")
    righe = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert righe[0][:4] == ["momento", "utente", "tipo_oggetto", "id_oggetto"]
    assert len(righe) == 2
    assert righe[1][1:4] == [mondo[R.COORDINATORE].username, "csi.Diario", "7"]
    assert righe[1][6] == "Urgenza; notte"
    assert dt.datetime.strptime(righe[1][0], "%d/%m/%Y %H:%M:%S")


@pytest.mark.django_db
def test_access_log_list_has_constant_queries(client, mondo, django_assert_num_queries):
    client.force_login(mondo[R.DPO])
    url = reverse("utenti:registro_accessi")
    _accessi(mondo, 2)
    client.get(url)  # warm up (content types, etc.)
    with django_assert_num_queries(9):
        client.get(url)
    _accessi(mondo, 80, esito="straordinario", motivo="x")
    with django_assert_num_queries(9):
        r = client.get(url)
    assert len(r.context["pagina"].object_list) == 50


@pytest.mark.django_db
def test_audit_list_has_constant_queries(client, mondo, django_assert_num_queries):
    client.force_login(mondo[R.DPO])
    url = reverse("utenti:registro_audit")
    client.get(url)
    with django_assert_num_queries(8):
        client.get(url)
    for i in range(70):
        registra_evento(attore=mondo[R.AMMINISTRATORE], azione="prova", ambito=mondo.ambito, dopo={"i": i})
    with django_assert_num_queries(8):
        r = client.get(url)
    assert len(r.context["pagina"].object_list) == 50


@pytest.mark.django_db
def test_audit_filters_and_diff(client, mondo):
    team = mondo.team
    registra_evento(
        attore=mondo[R.AMMINISTRATORE],
        azione="team.rinominato",
        oggetto=team,
        prima={"nome": "Vecchio", "servizio_id": 1},
        dopo={"nome": "Nuovo", "servizio_id": 1},
    )
    client.force_login(mondo[R.DPO])
    url = reverse("utenti:registro_audit")
    r = client.get(url, {"azione": "rinominato"})
    (ev,) = r.context["pagina"]
    assert (
        client.get(url, {"attore": mondo[R.AMMINISTRATORE].username}).context["pagina"].paginator.count == 1
    )
    assert client.get(url, {"oggetto": "utenti.Team"}).context["pagina"].paginator.count >= 2
    assert client.get(url, {"attore": "nessuno"}).context["pagina"].paginator.count == 0
    r = client.get(reverse("utenti:evento_audit", args=[ev.pk]))
    diff = {d["campo"]: d for d in r.context["differenze"]}
    assert diff["nome"]["cambiato"] and diff["nome"]["prima"] == "Vecchio" and diff["nome"]["dopo"] == "Nuovo"
    assert not diff["servizio_id"]["cambiato"]
    html = r.content.decode()
    assert "Vecchio" in html and "Nuovo" in html and "table-warning" in html
    assert AccessoDati.objects.filter(oggetto_tipo="core.EventoAudit", oggetto_id=str(ev.pk)).exists()
    assert EventoAudit.objects.filter(pk=ev.pk, azione="team.rinominato").exists()


@pytest.mark.django_db
def test_menu_shows_the_logs_by_permission(client, mondo):
    client.force_login(mondo[R.DPO])
    html = client.get(reverse("home")).content.decode()
    assert "Registro accessi" in html and "Registro modifiche" in html
    client.force_login(mondo[R.OPERATORE])
    html = client.get(reverse("home")).content.decode()
    assert "Registro accessi" not in html and "Registro modifiche" not in html
