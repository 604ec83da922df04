import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from ambito.utenti import ruoli as R


def _perms(nome):
    g = Group.objects.get(name=nome)
    return {f"{ct}.{c}" for ct, c in g.permissions.values_list("content_type__app_label", "codename")}


@pytest.mark.django_db
def test_every_role_exists_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(R.RUOLI)
    assert len(R.RUOLI) == 10


@pytest.mark.django_db
def test_role_permissions_follow_the_rules():
    direzione = _perms(R.DIREZIONE)
    assert "territorio.view_ente" in direzione and "core.view_eventoaudit" in direzione
    assert "utenti.view_team" in direzione
    assert "core.view_accessodati" not in direzione
    assert not any(p.split(".")[1].startswith(("add_", "change_", "delete_")) for p in direzione)

    admin = _perms(R.AMMINISTRATORE)
    assert {
        "core.add_utente",
        "utenti.add_team",
        "territorio.change_ente",
        "catalogo.delete_servizio",
        "core.view_accessodati",
        "core.view_eventoaudit",
    } <= admin
    assert not admin & {"core.change_eventoaudit", "core.delete_accessodati", "core.add_ambito"}
    assert not any(p.startswith(("auth.", "otp_totp.", "sessions.")) for p in admin)

    dpo = _perms(R.DPO)
    assert {"core.view_accessodati", "core.view_eventoaudit"} <= dpo

    cittadino = _perms(R.CITTADINO)
    assert "catalogo.view_servizio" in cittadino and "territorio.view_ente" in cittadino
    assert all(p.startswith("territorio.view_") or p == "catalogo.view_servizio" for p in cittadino)

    for staff in (R.OPERATORE, R.OPERATORE_COMUNALE, R.ENTE_EROGATORE, R.COORDINATORE):
        assert {"territorio.view_ente", "catalogo.view_servizio"} <= _perms(staff)
        assert "core.view_accessodati" not in _perms(staff)


@pytest.mark.django_db
def test_contract_permissions_go_to_the_roles_that_read_the_matrix():
    """Matched by pattern, so it holds whether or not catalogo already defines the models."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    for modello in ("contrattoservizio", "servizioconferito"):
        ct, _ = ContentType.objects.get_or_create(app_label="catalogo", model=modello)
        Permission.objects.get_or_create(content_type=ct, codename=f"view_{modello}", defaults={"name": "x"})
    R.assicura_ruoli()
    attesi = {R.DIREZIONE, R.AMMINISTRAZIONE, R.UFFICIO_DI_PIANO, R.COORDINATORE, R.OPERATORE_COMUNALE}
    for perm in ("catalogo.view_contrattoservizio", "catalogo.view_servizioconferito"):
        assert {r for r in R.RUOLI if perm in _perms(r)} == attesi, perm


@pytest.mark.django_db
def test_assicura_ruoli_is_idempotent_and_repairs_hand_edits():
    from django.contrib.auth.models import Permission

    prima = {r: _perms(r) for r in R.RUOLI}
    g = Group.objects.get(name=R.CITTADINO)
    g.permissions.add(Permission.objects.get(codename="view_accessodati"))
    R.assicura_ruoli()
    R.assicura_ruoli()
    assert {r: _perms(r) for r in R.RUOLI} == prima
    assert Group.objects.filter(name__in=list(R.RUOLI)).count() == len(R.RUOLI)


@pytest.mark.django_db
def test_crea_ruoli_command(capsys):
    Group.objects.filter(name=R.DPO).delete()
    call_command("crea_ruoli")
    assert "Ruoli aggiornati: 10." in capsys.readouterr().out
    assert "core.view_accessodati" in _perms(R.DPO)


def test_registra_permessi_extends_a_role_for_future_apps():
    r = R.RUOLI[R.OPERATORE]
    prima = (list(r.permessi), list(r.esclusi))
    try:
        R.registra_permessi(R.OPERATORE, "csi.view_*", esclusi=("csi.view_diariogiudiziario",))
        R.registra_permessi(R.OPERATORE, "csi.view_*")
        assert r.permessi.count("csi.view_*") == 1
        assert "csi.view_diariogiudiziario" in r.esclusi
    finally:
        r.permessi[:], r.esclusi[:] = prima
