import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from ambito.core.models import EventoAudit, Utente
from ambito.territorio.models import Ente, TipoEnte
from ambito.utenti import ruoli as R
from ambito.utenti import services
from ambito.utenti.models import AssegnazioneAmbito, MembroTeam
from ambito.utenti.selectors import ambito_visibilita

from .conftest import PASSWORD

OGGI = dt.date.today()


@pytest.mark.django_db
def test_crea_utente_sets_roles_staff_and_writes_audit(mondo):
    u = services.crea_utente(
        ambito=mondo.ambito,
        username="m.rossi",
        password=PASSWORD,
        ruoli=[R.OPERATORE],
        nome="Maria",
        cognome="Rossi",
        qualifica="assistente sociale",
        attore=mondo[R.AMMINISTRATORE],
    )
    assert u.is_staff and u.check_password(PASSWORD) and u.qualifica == "assistente sociale"
    assert list(u.groups.values_list("name", flat=True)) == [R.OPERATORE]
    ev = EventoAudit.objects.get(azione="utente.creato", oggetto_id=str(u.pk))
    assert ev.ambito == mondo.ambito and ev.attore == mondo[R.AMMINISTRATORE]
    assert ev.dopo["ruoli"] == [R.OPERATORE] and "password" not in ev.dopo
    assert not mondo[R.CITTADINO].is_staff


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs, messaggio",
    [
        ({"password": "demo"}, "Password non valida"),
        ({"ruoli": ["Capo supremo"]}, "Ruolo sconosciuto"),
        ({"ruoli": []}, "almeno un ruolo"),
        ({"ruoli": [R.CITTADINO, R.OPERATORE]}, "Cittadino non si combina"),
        ({"username": "A01-direzione"}, "Esiste già"),
        ({"ambito": None}, "Ambito"),
    ],
)
def test_crea_utente_refuses_bad_input_and_writes_nothing(mondo, kwargs, messaggio):
    args = dict(ambito=mondo.ambito, username="nuovo", password=PASSWORD, ruoli=[R.OPERATORE], attore=None)
    args.update(kwargs)
    n_utenti, n_eventi = Utente.objects.count(), EventoAudit.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.crea_utente(**args)
    assert messaggio in " ".join(exc.value.messages)
    assert (Utente.objects.count(), EventoAudit.objects.count()) == (n_utenti, n_eventi)


@pytest.mark.django_db
def test_demo_password_only_with_debug(mondo, settings):
    settings.DEBUG = False
    with pytest.raises(ValidationError, match="Gli utenti dimostrativi si creano solo con DEBUG attivo"):
        services.crea_utente(
            ambito=mondo.ambito,
            username="demo1",
            password="demo",
            ruoli=[R.DIREZIONE],
            attore=None,
            demo=True,
        )
    assert not Utente.objects.filter(username="demo1").exists()
    settings.DEBUG = True
    u = services.crea_utente(
        ambito=mondo.ambito, username="demo1", password="demo", ruoli=[R.DIREZIONE], attore=None, demo=True
    )
    assert u.check_password("demo")


@pytest.mark.django_db
def test_operatore_comunale_gets_exactly_one_comune(mondo):
    op = mondo[R.OPERATORE_COMUNALE]
    with pytest.raises(ValidationError, match="già un ente assegnato"):
        services.assegna_ambito(utente=op, tipo="ente", ente=mondo.altro_comune, attore=None)
    with pytest.raises(ValidationError, match="si assegna a un Comune"):
        services.assegna_ambito(utente=op, tipo="servizio", servizio=mondo.sad, attore=None)
    nuovo = services.crea_utente(
        ambito=mondo.ambito, username="com2", password=PASSWORD, ruoli=[R.OPERATORE_COMUNALE], attore=None
    )
    with pytest.raises(ValidationError, match="si assegna a un Comune"):
        services.assegna_ambito(utente=nuovo, tipo="ente", ente=mondo.coop, attore=None)
    assert AssegnazioneAmbito.objects.filter(utente=nuovo).count() == 0
    # After revoking, the Comune can change: history is kept.
    a = AssegnazioneAmbito.objects.get(utente=op)
    services.revoca_assegnazione(assegnazione=a, al=OGGI, attore=None)
    services.assegna_ambito(
        utente=op, tipo="ente", ente=mondo.altro_comune, dal=OGGI + dt.timedelta(days=1), attore=None
    )
    assert AssegnazioneAmbito.objects.filter(utente=op).count() == 2
    assert ambito_visibilita(op).comune_id == mondo.comune.pk
    assert ambito_visibilita(op, OGGI + dt.timedelta(days=2)).comune_id == mondo.altro_comune.pk


@pytest.mark.django_db
def test_ente_erogatore_is_tied_to_a_provider(mondo):
    u = services.crea_utente(
        ambito=mondo.ambito, username="coop2", password=PASSWORD, ruoli=[R.ENTE_EROGATORE], attore=None
    )
    with pytest.raises(ValidationError, match="proprio ente erogatore"):
        services.assegna_ambito(utente=u, tipo="ente", ente=mondo.comune, attore=None)
    services.assegna_ambito(utente=u, tipo="ente", ente=mondo.coop, attore=None)
    assert ambito_visibilita(u).ente_erogatore_id == mondo.coop.pk


