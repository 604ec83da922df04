"""Shared fixtures of the case-record tests: a small, complete world per Ambito.

`mondo` and `altro_mondo` are two Ambiti on one installation. Each has two Comuni, a provider,
two services (MINORI for minors, SAD), the minors' team, a user per role with their scope,
two funds, and helpers to make persons and cases directly (bypassing services, so that tests of
one area do not depend on another area's services).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from ambito.cartella.codice_fiscale import genera
from ambito.cartella.models import Caso, EventoCaso, Intervento, OperatoreCaso, Persona, Residenza
from ambito.cartella.persone_testo import chiave_ricerca
from ambito.catalogo.models import Servizio
from ambito.core.models import Ambito
from ambito.fondi.models import Fondo
from ambito.territorio.models import Ente, TipoEnte
from ambito.utenti import ruoli as R
from ambito.utenti import services as us

PASSWORD = "Una-password-robusta-2025"
IERI = dt.date.today() - dt.timedelta(days=1)


class Mondo:
    def __init__(self, codice: str, istat: tuple[str, str]):
        a = self.ambito = Ambito.objects.create(codice=codice, nome=f"Ambito {codice}")
        self.comune = Ente.objects.create(
            ambito=a,
            tipo=TipoEnte.COMUNE,
            nome=f"Comune A {codice}",
            codice_istat=istat[0],
            codice_catastale="F100",
        )
        self.altro_comune = Ente.objects.create(
            ambito=a,
            tipo=TipoEnte.COMUNE,
            nome=f"Comune B {codice}",
            codice_istat=istat[1],
            codice_catastale="H930",
        )
        self.coop = Ente.objects.create(ambito=a, tipo=TipoEnte.EROGATORE, nome=f"Cooperativa {codice}")
        self.altra_coop = Ente.objects.create(ambito=a, tipo=TipoEnte.EROGATORE, nome=f"Altra coop {codice}")
        self.minori = Servizio.objects.create(ambito=a, codice="MINORI", nome="Servizi minori e famiglia")
        self.sad = Servizio.objects.create(ambito=a, codice="SAD", nome="Assistenza domiciliare")
        self.fnps = Fondo.objects.create(
            ambito=a, codice="FNPS", nome="Fondo nazionale politiche sociali", tipo="statale"
        )
        self.bilancio = Fondo.objects.create(
            ambito=a, codice="COMUNI", nome="Bilancio dei Comuni", tipo="comunale"
        )
        self.team = us.crea_team(ambito=a, nome=f"Équipe minori {codice}", servizio=self.minori, attore=None)

        def utente(username, ruoli, qualifica=""):
            return us.crea_utente(
                ambito=a,
                username=f"{codice.lower()}.{username}",
                password=PASSWORD,
                ruoli=ruoli,
                nome=username.capitalize(),
                cognome=codice,
                qualifica=qualifica,
                attore=None,
            )

        self.direzione = utente("direzione", [R.DIREZIONE])
        self.amministrazione = utente("amministrazione", [R.AMMINISTRAZIONE])
        self.ufficiodipiano = utente("udp", [R.UFFICIO_DI_PIANO])
        self.sistema = utente("sistema", [R.AMMINISTRATORE, R.DPO])
        self.cittadino = utente("cittadino", [R.CITTADINO])
        self.coordinatore = utente("coordinatore", [R.COORDINATORE])
        us.assegna_ambito(
            utente=self.coordinatore, tipo="servizio", servizio=self.minori, dal=IERI, attore=None
        )
        self.operatore = utente("assistente", [R.OPERATORE], "assistente sociale")
        us.aggiungi_membro(
            team=self.team, utente=self.operatore, ruolo_nel_team="assistente_sociale", dal=IERI, attore=None
        )
        self.operatore_sad = utente("assistente.sad", [R.OPERATORE], "assistente sociale")
        us.assegna_ambito(
            utente=self.operatore_sad, tipo="servizio", servizio=self.sad, dal=IERI, attore=None
        )
        self.comunale = utente("comune", [R.OPERATORE_COMUNALE], "assistente sociale")
        us.assegna_ambito(utente=self.comunale, tipo="ente", ente=self.comune, dal=IERI, attore=None)
        self.erogatore = utente("erogatore", [R.ENTE_EROGATORE], "educatore")
        us.assegna_ambito(utente=self.erogatore, tipo="ente", ente=self.coop, dal=IERI, attore=None)
        self._n = 0

    # --- direct constructors (no services): for setting the scene -------------------------------

    def persona(self, *, cognome="Rossi", nome="Mario", sesso="M", nascita=dt.date(1950, 3, 1), comune=None):
        self._n += 1
        # Each person is born a day later than the previous one: distinct codici fiscali.
        nascita = nascita + dt.timedelta(days=self._n - 1)
        cf = genera(cognome=cognome, nome=nome, data_nascita=nascita, sesso=sesso, codice_belfiore="F205")
        p = Persona.objects.create(
            ambito=self.ambito,
            codice_fiscale=cf,
            cognome=cognome,
            nome=nome,
            sesso=sesso,
            data_nascita=nascita,
            codice_belfiore_nascita="F205",
            luogo_nascita="Milano",
            cittadinanza="100",
            chiave_ricerca=chiave_ricerca(cognome, nome),
        )
        comune = comune or self.comune
        Residenza.objects.create(
            ambito=self.ambito,
            persona=p,
            comune=comune,
            codice_istat_comune=comune.codice_istat,
            indirizzo="Via Roma 1",
            dal=dt.date(2000, 1, 1),
        )
        return p

    def caso(self, *, persona=None, servizio=None, comune=None, team=None, minori=None, apertura=None):
        servizio = servizio or self.minori
        persona = persona or self.persona()
        c = Caso.objects.create(
            ambito=self.ambito,
            persona=persona,
            servizio=servizio,
            comune_responsabile=comune or self.comune,
            team=team if team is not None else (self.team if servizio == self.minori else None),
            data_apertura=apertura or dt.date(2024, 1, 10),
            minori=servizio == self.minori if minori is None else minori,
        )
        EventoCaso.objects.create(ambito=self.ambito, caso=c, tipo="apertura", data=c.data_apertura)
        return c

    def operatore_del_caso(self, caso, utente, ruolo="assistente_sociale"):
        return OperatoreCaso.objects.create(
            ambito=self.ambito, caso=caso, utente=utente, ruolo=ruolo, dal=IERI
        )

    def intervento(self, caso, *, erogatore=None, servizio=None, dal=dt.date(2024, 2, 1)):
        return Intervento.objects.create(
            ambito=self.ambito,
            caso=caso,
            servizio=servizio or caso.servizio,
            erogatore=erogatore,
            dal=dal,
            quantita_prevista=Decimal("10"),
            presenza_prova_mezzi="4",
            carattere_prestazione="1",
        )

    def client(self, utente) -> Client:
        c = Client()
        c.force_login(utente)
        return c


@pytest.fixture
def mondo(db):
    return Mondo("AMB-A", ("015140", "015195"))


@pytest.fixture
def altro_mondo(db):
    return Mondo("AMB-B", ("015192", "015050"))
