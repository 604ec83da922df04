"""Diary pages, the case-page section and the API: forms, double submits, constant query counts."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from ambito.cartella.models import MandatoGiudiziario, Tutela, VoceDiario
from ambito.cartella.selectors import diario as sel
from ambito.cartella.services import diario as srv
from ambito.core.models import AccessoDati
from ambito.utenti.selectors import ambito_visibilita

OGGI = dt.date.today()


def _riempi(mondo, caso, n):
    livelli = ["ordinaria", "team", "giudiziaria"]
    voci = VoceDiario.objects.bulk_create(
        VoceDiario(
            ambito=mondo.ambito,
            caso=caso,
            data=OGGI - dt.timedelta(days=i % 300),
            testo=f"Annotazione numero {i}",
            riservatezza=livelli[i % 3],
            creato_da=mondo.operatore if i % 2 else mondo.coordinatore,
        )
        for i in range(n)
    )
    # A few corrections, so that the links are exercised.
    for v in voci[:10]:
        VoceDiario.objects.create(
            ambito=mondo.ambito,
            caso=caso,
            data=v.data,
            testo=v.testo + " (corretta)",
            riservatezza=v.riservatezza,
            corregge=v,
            motivo_correzione="refuso",
            creato_da=mondo.operatore,
        )
    return voci


def test_pagina_del_diario_a_query_costanti(mondo, django_assert_num_queries):
    piccolo, grande = mondo.caso(), mondo.caso()
    _riempi(mondo, piccolo, 12)
    _riempi(mondo, grande, 500)
    client = mondo.client(mondo.operatore)
    # session, user, roles, scope (2), case (with its Ambito and the break-the-glass flag), access
    # log, count, permissions (3), Ambito for the header, page, corrections prefetch.
    for caso in (piccolo, grande):
        with django_assert_num_queries(14):
            r = client.get(reverse("cartella:diario", args=[caso.pk]))
        assert r.status_code == 200
    html = r.content.decode()
    assert html.count('data-testid="voce-diario"') == 50
    assert "Pagina 1 di 11" in html  # 510 entries
    with django_assert_num_queries(14):
        r = client.get(reverse("cartella:diario", args=[grande.pk]) + "?pagina=11")
    assert r.content.decode().count('data-testid="voce-diario"') == 10
    # The Comune's operator reads only ordinary entries: fewer pages, same queries.
    comunale = mondo.client(mondo.comunale)
    with django_assert_num_queries(14):
        r = comunale.get(reverse("cartella:diario", args=[grande.pk]))
    assert "riservata al team" not in r.content.decode().lower()
    assert "Pagina 1 di 4" in r.content.decode()


def test_sezione_del_caso_a_query_costanti(mondo, django_assert_num_queries, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    piccolo, grande = mondo.caso(), mondo.caso()
    _riempi(mondo, piccolo, 3)
    _riempi(mondo, grande, 500)
    for caso in (piccolo, grande):
        MandatoGiudiziario.objects.create(
            ambito=mondo.ambito,
            caso=caso,
            autorita="tm",
            numero_procedimento="1/2025",
            data_provvedimento=OGGI - dt.timedelta(days=90),
            oggetto="Relazione",
            scadenza=OGGI - dt.timedelta(days=1),
        )
        Tutela.objects.create(
            ambito=mondo.ambito,
            caso=caso,
            tipo="tutela",
            decreto_del=dt.date(2024, 5, 1),
            tutore="Avv. Neri",
            operatore=mondo.operatore,
            rendiconto_entro=OGGI + dt.timedelta(days=30),
        )
    vis = ambito_visibilita(mondo.operatore)
    for caso in (piccolo, grande):
        # level check is free for a team member; entries, corrections, documents, mandates, guardianships
        with django_assert_num_queries(5):
            ctx = sel.sezione_caso(vis, caso)
    assert len(ctx["diario_voci"]) == 50 and ctx["diario_altre"]
    request = RequestFactory().get("/")
    request.user = mondo.operatore
    html = render_to_string("cartella/diario/_sezione_caso.html", {**ctx, "caso": grande}, request=request)
    assert "Section of the case page" not in html  # the template's comment stays a comment
    assert 'data-testid="scaduto"' in html  # the overdue court deadline, in red
    assert "Corretta il" in html and "Avv. Neri" in html
    assert reverse("cartella:diario", args=[grande.pk]) + "?pagina=2" in html
    # The Comune's operator: no judicial mandates on a minors' case.
    ctx = sel.sezione_caso(ambito_visibilita(mondo.comunale), grande)
    assert ctx["diario_mandati"] == [] and not ctx["diario_mandati_visibili"]
    assert {v.riservatezza for v in ctx["diario_voci"]} == {"ordinaria"}


def test_nuova_annotazione_dal_modulo_e_invio_doppio(mondo):
    caso = mondo.caso()
    client = mondo.client(mondo.operatore)
    url = reverse("cartella:diario_nuova", args=[caso.pk])
    dati = {"data": OGGI.strftime("%d/%m/%Y"), "testo": "Incontro con la scuola.", "riservatezza": "team"}
    assert client.post(url, dati).status_code == 302
    r = client.post(url, dati, follow=True)  # the same form again
    assert "già registrata" in r.content.decode()
    assert VoceDiario.objects.count() == 1
    voce = VoceDiario.objects.get()
    assert voce.riservatezza == "team" and voce.data == OGGI

    # Bad input: Italian messages, nothing stored, what is typed is kept.
    r = client.post(
        url,
        {"data": (OGGI + dt.timedelta(days=3)).isoformat(), "testo": "Domani", "riservatezza": "ordinaria"},
    )
    assert r.status_code == 400 and "nel futuro" in r.content.decode() and "Domani" in r.content.decode()
    r = client.post(url, {"data": "31/02/2025", "testo": "x", "riservatezza": "ordinaria"})
    assert r.status_code == 400 and "data valida" in r.content.decode()
    assert VoceDiario.objects.count() == 1


def test_voce_correzione_dalla_pagina(mondo):
    caso = mondo.caso()
    voce = srv.scrivi_diario(
        caso=caso, data=OGGI, testo="Madre assente.", riservatezza="ordinaria", attore=mondo.operatore
    )
    client = mondo.client(mondo.operatore)
    r = client.get(reverse("cartella:diario_voce", args=[voce.pk]))
    assert r.status_code == 200 and reverse("cartella:diario_correggi", args=[voce.pk]) in r.content.decode()
    url = reverse("cartella:diario_correggi", args=[voce.pk])
    assert "Madre assente." in client.get(url).content.decode()
    assert client.post(url, {"testo": "Madre presente.", "motivo": ""}).status_code == 400
    r = client.post(url, {"testo": "Madre presente.", "motivo": "refuso"})
    nuova = VoceDiario.objects.get(corregge=voce)
    assert r.status_code == 302 and r["Location"] == reverse("cartella:diario_voce", args=[nuova.pk])
    assert client.post(url, {"testo": "Madre presente.", "motivo": "refuso"}).status_code == 302
    assert VoceDiario.objects.count() == 2
    # The original shows it was corrected, by whom, and links the correction; and vice versa.
    html = client.get(reverse("cartella:diario_voce", args=[voce.pk])).content.decode()
    assert "Madre assente." in html and "corretta il" in html and "Assistente AMB-A" in html
    assert reverse("cartella:diario_voce", args=[nuova.pk]) in html
    html = client.get(reverse("cartella:diario_voce", args=[nuova.pk])).content.decode()
    assert reverse("cartella:diario_voce", args=[voce.pk]) in html and "refuso" in html
    assert (
        AccessoDati.objects.filter(oggetto_tipo="cartella.VoceDiario", oggetto_id=str(voce.pk)).count() >= 3
    )


def test_moduli_mandato_e_tutela(mondo):
    caso = mondo.caso()
    client = mondo.client(mondo.operatore)
    url = reverse("cartella:mandato_nuovo", args=[caso.pk])
    assert client.get(url).status_code == 200
    dati = {
        "autorita": "tm",
        "numero_procedimento": "55/2025",
        "data_provvedimento": (OGGI - dt.timedelta(days=10)).isoformat(),
        "oggetto": "Relazione di aggiornamento",
        "scadenza": (OGGI - dt.timedelta(days=20)).isoformat(),
    }
    r = client.post(url, dati)
    assert r.status_code == 400 and "non può precedere il provvedimento" in r.content.decode()
    dati["scadenza"] = (OGGI + dt.timedelta(days=20)).isoformat()
    assert client.post(url, dati).status_code == 302
    assert client.post(url, dati).status_code == 302
    m = MandatoGiudiziario.objects.get()
    # The Comune's operator: neither the form nor the mandate (judicial matter on a minors' case).
    assert mondo.client(mondo.comunale).get(url).status_code == 403
    url = reverse("cartella:mandato_adempiuto", args=[m.pk])
    assert client.post(url, {"data": OGGI.isoformat()}).status_code == 302
    m.refresh_from_db()
    assert m.adempiuto_il == OGGI

    url = reverse("cartella:tutela_nuova", args=[caso.pk])
    assert client.get(url).status_code == 200
    dati = {
        "tipo": "tutela",
        "decreto_del": "2025-01-15",
        "tutore": "Avv. Gialli",
        "operatore": mondo.operatore.pk,
    }
    assert client.post(url, dati).status_code == 302
    assert client.post(url, dati).status_code == 302
    t = Tutela.objects.get()
    assert t.rendiconto_entro == dt.date(2026, 1, 15) and t.operatore == mondo.operatore
    url = reverse("cartella:tutela_rendiconto", args=[t.pk])
    assert "15/01/2026" in client.get(url).content.decode()
    assert client.post(url, {"data": OGGI.isoformat()}).status_code == 302
    t.refresh_from_db()
    assert t.rendiconto_entro == dt.date(2027, 1, 15) and t.ultimo_rendiconto_il == OGGI
    # Another Ambito's guardianship: 404, logged.
    r = mondo.client(mondo.direzione).get(reverse("cartella:tutela_rendiconto", args=[t.pk]))
    assert r.status_code == 403  # direzione reads, does not write
    estraneo = mondo.client(mondo.operatore_sad)
    assert estraneo.get(reverse("cartella:tutela_rendiconto", args=[t.pk])).status_code == 404
    assert AccessoDati.objects.filter(
        utente=mondo.operatore_sad, oggetto_tipo="cartella.Tutela", esito="negato"
    ).exists()


def test_api_scrittura_e_correzione(mondo):
    caso = mondo.caso()
    client = mondo.client(mondo.operatore)
    url = f"/api/v1/cartella/casi/{caso.pk}/diario"
    corpo = {"data": OGGI.isoformat(), "testo": "Telefonata con il pediatra.", "riservatezza": "giudiziaria"}
    r = client.post(url, corpo, content_type="application/json")
    assert r.status_code == 201, r.content
    voce_id = r.json()["id"]
    r = client.post(url, corpo, content_type="application/json")
    assert r.status_code == 200 and r.json()["id"] == voce_id  # the same request twice: one row
    r = client.post(url, {**corpo, "data": "2099-01-01"}, content_type="application/json")
    assert r.status_code == 422 and "futuro" in r.json()["detail"]
    r = mondo.client(mondo.comunale).post(
        url, {**corpo, "riservatezza": "team"}, content_type="application/json"
    )
    assert r.status_code == 422
    r = mondo.client(mondo.direzione).post(url, corpo, content_type="application/json")
    assert r.status_code == 403
    assert VoceDiario.objects.count() == 1

    r = client.post(
        f"/api/v1/cartella/diario/{voce_id}/correzione",
        {"testo": "Telefonata con la pediatra.", "motivo": "refuso"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["corregge_id"] == voce_id
    r = client.get(f"/api/v1/cartella/diario/{voce_id}")
    assert r.status_code == 200 and r.json()["corretta_da"] == [voce_id + 1]
    lista = client.get(url).json()
    assert [v["id"] for v in lista] == [voce_id + 1, voce_id]
    # The Comune's operator does not see judicial entries, by list or by id (404, logged).
    assert mondo.client(mondo.comunale).get(url).json() == []
    assert mondo.client(mondo.comunale).get(f"/api/v1/cartella/diario/{voce_id}").status_code == 404

    srv.registra_mandato(
        caso=caso,
        autorita="tm",
        numero_procedimento="9/2025",
        data_provvedimento=OGGI,
        oggetto="Affido",
        scadenza=None,
        attore=mondo.operatore,
    )
    srv.apri_tutela(
        caso=caso,
        tipo="tutela",
        decreto_del=OGGI,
        tutore="Avv. Neri",
        operatore=None,
        rendiconto_entro=None,
        attore=mondo.operatore,
    )
    assert [
        m["numero_procedimento"] for m in client.get(f"/api/v1/cartella/casi/{caso.pk}/mandati").json()
    ] == ["9/2025"]
    assert mondo.client(mondo.comunale).get(f"/api/v1/cartella/casi/{caso.pk}/mandati").json() == []
    assert [t["tutore"] for t in client.get(f"/api/v1/cartella/casi/{caso.pk}/tutele").json()] == [
        "Avv. Neri"
    ]
    assert mondo.client(mondo.operatore_sad).get(f"/api/v1/cartella/casi/{caso.pk}/tutele").status_code == 404


@pytest.mark.parametrize(
    "nome", ["diario_nuova", "documento_nuovo", "mandato_nuovo", "tutela_nuova", "diario"]
)
def test_pagine_di_un_caso_fuori_ambito_404(mondo, altro_mondo, nome):
    caso = altro_mondo.caso()
    r = mondo.client(mondo.operatore).get(reverse(f"cartella:{nome}", args=[caso.pk]))
    assert r.status_code == 404
    assert AccessoDati.objects.filter(
        utente=mondo.operatore, oggetto_tipo="cartella.Caso", oggetto_id=str(caso.pk), esito="negato"
    ).exists()
