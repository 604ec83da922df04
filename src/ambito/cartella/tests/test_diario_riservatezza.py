"""Confidentiality of the diary: who reads and who writes which level, by hand-written table."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ambito.cartella.models import VoceDiario
from ambito.cartella.selectors import diario as sel
from ambito.cartella.services import diario as srv
from ambito.core.models import AccessoDati
from ambito.utenti.selectors import ambito_visibilita

OGGI = dt.date.today()

# On a minors' case of the minors' team, responsible Comune = the comunale's Comune.
# user -> levels read; None = may not open the case at all.
ATTESO = {
    "operatore": {"ordinaria", "team", "giudiziaria"},  # member of the minors' team
    "coordinatore": {"ordinaria", "team", "giudiziaria"},  # coordinates the MINORI service
    "comunale": {"ordinaria"},  # same Comune: never reserved or judicial entries
    "direzione": {"ordinaria", "team"},  # whole Ambito, but judicial is for the minors' team only
    "operatore_sad": None,  # another service, no scope on this case
    "erogatore": None,  # providers see only their interventions
}


@pytest.fixture
def scena(mondo):
    caso = mondo.caso()
    voci = {}
    for livello in ("ordinaria", "team", "giudiziaria"):
        voci[livello] = VoceDiario.objects.create(
            ambito=mondo.ambito,
            caso=caso,
            data=OGGI,
            testo=f"Annotazione {livello}",
            riservatezza=livello,
            creato_da=mondo.operatore,
        )
    return caso, voci


@pytest.mark.parametrize("chi", list(ATTESO))
def test_matrice_di_lettura_su_un_caso_minori(mondo, scena, chi):
    caso, voci = scena
    utente = getattr(mondo, chi)
    client = mondo.client(utente)
    atteso = ATTESO[chi]

    # The full diary page: only the readable levels, or 404 (logged) for a case out of scope.
    risposta = client.get(reverse("cartella:diario", args=[caso.pk]))
    if atteso is None:
        assert risposta.status_code == 404
        assert AccessoDati.objects.filter(
            utente=utente, oggetto_tipo="cartella.Caso", oggetto_id=str(caso.pk), esito="negato"
        ).exists()
    else:
        assert risposta.status_code == 200
        testo = risposta.content.decode()
        for livello, voce in voci.items():
            assert (voce.testo in testo) == (livello in atteso), (chi, livello)

    # Each entry by id: 200 and logged, or 404 and logged as denied.
    for livello, voce in voci.items():
        prima = AccessoDati.objects.count()
        r = client.get(reverse("cartella:diario_voce", args=[voce.pk]))
        accesso = AccessoDati.objects.order_by("-id").first()
        assert AccessoDati.objects.count() == prima + 1
        assert accesso.utente == utente and accesso.oggetto_tipo == "cartella.VoceDiario"
        assert accesso.oggetto_id == str(voce.pk)
        if atteso is not None and livello in atteso:
            assert r.status_code == 200, (chi, livello)
            assert accesso.esito == "consentito"
            assert voce.testo in r.content.decode()
        else:
            assert r.status_code == 404, (chi, livello)
            assert accesso.esito == "negato"

    # The API gives the same answer.
    r = client.get(f"/api/v1/cartella/casi/{caso.pk}/diario")
    if atteso is None:
        assert r.status_code == 404
    else:
        assert r.status_code == 200
        assert {v["riservatezza"] for v in r.json()} == atteso


def test_livelli_su_un_caso_non_minori(mondo):
    caso = mondo.caso(servizio=mondo.sad)
    vis = ambito_visibilita(mondo.operatore_sad)
    # Scope on the service opens the case, but "team" entries are for the case's own operators.
    assert sel.riservatezze_scrivibili(vis, caso) == ["ordinaria"]
    mondo.operatore_del_caso(caso, mondo.operatore_sad)
    assert sel.riservatezze_scrivibili(vis, caso) == ["ordinaria", "team"]
    with pytest.raises(ValidationError) as e:
        srv.scrivi_diario(
            caso=caso, data=OGGI, testo="x", riservatezza="giudiziaria", attore=mondo.operatore_sad
        )
    assert "area minori" in str(e.value)
    assert not VoceDiario.objects.exists()


def test_annotazione_giudiziaria_da_chi_non_e_del_team_minori_rifiutata(mondo):
    caso = mondo.caso()
    # The direzione reads the case, but judicial entries are for the minors' team only.
    with pytest.raises(ValidationError) as e:
        srv.scrivi_diario(
            caso=caso, data=OGGI, testo="decreto", riservatezza="giudiziaria", attore=mondo.direzione
        )
    assert "équipe minori" in str(e.value)
    # The Comune's operator writes only ordinary entries.
    for livello in ("team", "giudiziaria"):
        with pytest.raises(ValidationError):
            srv.scrivi_diario(caso=caso, data=OGGI, testo="x", riservatezza=livello, attore=mondo.comunale)
    # Someone outside the case cannot write at all.
    with pytest.raises(PermissionDenied):
        srv.scrivi_diario(
            caso=caso, data=OGGI, testo="x", riservatezza="ordinaria", attore=mondo.operatore_sad
        )
    assert not VoceDiario.objects.exists()
    # The team does.
    voce = srv.scrivi_diario(
        caso=caso, data=OGGI, testo="decreto", riservatezza="giudiziaria", attore=mondo.operatore
    )
    assert voce.riservatezza == "giudiziaria"
    ok = srv.scrivi_diario(
        caso=caso, data=OGGI, testo="visita", riservatezza="ordinaria", attore=mondo.comunale
    )
    assert ok.creato_da == mondo.comunale


def test_il_modulo_offre_solo_i_livelli_scrivibili(mondo):
    caso = mondo.caso()
    url = reverse("cartella:diario_nuova", args=[caso.pk])
    r = mondo.client(mondo.comunale).get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'value="ordinaria"' in html and 'value="team"' not in html and 'value="giudiziaria"' not in html
    html = mondo.client(mondo.operatore).get(url).content.decode()
    assert 'value="ordinaria"' in html and 'value="team"' in html and 'value="giudiziaria"' in html
    # A forged POST of a level not offered: Italian message, nothing stored.
    r = mondo.client(mondo.comunale).post(
        url, {"data": OGGI.isoformat(), "testo": "x", "riservatezza": "team"}
    )
    assert r.status_code == 400
    assert not VoceDiario.objects.exists()
    # Direzione has no write permission at all.
    assert mondo.client(mondo.direzione).get(url).status_code == 403


def test_operatore_del_caso_fuori_dal_team_legge_il_riservato(mondo):
    caso = mondo.caso()
    mondo.operatore_del_caso(caso, mondo.operatore_sad, ruolo="psicologo")
    vis = ambito_visibilita(mondo.operatore_sad)
    assert sel.riservatezze_scrivibili(vis, caso) == ["ordinaria", "team", "giudiziaria"]


def test_voce_di_un_altro_ambito_404_e_registrata(mondo, altro_mondo):
    caso = altro_mondo.caso()
    voce = VoceDiario.objects.create(
        ambito=altro_mondo.ambito, caso=caso, data=OGGI, testo="segreto", riservatezza="ordinaria"
    )
    for utente in (mondo.direzione, mondo.operatore, mondo.coordinatore):
        r = mondo.client(utente).get(reverse("cartella:diario_voce", args=[voce.pk]))
        assert r.status_code == 404
        assert b"segreto" not in r.content
        assert AccessoDati.objects.filter(
            utente=utente, oggetto_tipo="cartella.VoceDiario", oggetto_id=str(voce.pk), esito="negato"
        ).exists()
        r = mondo.client(utente).get(f"/api/v1/cartella/diario/{voce.pk}")
        assert r.status_code == 404


def test_accesso_straordinario_registrato_come_tale(mondo):
    import datetime as _dt

    from django.utils import timezone

    from ambito.cartella.models import AccessoStraordinario

    caso = mondo.caso()
    voce = VoceDiario.objects.create(
        ambito=mondo.ambito, caso=caso, data=OGGI, testo="Visita", riservatezza="ordinaria"
    )
    client = mondo.client(mondo.operatore_sad)
    assert client.get(reverse("cartella:diario_voce", args=[voce.pk])).status_code == 404
    AccessoStraordinario.objects.create(
        ambito=mondo.ambito,
        caso=caso,
        utente=mondo.operatore_sad,
        motivo="pronto intervento notturno",
        valido_fino=timezone.now() + _dt.timedelta(hours=4),
    )
    assert client.get(reverse("cartella:diario_voce", args=[voce.pk])).status_code == 200
    assert client.get(reverse("cartella:diario", args=[caso.pk])).status_code == 200
    esiti = list(
        AccessoDati.objects.filter(utente=mondo.operatore_sad).order_by("id").values_list("esito", flat=True)
    )
    assert esiti == ["negato", "straordinario", "straordinario"]
    # The team's own access is an ordinary one.
    mondo.client(mondo.operatore).get(reverse("cartella:diario_voce", args=[voce.pk]))
    assert AccessoDati.objects.filter(utente=mondo.operatore).get().esito == "consentito"