@pytest.mark.django_db
def test_assegna_ambito_refuses_other_ambito_and_bad_shapes(mondo, altro_mondo):
    op = mondo[R.OPERATORE]
    n = AssegnazioneAmbito.objects.count()
    casi = [
        (dict(tipo="servizio", servizio=altro_mondo.sad), "altro Ambito"),
        (dict(tipo="team", team=altro_mondo.team), "altro Ambito"),
        (dict(tipo="servizio"), "indicare il servizio"),
        (dict(tipo="servizio", servizio=mondo.sad, team=mondo.team), "un solo"),
        (dict(tipo="comune", ente=mondo.comune), "Tipo di assegnazione non valido"),
        (dict(tipo="servizio", servizio=mondo.sad, dal=OGGI, al=OGGI - dt.timedelta(days=1)), "precedere"),
    ]
    for kwargs, messaggio in casi:
        with pytest.raises(ValidationError) as exc:
            services.assegna_ambito(utente=op, attore=None, **kwargs)
        assert messaggio in " ".join(exc.value.messages), kwargs
    assert AssegnazioneAmbito.objects.count() == n


@pytest.mark.django_db
def test_revoca_sets_al_and_never_deletes(mondo):
    coord = mondo[R.COORDINATORE]
    a = AssegnazioneAmbito.objects.get(utente=coord)
    assert mondo.tutela.pk in ambito_visibilita(coord).servizio_ids
    services.revoca_assegnazione(
        assegnazione=a, al=OGGI - dt.timedelta(days=1), attore=mondo[R.AMMINISTRATORE]
    )
    a.refresh_from_db()
    assert a.al == OGGI - dt.timedelta(days=1)
    assert ambito_visibilita(coord).servizio_ids == frozenset()
    ev = EventoAudit.objects.get(azione="assegnazione.revocata")
    assert ev.prima["al"] is None and ev.dopo["al"] == a.al.isoformat()
    with pytest.raises(ValidationError, match="già terminata"):
        services.revoca_assegnazione(assegnazione=a, attore=None)


@pytest.mark.django_db
def test_team_membership_and_scope(mondo, altro_mondo):
    op = mondo[R.OPERATORE]
    vis = ambito_visibilita(op)
    assert vis.team_ids == {mondo.team.pk} and vis.is_operatore and not vis.intero_ambito
    with pytest.raises(ValidationError, match="già parte del team"):
        services.aggiungi_membro(team=mondo.team, utente=op, ruolo_nel_team="educatore", attore=None)
    with pytest.raises(ValidationError, match="altro Ambito"):
        services.aggiungi_membro(team=altro_mondo.team, utente=op, ruolo_nel_team="educatore", attore=None)
    with pytest.raises(ValidationError, match="Ruolo nel team non valido"):
        services.aggiungi_membro(
            team=mondo.team, utente=mondo[R.COORDINATORE], ruolo_nel_team="capo", attore=None
        )
    with pytest.raises(ValidationError, match="Esiste già un team"):
        services.crea_team(ambito=mondo.ambito, nome=mondo.team.nome.upper(), attore=None)
    with pytest.raises(ValidationError, match="altro Ambito"):
        services.crea_team(ambito=mondo.ambito, nome="X", servizio=altro_mondo.sad, attore=None)
    m = MembroTeam.objects.get(utente=op)
    services.rimuovi_membro(membro=m, al=OGGI - dt.timedelta(days=1), attore=None)
    assert ambito_visibilita(op).team_ids == frozenset()
    assert MembroTeam.objects.filter(utente=op).exists()
    azioni = set(EventoAudit.objects.filter(ambito=mondo.ambito).values_list("azione", flat=True))
    assert {"team.creato", "team.membro_aggiunto", "team.membro_rimosso"} <= azioni


@pytest.mark.django_db
def test_visibilita_q_filters_rows_by_scope(mondo):
    """The Q later selectors will use: here applied to Ente rows through the Ente's own id."""
    dire = ambito_visibilita(mondo[R.DIREZIONE])
    assert dire.intero_ambito and dire.is_direzione
    tutti = set(Ente.objects.filter(dire.q(ente="pk")).values_list("pk", flat=True))
    assert tutti == set(Ente.objects.filter(ambito=mondo.ambito).values_list("pk", flat=True))

    com = ambito_visibilita(mondo[R.OPERATORE_COMUNALE])
    assert set(Ente.objects.filter(com.q(ente="pk")).values_list("pk", flat=True)) == {mondo.comune.pk}
    # Without a matching lookup a scoped user sees nothing (never everything).
    assert not Ente.objects.filter(com.q(servizio="pk")).exists()
    cittadino = ambito_visibilita(mondo[R.CITTADINO])
    assert not Ente.objects.filter(cittadino.q(ente="pk")).exists()
    assert Ente.objects.filter(tipo=TipoEnte.COMUNE).count() == 2


@pytest.mark.django_db
def test_visibilita_is_frozen_and_costs_three_queries_once_per_request(mondo, django_assert_num_queries, rf):
    from ambito.utenti.selectors import visibilita_di

    request = rf.get("/")
    request.user = Utente.objects.get(pk=mondo[R.OPERATORE].pk)
    with django_assert_num_queries(3):
        vis = visibilita_di(request)
        assert visibilita_di(request) is vis
    with pytest.raises(AttributeError):
        vis.ente_ids = frozenset()
