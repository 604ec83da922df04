"""Synthetic case records for the demo Ambito (and, with a bigger size, for the benchmarks).

Persons and households come from `generatore` (deterministic for a seed); here they become
rows: residence, household, ISEE, access, case with its team and operator, assessment, plan,
intervention, monthly deliveries with quotas and funding split, activity and diary. Rows are
written with bulk_create: this is generated data, not user input, so it is not audited row by
row (one audit event records the load) — but every row satisfies the same invariants the
services enforce (quotas add up to the cent, funds cover the quota ente, dates in order).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from ambito.cartella.engine import aggiungi_mesi
from ambito.cartella.models import (
    Accesso,
    Attivita,
    Caso,
    Erogazione,
    EventoCaso,
    FinanziamentoErogazione,
    Intervento,
    InterventoPianificato,
    Isee,
    MembroNucleo,
    Nucleo,
    Obiettivo,
    OperatoreCaso,
    Persona,
    Progetto,
    Residenza,
    Valutazione,
    VersioneProgetto,
    VoceDiario,
)
from ambito.cartella.persone_testo import chiave_ricerca
from ambito.catalogo.models import Servizio, ServizioConferito
from ambito.core.models import Ambito, Utente
from ambito.core.services import registra_evento
from ambito.fondi.models import Fondo
from ambito.territorio.models import Ente, TipoEnte
from ambito.utenti.models import Team

from . import generatore as G

CENT = Decimal("0.01")
OGGI = dt.date(2026, 10, 31)  # last month with deliveries in the demo
INIZIO = dt.date(2022, 1, 1)

# The funds of the Ambito (the columns of Allegato 7 of the Piano Programma 2023).
FONDI = [
    ("COMUNI", "Conferimenti dei Comuni (bilancio comunale)", "comunale"),
    ("FNPS", "Fondo nazionale politiche sociali", "statale"),
    ("FSR", "Fondo sociale regionale", "regionale"),
    ("FSR_PAULLO", "Fondo sociale regionale – quota Distretto Paullese", "regionale"),
    ("B6", "Fondo regionale minori (B6)", "regionale"),
    ("FNA", "Fondo non autosufficienza", "statale"),
    ("POTENZIAMENTO", "Fondo potenziamento", "statale"),
    ("POVERTA", "Fondo povertà (quota servizi)", "statale"),
    ("REGIONE_STATO", "Altri fondi regionali e statali", "regionale"),
    ("SAI", "SAI – fondi del Ministero dell'Interno", "statale"),
]


@dataclass(frozen=True)
class Profilo:
    """How a service looks in the data: who uses it, how much, at what unit cost, who pays."""

    servizio: str
    peso: int
    eta: tuple[int, int]
    quantita: tuple[int, int]  # per month, in the service's unit
    tariffa: Decimal  # € per unit
    fondi: tuple[tuple[str, int], ...]  # fund code, % of the quota ente
    quota_utente: int = 0  # % of the amount paid by the user (when the person has an ISEE)
    quota_ssn: int = 0  # % paid by the health service
    erogatore: str | None = None
    uvm: bool = False


PROFILI = [
    Profilo(
        "MINORI",
        24,
        (0, 17),
        (1, 1),  # unit "casi": one case-month of educational support
        Decimal("320.00"),
        (("COMUNI", 80), ("FSR", 20)),
        erogatore="Cooperativa Sociale Il Melograno ONLUS",
    ),
    Profilo("COLLOCAMENTI", 3, (4, 17), (28, 31), Decimal("115.00"), (("COMUNI", 85), ("B6", 15))),
    Profilo("CAT", 3, (0, 17), (1, 1), Decimal("180.00"), (("COMUNI", 100),)),
    Profilo("IQ", 3, (2, 16), (1, 1), Decimal("120.00"), (("COMUNI", 90), ("FNPS", 10))),
    Profilo("ASI", 4, (6, 17), (2, 6), Decimal("38.00"), (("COMUNI", 60), ("FNPS", 40))),
    Profilo(
        "AES",
        6,
        (6, 17),
        (20, 60),
        Decimal("22.80"),
        (("COMUNI", 95), ("FSR", 5)),
        erogatore="Spazio Aperto Servizi",
    ),
    Profilo(
        "ADH",
        3,
        (3, 21),
        (2, 6),
        Decimal("80.00"),
        (("FNA", 100),),
        erogatore="AIAS di Milano ONLUS",
        uvm=True,
    ),
    Profilo(
        "SAD",
        15,
        (65, 99),
        (2, 8),
        Decimal("21.50"),
        (("COMUNI", 55), ("FNPS", 45)),
        quota_utente=15,
        erogatore="Punto Service",
        uvm=True,
    ),
    Profilo("MISURE_NA", 8, (65, 99), (1, 1), Decimal("400.00"), (("FNA", 100),), uvm=True),
    Profilo(
        "CDD",
        4,
        (18, 64),
        (16, 22),
        Decimal("82.00"),
        (("COMUNI", 100),),
        quota_utente=8,
        quota_ssn=30,
        erogatore="Cooperativa Sociale Il Melograno ONLUS",
        uvm=True,
    ),
    Profilo("SSP", 12, (18, 99), (1, 1), Decimal("60.00"), (("COMUNI", 90), ("FNPS", 10))),
    Profilo("PROT_GIURIDICA", 3, (30, 99), (1, 1), Decimal("90.00"), (("COMUNI", 70), ("FNPS", 30))),
    Profilo("PSICHIATRIA", 2, (25, 64), (20, 30), Decimal("35.00"), (("COMUNI", 70), ("FNPS", 30))),
    Profilo("RDC", 6, (18, 64), (1, 1), Decimal("55.00"), (("POVERTA", 100),)),
    Profilo("CSIOL", 3, (18, 55), (1, 1), Decimal("150.00"), (("COMUNI", 75), ("FNPS", 25))),
    Profilo("SAI", 1, (18, 45), (28, 31), Decimal("35.00"), (("SAI", 100),)),
]

DIARIO = [
    "Colloquio in sede con {chi}: si raccolgono la situazione attuale e le richieste.",
    "Visita domiciliare: l'abitazione è adeguata; {chi} collabora al progetto.",
    "Contatto telefonico con la scuola: frequenza regolare, qualche difficoltà nello studio.",
    "Riunione di rete con i servizi specialistici: si concorda il prossimo passaggio.",
    "{chi} riferisce un miglioramento; si conferma l'intervento in corso.",
    "Aggiornamento con l'educatore: obiettivi del mese in parte raggiunti.",
    "Verifica del progetto con la famiglia: si ridefiniscono due obiettivi.",
    "Segnalazione di una difficoltà economica: orientamento alla misura di sostegno al reddito.",
]
OBIETTIVI = [
    "Sostenere l'autonomia nella cura di sé e della casa",
    "Rafforzare la rete familiare e amicale",
    "Garantire la frequenza scolastica regolare",
    "Accompagnare verso un inserimento lavorativo",
    "Ridurre l'isolamento sociale",
    "Sostenere la genitorialità",
]


def _euro(valore: Decimal) -> Decimal:
    return valore.quantize(CENT, rounding=ROUND_HALF_UP)


def _ripartisci(totale: Decimal, percentuali: tuple[tuple[str, int], ...]) -> list[tuple[str, Decimal]]:
    """Split `totale` by percentages; the last part takes the remainder, so the sum is exact."""
    parti, resto = [], totale
    for codice, perc in percentuali[:-1]:
        quota = _euro(totale * perc / 100)
        parti.append((codice, quota))
        resto -= quota
    parti.append((percentuali[-1][0], resto))
    return [(c, q) for c, q in parti if q > 0]


def _mesi(dal: dt.date, al: dt.date):
    primo = dt.date(dal.year, dal.month, 1)
    while primo <= al:
        ultimo = aggiungi_mesi(primo, 1) - dt.timedelta(days=1)
        yield max(primo, dal), min(ultimo, al)
        primo = aggiungi_mesi(primo, 1)


def _cittadinanze() -> dict[str, str]:
    """Country name (as the generator writes it) -> ISTAT 3-digit citizenship code."""
    with open(G.DATI / "cittadinanze_istat.csv", encoding="utf-8") as fh:
        per_belfiore = {r["codice_belfiore"]: r["codice_istat"] for r in csv.DictReader(fh)}
    nomi = {nome: per_belfiore.get(z, "") for z, (nome, _gruppo, _peso) in G.STATI_ESTERI.items()}
    nomi["Italia"] = "100"
    return nomi


def _scuola(eta: int, rng: random.Random) -> str:
    """SINBA ScuolaFrequentata for the age (nido, infanzia, primaria, secondaria I/II, formazione)."""
    if eta < 3:
        return rng.choice(["1", "3"])
    if eta < 6:
        return "4"
    if eta < 11:
        return "5"
    if eta < 14:
        return "6"
    return rng.choices(["7", "8"], weights=[80, 20])[0]


def dati_sinba(*, caso_id_seme: str, nascita: dt.date, data: dt.date, disabile: bool | None = None) -> dict:
    """A complete SINBA record (the attributes an assistente sociale fills; the export derives the
    others from the person, the residence and the ISEE), plausible for the minor's age. Drawn from
    its own generator seeded by the case, so that adding it leaves the rest of the demo unchanged."""
    rng = random.Random(f"sinba:{caso_id_seme}")
    eta = data.year - nascita.year - ((data.month, data.day) < (nascita.month, nascita.day))
    famiglie = [["1", "2"], ["1", "2", "3"], ["1"], ["1", "3"], ["1", "5"]]
    famiglia = rng.choices(famiglie, [40, 30, 15, 10, 5])[0]
    fuori_famiglia = rng.random() < 0.08
    disabile = rng.random() < 0.07 if disabile is None else disabile
    giudiziario = fuori_famiglia or rng.random() < 0.1
    segnalato = max(nascita, data - dt.timedelta(days=rng.randint(0, 90)))
    d = {
        "ComposizioneFamiglia": famiglia,
        "MinoreStranieroNoAcc": "2",
        "CondizioneMinore": "1",
        "LuogoVita": rng.choice(["3", "4"]) if fuori_famiglia else "1",
        "ScuolaFrequentata": _scuola(eta, rng),
        "CondizioneLavoro": "1",
        "Disabilita": "1" if disabile else "2",
        "DataPrimaSegnalazione": f"{segnalato:%m/%Y}",
        "FonteSegnalazione": rng.choice(["2", "3", "8", "13"]),
        "ValutazioneMinore": rng.choices(["1", "2", "4", "7"], [30, 50, 10, 10])[0],
        "ValutazioneFamigliaMinore": rng.choices(["1", "2", "6"], [20, 60, 20])[0],
        "SegnalazioneAutoritaGiudiziaria": "1" if giudiziario else "2",
        "ProvvedimentoGiudiziario": "1" if fuori_famiglia else "2",
    }
    if disabile:
        d["TipoDisabilita"] = rng.choice(["1", "2", "3", "4"])
        d["InvCivCertificazioni"] = "5"
    if giudiziario:
        d["DataSegnalazione"] = f"{segnalato:%m/%Y}"
    if fuori_famiglia:
        d["DataProvvedimentoGiudiziario"] = f"{segnalato:%m/%Y}"
        d["AutoritaProvvedimento"] = "2"
        d["TipoProvvedimentoGiudiziario"] = "4" if d["LuogoVita"] == "3" else "5"
    return d


def assicura_fondi(ambito: Ambito) -> dict[str, Fondo]:
    for codice, nome, tipo in FONDI:
        Fondo.objects.get_or_create(ambito=ambito, codice=codice, defaults={"nome": nome, "tipo": tipo})
    return {f.codice: f for f in Fondo.objects.filter(ambito=ambito)}


def carica_sintetici(
    *, ambito: Ambito, persone: int = 4000, seed: int = 2026, batch: int = 2000, blocco: int = 5000
) -> dict:
    """Creates `persone` synthetic persons with households, ISEE and case records. Returns counts."""
    rng = random.Random(seed)
    comuni = {
        e.codice_istat: e for e in Ente.objects.filter(ambito=ambito, tipo=TipoEnte.COMUNE) if e.codice_istat
    }
    erogatori = {e.nome: e for e in Ente.objects.filter(ambito=ambito, tipo=TipoEnte.EROGATORE)}
    servizi = {s.codice: s for s in Servizio.objects.filter(ambito=ambito)}
    # A resident is taken in charge only by services their Comune confers (by contract); an
    # Ambito without contracts (the benchmarks') takes every service.
    conferiti = set(
        ServizioConferito.objects.filter(ambito=ambito).values_list(
            "contratto__comune__codice_istat", "servizio__codice"
        )
    )
    fondi = assicura_fondi(ambito)
    team_minori = Team.objects.filter(ambito=ambito, servizio__codice="MINORI").first()
    operatore = Utente.objects.filter(ambito=ambito, username="assistente").first()
    coordinatore = Utente.objects.filter(ambito=ambito, username="coordinatore").first()
    autore = operatore or coordinatore
    cittadinanze = _cittadinanze()
    # Residents of the Ambito's member Comuni only (plus Paullo, an Azienda member).
    pesi = {k: v for k, v in G.pesi_comuni_demo().items() if k in comuni}
    nuclei = G.raggruppa_nuclei(
        G.genera_persone(persone, seed=seed, comuni=pesi, oggi=OGGI), seed=seed, oggi=OGGI
    )
    gen_persone = G.persone_dei_nuclei(nuclei)
    conti: dict[str, int] = {}

    with transaction.atomic():
        righe = [
            Persona(
                ambito=ambito,
                codice_fiscale=p.codice_fiscale,
                cognome=p.cognome,
                nome=p.nome,
                sesso=p.sesso,
                data_nascita=p.data_nascita,
                codice_belfiore_nascita=p.codice_belfiore_nascita,
                luogo_nascita="",
                nato_estero=p.nato_estero,
                cittadinanza=cittadinanze.get(p.cittadinanza, ""),
                telefono=p.telefono,
                chiave_ricerca=chiave_ricerca(p.cognome, p.nome),
            )
            for p in gen_persone
        ]
        Persona.objects.bulk_create(righe, batch_size=batch)
        per_cf = dict(Persona.objects.filter(ambito=ambito).values_list("codice_fiscale", "pk"))
        pid = {p.id: per_cf[p.codice_fiscale] for p in gen_persone}
        conti["persone"] = len(righe)

        residenze = []
        for p in gen_persone:
            comune = comuni[p.comune_residenza]
            residenze.append(
                Residenza(
                    ambito=ambito,
                    persona_id=pid[p.id],
                    comune=comune,
                    codice_istat_comune=comune.codice_istat,
                    indirizzo=p.indirizzo,
                    dal=max(p.data_nascita, dt.date(2010, 1, 1)),
                )
            )
        Residenza.objects.bulk_create(residenze, batch_size=batch)

        oggetti_nuclei = [
            Nucleo(ambito=ambito, denominazione=f"Nucleo {n.intestatario.cognome} – {n.indirizzo}")
            for n in nuclei
        ]
        Nucleo.objects.bulk_create(oggetti_nuclei, batch_size=batch)
        membri, isee = [], []
        for n, nucleo in zip(nuclei, oggetti_nuclei, strict=True):
            for comp in n.componenti:
                membri.append(
                    MembroNucleo(
                        ambito=ambito,
                        nucleo=nucleo,
                        persona_id=pid[comp.persona.id],
                        ruolo=comp.ruolo,
                        dal=max(comp.persona.data_nascita, dt.date(2015, 1, 1)),
                    )
                )
            valore = n.intestatario.isee
            if valore is None:
                continue
            for anno, variazione in ((2025, Decimal("0.97")), (2026, Decimal("1"))):
                data_dsu = dt.date(anno, rng.randint(1, 4), rng.randint(1, 28))
                for comp in n.componenti:
                    isee.append(
                        Isee(
                            ambito=ambito,
                            persona_id=pid[comp.persona.id],
                            nucleo=nucleo,
                            valore=_euro(valore * variazione),
                            protocollo_dsu=f"INPS-ISEE-{anno}-{rng.randint(0, 999999999):09d}-00",
                            data_dsu=data_dsu,
                            data_attestazione=data_dsu + dt.timedelta(days=rng.randint(1, 10)),
                            scadenza=dt.date(anno, 12, 31),
                            componenti_nucleo=len(n.componenti),
                        )
                    )
        MembroNucleo.objects.bulk_create(membri, batch_size=batch)
        Isee.objects.bulk_create(isee, batch_size=batch)
        conti["nuclei"], conti["isee"] = len(oggetti_nuclei), len(isee)
        # The certificate each means-tested intervention refers to: the person's 2025 ISEE.
        ha_isee = {i.persona_id: i for i in isee if i.data_dsu.year == 2025}

        # Case records in chunks of persons, so that memory stays bounded at benchmark sizes.
        for inizio in range(0, len(gen_persone), blocco):
            parziali = _casi(
                rng=rng,
                ambito=ambito,
                persone=gen_persone[inizio : inizio + blocco],
                pid=pid,
                comuni=comuni,
                servizi=servizi,
                conferiti=conferiti,
                erogatori=erogatori,
                fondi=fondi,
                team_minori=team_minori,
                operatore=operatore,
                coordinatore=coordinatore,
                autore=autore,
                ha_isee=ha_isee,
                batch=batch,
            )
            for chiave, valore in parziali.items():
                conti[chiave] = conti.get(chiave, 0) + valore
        registra_evento(
            attore=None,
            azione="demo.carica_sintetici",
            ambito=ambito,
            descrizione=f"Dati sintetici dell'Ambito dimostrativo (seed {seed})",
            dopo=conti,
        )
    return conti


def _casi(
    *,
    rng,
    ambito,
    persone,
    pid,
    comuni,
    servizi,
    conferiti,
    erogatori,
    fondi,
    team_minori,
    operatore,
    coordinatore,
    autore,
    ha_isee,
    batch,
) -> dict:
    profili = [p for p in PROFILI if p.servizio in servizi]
    casi, piani = [], []
    for p in persone:
        if rng.random() > 0.45:  # nearly half of these residents are known to the services
            continue
        eta = p.eta(OGGI)
        adatti = [
            pr
            for pr in profili
            if pr.eta[0] <= eta <= pr.eta[1]
            and (not conferiti or (p.comune_residenza, pr.servizio) in conferiti)
        ]
        if not adatti:
            continue
        profilo = rng.choices(adatti, weights=[pr.peso for pr in adatti])[0]
        apertura = INIZIO + dt.timedelta(days=rng.randint(0, (OGGI - INIZIO).days - 30))
        apertura = max(apertura, p.data_nascita + dt.timedelta(days=30))
        chiuso = rng.random() < 0.25
        chiusura = min(OGGI, apertura + dt.timedelta(days=rng.randint(90, 720))) if chiuso else None
        servizio = servizi[profilo.servizio]
        minori = eta < 18 or profilo.servizio in ("MINORI", "COLLOCAMENTI", "CAT", "IQ")
        caso = Caso(
            ambito=ambito,
            persona_id=pid[p.id],
            servizio=servizio,
            comune_responsabile=comuni[p.comune_residenza],
            team=team_minori if profilo.servizio == "MINORI" else None,
            data_apertura=apertura,
            chiuso_il=chiusura,
            minori=minori,
            motivo_apertura="Presa in carico a seguito di accesso al segretariato sociale.",
            creato_da=autore,
        )
        casi.append(caso)
        piani.append((caso, profilo, p))
    Caso.objects.bulk_create(casi, batch_size=batch)

    eventi, accessi, operatori, valutazioni, diario = [], [], [], [], []
    for caso, profilo, p in piani:
        eventi.append(EventoCaso(ambito=ambito, caso=caso, tipo="apertura", data=caso.data_apertura))
        if caso.chiuso_il:
            eventi.append(
                EventoCaso(
                    ambito=ambito,
                    caso=caso,
                    tipo="chiusura",
                    data=caso.chiuso_il,
                    motivo=rng.choice(["concluso", "trasferimento", "rinuncia", "invio"]),
                    esito=rng.choice(["obiettivi_raggiunti", "parzialmente", "non_valutabile"]),
                )
            )
        accessi.append(
            Accesso(
                ambito=ambito,
                persona_id=caso.persona_id,
                data=caso.data_apertura - dt.timedelta(days=rng.randint(5, 40)),
                canale=rng.choice(
                    ["spontaneo", "invio_servizi", "scuola", "medico", "familiare", "ospedale"]
                ),
                comune=caso.comune_responsabile,
                richiesta="Richiesta di sostegno per la situazione familiare.",
                esito_triage="complesso" if profilo.uvm else "sociale",
                servizio_destinazione=caso.servizio,
                operatore=autore,
                caso=caso,
            )
        )
        if caso.team_id and operatore is not None:
            operatori.append(
                OperatoreCaso(
                    ambito=ambito,
                    caso=caso,
                    utente=operatore,
                    ruolo="assistente_sociale",
                    referente=True,
                    dal=caso.data_apertura,
                )
            )
        data_val = caso.data_apertura + dt.timedelta(days=rng.randint(7, 40))
        if data_val <= OGGI:
            val = Valutazione(
                ambito=ambito,
                caso=caso,
                tipo="uvm" if profilo.uvm else ("minori" if caso.minori else "professionale"),
                data=data_val,
                testo="Valutazione dei bisogni e delle risorse della persona e della rete familiare.",
                stato="approvata",
                approvata_da=coordinatore,
                creato_da=autore,
            )
            if val.tipo == "minori":  # the SINBA record of the minor, complete
                val.dati_sinba = dati_sinba(
                    caso_id_seme=f"{p.id}:{caso.data_apertura}", nascita=p.data_nascita, data=data_val
                )
            if profilo.uvm:
                val.mobilita = str(rng.randint(1, 3))
                val.attivita_vita_quotidiana = str(rng.randint(1, 3))
                val.disturbi_area_cognitiva = str(rng.randint(1, 3))
                val.disturbi_comportamentali = str(rng.randint(1, 2))
                val.necessita_cure_sanitarie = str(rng.randint(1, 3))
                val.area_reddituale = str(rng.randint(1, 3))
                val.area_supporto = str(rng.randint(1, 3))
                val.fonte_derivazione_valutazione = "1"
                val.strumento_valutazione = rng.choice(["1", "5", "7"])
            valutazioni.append(val)
            if profilo.uvm and caso.minori:  # a disabled minor: besides the UVM, the SINBA record
                valutazioni.append(
                    Valutazione(
                        ambito=ambito,
                        caso=caso,
                        tipo="minori",
                        data=data_val,
                        testo="Valutazione del minore e della famiglia (SINBA).",
                        stato="approvata",
                        approvata_da=coordinatore,
                        creato_da=autore,
                        dati_sinba=dati_sinba(
                            caso_id_seme=f"{p.id}:{caso.data_apertura}",
                            nascita=p.data_nascita,
                            data=data_val,
                            disabile=True,
                        ),
                    )
                )
        giorno = caso.data_apertura
        fine = caso.chiuso_il or OGGI
        for _ in range(rng.randint(2, 8)):
            giorno = giorno + dt.timedelta(days=rng.randint(7, 60))
            if giorno > fine:
                break
            diario.append(
                VoceDiario(
                    ambito=ambito,
                    caso=caso,
                    data=giorno,
                    testo=rng.choice(DIARIO).format(chi=p.nome),
                    riservatezza=rng.choices(["ordinaria", "team", "giudiziaria"], weights=[80, 15, 5])[0]
                    if caso.minori
                    else rng.choices(["ordinaria", "team"], weights=[85, 15])[0],
                    creato_da=autore,
                )
            )
    EventoCaso.objects.bulk_create(eventi, batch_size=batch)
    Accesso.objects.bulk_create(accessi, batch_size=batch)
    OperatoreCaso.objects.bulk_create(operatori, batch_size=batch)
    Valutazione.objects.bulk_create(valutazioni, batch_size=batch)
    VoceDiario.objects.bulk_create(diario, batch_size=batch)

    progetti, versioni, obiettivi, pianificati, interventi = [], [], [], [], []
    for caso, profilo, _p in piani:
        inizio = caso.data_apertura + dt.timedelta(days=rng.randint(20, 60))
        if inizio > (caso.chiuso_il or OGGI):
            continue
        prog = Progetto(
            ambito=ambito, caso=caso, tipo="quadro" if caso.minori else "individualizzato", creato_da=autore
        )
        progetti.append(prog)
        mesi = rng.choice([3, 6, 6, 12])
        versioni.append(
            VersioneProgetto(
                ambito=ambito,
                progetto=prog,
                numero=1,
                sintesi="Progetto condiviso con la persona e la famiglia.",
                data_inizio=inizio,
                data_fine=caso.chiuso_il,
                revisione_ogni_mesi=mesi,
                prossima_verifica=aggiungi_mesi(inizio, mesi * rng.randint(1, 4)),
                stato="approvata",
                approvata_da=coordinatore,
                creato_da=autore,
            )
        )
        al = caso.chiuso_il
        erogatore = erogatori.get(profilo.erogatore) if profilo.erogatore else None
        interventi.append(
            (
                Intervento(
                    ambito=ambito,
                    caso=caso,
                    servizio=caso.servizio,
                    erogatore=erogatore,
                    dal=inizio,
                    al=al,
                    quantita_prevista=Decimal(profilo.quantita[1] * 12),
                    presenza_prova_mezzi="1" if profilo.quota_utente and caso.persona_id in ha_isee else "4",
                    isee=ha_isee.get(caso.persona_id) if profilo.quota_utente else None,
                    carattere_prestazione="1",
                    creato_da=autore,
                ),
                profilo,
            )
        )
    Progetto.objects.bulk_create(progetti, batch_size=batch)
    for v in versioni:
        v.progetto_id = v.progetto.pk
    VersioneProgetto.objects.bulk_create(versioni, batch_size=batch)
    for v, (intervento, profilo) in zip(versioni, interventi, strict=True):
        obiettivi.append(Obiettivo(ambito=ambito, versione=v, descrizione=rng.choice(OBIETTIVI), ordine=1))
        pianificati.append(
            InterventoPianificato(
                ambito=ambito,
                versione=v,
                servizio=intervento.servizio,
                erogatore=intervento.erogatore,
                quantita=Decimal(profilo.quantita[1]),
                periodicita="mese",
                dal=v.data_inizio,
                al=v.data_fine,
            )
        )
    Obiettivo.objects.bulk_create(obiettivi, batch_size=batch)
    InterventoPianificato.objects.bulk_create(pianificati, batch_size=batch)
    for (intervento, _profilo), pian in zip(interventi, pianificati, strict=True):
        intervento.intervento_pianificato = pian
    Intervento.objects.bulk_create([i for i, _ in interventi], batch_size=batch)

    erogazioni, finanziamenti, attivita = [], [], []
    for intervento, profilo in interventi:
        for dal, al in _mesi(intervento.dal, intervento.al or OGGI):
            giorni = (al - dal).days + 1
            quantita = Decimal(max(1, round(rng.randint(*profilo.quantita) * giorni / 30)))
            importo = _euro(quantita * profilo.tariffa)
            utente = (
                _euro(importo * profilo.quota_utente / 100) if intervento.presenza_prova_mezzi == "1" else 0
            )
            ssn = _euro(importo * profilo.quota_ssn / 100)
            ente = importo - utente - ssn
            e = Erogazione(
                ambito=ambito,
                intervento=intervento,
                dal=dal,
                al=al,
                data_erogazione=al,
                quantita=quantita,
                importo=importo,
                quota_ente=ente,
                quota_utente=utente,
                quota_ssn=ssn,
            )
            erogazioni.append(e)
            for codice, quota in _ripartisci(ente, profilo.fondi):
                finanziamenti.append(
                    FinanziamentoErogazione(erogazione=e, fondo=fondi[codice], importo=quota)
                )
            if intervento.erogatore_id and operatore is not None and profilo.servizio == "MINORI":
                attivita.append(
                    Attivita(
                        ambito=ambito,
                        intervento=intervento,
                        operatore=operatore,
                        data=al,
                        tipo="educativo",
                        ore=Decimal(rng.randint(2, 8)),
                        accessi=1,
                        note="Intervento educativo domiciliare.",
                    )
                )
    Erogazione.objects.bulk_create(erogazioni, batch_size=batch)
    FinanziamentoErogazione.objects.bulk_create(finanziamenti, batch_size=batch)
    Attivita.objects.bulk_create(attivita, batch_size=batch)
    return {
        "casi": len(casi),
        "progetti": len(progetti),
        "interventi": len(interventi),
        "erogazioni": len(erogazioni),
        "diario": len(diario),
    }
