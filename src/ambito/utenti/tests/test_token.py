import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from ambito.core.models import EventoAudit
from ambito.utenti import ruoli as R
from ambito.utenti.models import TokenPersonale
from ambito.utenti.token import INTERVALLO_ULTIMO_USO, crea_token, revoca_token, verifica_token


@pytest.fixture
def operatore(mondo):
    return mondo[R.OPERATORE]


def test_crea_token_conserva_solo_l_hash(operatore, mondo):
    token, segreto = crea_token(utente=operatore, nome="Script", attore=mondo[R.AMMINISTRATORE])
    assert len(segreto) >= 40
    token.refresh_from_db()
    assert token.prefisso == segreto[:8]
    assert token.hash != segreto and len(token.hash) == 64
    assert token.scade_il is None and token.revocato_il is None and token.ultimo_uso is None
    # The secret appears nowhere in the table.
    with connection.cursor() as c:
        c.execute(f"SELECT * FROM {TokenPersonale._meta.db_table}")
        righe = c.fetchall()
    assert righe and not any(segreto in str(v) for riga in righe for v in riga)
    evento = EventoAudit.objects.get(azione="crea_token")
    assert evento.attore == mondo[R.AMMINISTRATORE]
    assert evento.oggetto_id == str(token.pk)
    assert evento.ambito == mondo.ambito
    assert segreto not in str(evento.dopo)
    assert evento.dopo["prefisso"] == token.prefisso


def test_verifica_token(operatore):
    token, segreto = crea_token(utente=operatore, nome="Script", attore=None)
    assert verifica_token(segreto) == token
    assert verifica_token(segreto[:-1] + ("A" if segreto[-1] != "A" else "B")) is None
    assert verifica_token(segreto[:8]) is None
    assert verifica_token("") is None
    assert verifica_token("x" * 43) is None


def test_ultimo_uso_al_massimo_una_volta_al_minuto(operatore):
    token, segreto = crea_token(utente=operatore, nome="Script", attore=None)
    verifica_token(segreto)
    token.refresh_from_db()
    primo = token.ultimo_uso
    assert primo is not None
    verifica_token(segreto)
    token.refresh_from_db()
    assert token.ultimo_uso == primo
    TokenPersonale.objects.filter(pk=token.pk).update(ultimo_uso=primo - INTERVALLO_ULTIMO_USO)
    verifica_token(segreto)
    token.refresh_from_db()
    assert token.ultimo_uso > primo - INTERVALLO_ULTIMO_USO


def test_scadenza_revoca_e_utente_disattivato(operatore, mondo):
    token, segreto = crea_token(utente=operatore, nome="Breve", giorni_validita=1, attore=None)
    assert token.scade_il - timezone.now() > dt.timedelta(hours=23)
    assert verifica_token(segreto) is not None
    TokenPersonale.objects.filter(pk=token.pk).update(scade_il=timezone.now() - dt.timedelta(seconds=1))
    assert verifica_token(segreto) is None

    token, segreto = crea_token(utente=operatore, nome="Da revocare", attore=None)
    revocato = revoca_token(token=token, attore=mondo[R.AMMINISTRATORE])
    assert revocato.revocato_il is not None
    assert verifica_token(segreto) is None
    assert revoca_token(token=token, attore=None).revocato_il == revocato.revocato_il
    assert EventoAudit.objects.filter(azione="revoca_token").count() == 1

    token, segreto = crea_token(utente=operatore, nome="Utente disattivato", attore=None)
    operatore.is_active = False
    operatore.save()
    assert verifica_token(segreto) is None


def test_dati_non_validi(operatore):
    with pytest.raises(ValueError, match="nome del token"):
        crea_token(utente=operatore, nome=" ", attore=None)
    with pytest.raises(ValueError, match="almeno un giorno"):
        crea_token(utente=operatore, nome="x", giorni_validita=0, attore=None)
    assert not TokenPersonale.objects.exists()


def test_comando_crea_token(operatore):
    out, err = StringIO(), StringIO()
    call_command(
        "crea_token", operatore.username, "--nome", "Estrazioni", "--giorni", "30", stdout=out, stderr=err
    )
    segreto = out.getvalue().strip()
    token = TokenPersonale.objects.get()
    assert token.nome == "Estrazioni" and token.prefisso == segreto[:8]
    assert verifica_token(segreto) == token
    assert "non sarà più mostrato" in err.getvalue()
    assert segreto not in err.getvalue()
    with pytest.raises(CommandError, match="Utente inesistente"):
        call_command("crea_token", "nessuno", stdout=StringIO(), stderr=StringIO())
