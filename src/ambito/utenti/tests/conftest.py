import datetime as dt

import pytest
from django.utils.text import slugify

from ambito.catalogo.models import Servizio
from ambito.core.models import Ambito
from ambito.territorio.models import Ente, TipoEnte
from ambito.utenti import ruoli as R
from ambito.utenti import services

PASSWORD = "Una-password-robusta-2025"


class Mondo:
    """One Ambito with a Comune, a provider, two services, a team and one user per role."""

    def __init__(self, codice: str):
        self.ambito = Ambito.objects.create(codice=codice, nome=f"Ambito {codice}")
        a = self.ambito
        self.comune = Ente.objects.create(
            ambito=a,
            tipo=TipoEnte.COMUNE,
            nome=f"Comune {codice}",
            codice_istat="015" + codice[-3:].rjust(3, "0"),
        )
        self.altro_comune = Ente.objects.create(ambito=a, tipo=TipoEnte.COMUNE, nome=f"Altro Comune {codice}")
        self.coop = Ente.objects.create(ambito=a, tipo=TipoEnte.EROGATORE, nome=f"Cooperativa {codice}")
        self.sad = Servizio.objects.create(ambito=a, codice="SAD", nome="Assistenza domiciliare")
        self.tutela = Servizio.objects.create(ambito=a, codice="TM", nome="Tutela minori")
        self.team = services.crea_team(
            ambito=a, nome=f"Équipe minori {codice}", servizio=self.tutela, attore=None
        )
        self.utenti = {}
        for nome in R.RUOLI:
            username = f"{codice}-{slugify(nome)}"
            self.utenti[nome] = services.crea_utente(
                ambito=a,
                username=username,
                password=PASSWORD,
                ruoli=[nome],
                nome="Nome",
                cognome=nome,
                attore=None,
            )
        ieri = dt.date.today() - dt.timedelta(days=1)
        services.assegna_ambito(
            utente=self.utenti[R.OPERATORE_COMUNALE], tipo="ente", ente=self.comune, dal=ieri, attore=None
        )
        services.assegna_ambito(
            utente=self.utenti[R.ENTE_EROGATORE], tipo="ente", ente=self.coop, dal=ieri, attore=None
        )
        services.assegna_ambito(
            utente=self.utenti[R.COORDINATORE], tipo="servizio", servizio=self.tutela, dal=ieri, attore=None
        )
        services.aggiungi_membro(
            team=self.team,
            utente=self.utenti[R.OPERATORE],
            ruolo_nel_team="assistente_sociale",
            dal=ieri,
            attore=None,
        )

    def __getitem__(self, ruolo):
        return self.utenti[ruolo]


@pytest.fixture
def mondo(db):
    return Mondo("A01")


@pytest.fixture
def altro_mondo(db):
    return Mondo("B02")
