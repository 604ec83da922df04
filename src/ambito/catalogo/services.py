"""Every write of the catalogue: keyword-only functions, one transaction, one audit event each.

Validation errors are `django.core.exceptions.ValidationError` with Italian messages; nothing is
stored when one is raised.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from ambito.core.services import istantanea, registra_evento
from ambito.territorio.models import Ente, TipoEnte

from .codici_csv import RigaCodice
from .models import (
    Area,
    ContrattoServizio,
    Corrispondenza,
    Servizio,
    ServizioConferito,
    Settore,
    TabellaCodici,
    VoceCodice,
)

CREATO, AGGIORNATO, INVARIATO = "creati", "aggiornati", "invariati"
TIPI_CONTRAENTE = (TipoEnte.COMUNE, TipoEnte.UNIONE)
CAMPI_SERVIZIO = [
    "nome",
    "settore",
    "descrizione",
    "unita_misura",
    "destinatari",
    "target",
    "modalita_erogazione",
    "regime_compartecipazione",
    "metodo_riparto",
    "data_riferimento_popolazione",
    "porta_costi_indiretti",
    "fonti_finanziamento",
    "riga_art13",
    "attivo",
]


# --- helpers -------------------------------------------------------------------------------


def _gg(data: dt.date | None) -> str:
    return data.strftime("%d/%m/%Y") if data else ""


def _periodo(dal: dt.date, al: dt.date | None) -> str:
    return f"dal {_gg(dal)} al {_gg(al)}" if al else f"dal {_gg(dal)} senza scadenza"


def _sovrapposti(qs, dal: dt.date, al: dt.date | None, campo_dal: str = "dal", campo_al: str = "al"):
    """Rows of qs whose [dal, al] period (open end = forever) overlaps [dal, al]."""
    qs = qs.filter(Q(**{f"{campo_al}__isnull": True}) | Q(**{f"{campo_al}__gte": dal}))
    if al is not None:
        qs = qs.filter(**{f"{campo_dal}__lte": al})
    return qs


def _verifica(obj, contesto: str, exclude: list[str] | None = None) -> None:
    """Model validation (choices, lengths, uniqueness) with the fields' Italian names."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as e:
        parti = []
        for campo, messaggi in e.message_dict.items():
            try:
                nome = obj._meta.get_field(campo).verbose_name
            except Exception:
                nome = ""
            testo = " ".join(messaggi)
            parti.append(f"{nome}: {testo}" if nome else testo)
        raise ValidationError(f"{contesto}: {'; '.join(parti)}") from None


def _applica(obj, valori: dict) -> bool:
    cambiato = False
    for campo, valore in valori.items():
        if getattr(obj, campo) != valore:
            setattr(obj, campo, valore)
            cambiato = True
    return cambiato


def _salva_per_codice(model, *, ambito, codice: str, valori: dict, attore, contesto: str):
    """Create or update a per-Ambito row matched by codice; audit only real changes."""
    obj = model.objects.filter(ambito=ambito, codice=codice).first()
    etichetta = model._meta.model_name
    if obj is None:
        obj = model(ambito=ambito, codice=codice, **valori)
        _verifica(obj, contesto)
        obj.save()
        registra_evento(
            attore=attore, azione=f"catalogo.{etichetta}.creato", oggetto=obj, dopo=istantanea(obj)
        )
        return obj, CREATO
    prima = istantanea(obj)
    if not _applica(obj, valori):
        return obj, INVARIATO
    _verifica(obj, contesto)
    obj.save()
    registra_evento(
        attore=attore,
        azione=f"catalogo.{etichetta}.modificato",
        oggetto=obj,
        prima=prima,
        dopo=istantanea(obj),
    )
    return obj, AGGIORNATO


# --- areas, sectors, services --------------------------------------------------------------


@transaction.atomic
def salva_area(*, ambito, codice: str, nome: str, ordine: int = 0, attore=None):
    """Create or update an area by codice. Returns (area, "creati"|"aggiornati"|"invariati")."""
    return _salva_per_codice(
        Area,
        ambito=ambito,
        codice=codice,
        valori={"nome": nome, "ordine": ordine},
        attore=attore,
        contesto=f"Area «{codice}»",
    )


@transaction.atomic
def salva_settore(*, ambito, codice: str, nome: str, area: Area, ordine: int = 0, attore=None):
    if area.ambito_id != ambito.pk:
        raise ValidationError(f"Settore «{codice}»: l'area indicata appartiene a un altro Ambito.")
    return _salva_per_codice(
        Settore,
        ambito=ambito,
        codice=codice,
        valori={"nome": nome, "area": area, "ordine": ordine},
        attore=attore,
        contesto=f"Settore «{codice}»",
    )


@transaction.atomic
def salva_servizio(*, ambito, codice: str, attore=None, **campi):
    """Create or update a service by codice; only the fields given are set."""
    sconosciuti = sorted(set(campi) - set(CAMPI_SERVIZIO))
    if sconosciuti:
        raise ValidationError(f"Servizio «{codice}»: campi sconosciuti {', '.join(sconosciuti)}.")
    settore = campi.get("settore")
    if settore is not None and settore.ambito_id != ambito.pk:
        raise ValidationError(f"Servizio «{codice}»: il settore indicato appartiene a un altro Ambito.")
    if Servizio.objects.filter(ambito=ambito, codice=codice).exists() is False and not campi.get("nome"):
        raise ValidationError(f"Servizio «{codice}»: la denominazione è obbligatoria.")
    return _salva_per_codice(
        Servizio, ambito=ambito, codice=codice, valori=campi, attore=attore, contesto=f"Servizio «{codice}»"
    )


# --- code tables ---------------------------------------------------------------------------


@transaction.atomic
def carica_versione_codici(
    *, tabella: str, voci: list[RigaCodice], valido_dal: dt.date, attore=None, nome: str = "", fonte: str = ""
) -> TabellaCodici:
    """Add a new version of a national code table, closing the previous one the day before.

    A new table is created only if `nome` is given. Versions are added in date order.
    """
    if not voci:
        raise ValidationError("La nuova versione non contiene codici.")
    t = TabellaCodici.objects.filter(codice=tabella).first()
    if t is None:
        if not nome:
            raise ValidationError(
                f"La tabella di codici «{tabella}» non esiste: indicarne il nome per crearla."
            )
        t = TabellaCodici(codice=tabella, nome=nome, fonte=fonte)
        _verifica(t, f"Tabella «{tabella}»")
        t.save()
        registra_evento(attore=attore, azione="catalogo.tabellacodici.creata", oggetto=t, dopo=istantanea(t))
    ultima = t.voci.filter(valido_dal__gte=valido_dal).order_by("-valido_dal").first()
    if ultima is not None:
        raise ValidationError(
            f"La tabella «{tabella}» ha già una versione valida dal {_gg(ultima.valido_dal)}: "
            f"una nuova versione deve iniziare dopo."
        )
    chiusura = valido_dal - dt.timedelta(days=1)
    da_chiudere = t.voci.filter(Q(valido_al__isnull=True) | Q(valido_al__gte=valido_dal))
    chiuse = da_chiudere.update(valido_al=chiusura)
    VoceCodice.objects.bulk_create(
        [
            VoceCodice(tabella=t, codice=v.codice, denominazione=v.denominazione, valido_dal=valido_dal)
            for v in voci
        ]
    )
    registra_evento(
        attore=attore,
        azione="catalogo.tabellacodici.nuova_versione",
        oggetto=t,
        dopo={"valido_dal": valido_dal, "voci": len(voci), "voci_chiuse": chiuse, "chiuse_al": chiusura},
    )
    return t


def _voce(tabella: str, codice: str, data: dt.date, contesto: str) -> VoceCodice:
    if not TabellaCodici.objects.filter(codice=tabella).exists():
        raise ValidationError(f"{contesto}: la tabella di codici «{tabella}» non esiste.")
    voce = VoceCodice.objects.valide_al(data).filter(tabella__codice=tabella, codice=codice).first()
    if voce is None:
        raise ValidationError(
            f"{contesto}: il codice «{codice}» non esiste nella tabella «{tabella}» alla data {_gg(data)}."
        )
    return voce


# --- crosswalks ----------------------------------------------------------------------------


@transaction.atomic
def aggiungi_corrispondenza(
    *,
    servizio: Servizio,
    tabella: str,
    codice: str,
    valido_dal: dt.date,
    valido_al: dt.date | None = None,
    attore=None,
) -> Corrispondenza:
    """Map a service to a code of a national table from a date.

    At most one active entry per (service, table) at any date.
    """
    contesto = f"Servizio «{servizio.codice}», tabella «{tabella}»"
    if valido_al is not None and valido_al < valido_dal:
        raise ValidationError(f"{contesto}: la fine validità precede l'inizio.")
    voce = _voce(tabella, codice, valido_dal, contesto)
    sovrapposta = (
        _sovrapposti(
            Corrispondenza.objects.filter(servizio=servizio, voce__tabella=voce.tabella),
            valido_dal,
            valido_al,
            "valido_dal",
            "valido_al",
        )
        .select_related("voce")
        .first()
    )
    if sovrapposta is not None:
        raise ValidationError(
            f"{contesto}: c'è già il codice «{sovrapposta.voce.codice}» "
            f"{_periodo(sovrapposta.valido_dal, sovrapposta.valido_al)}; "
            "un servizio ha al più un codice attivo per tabella a ogni data: chiudere prima quello esistente."
        )
    c = Corrispondenza(
        ambito=servizio.ambito, servizio=servizio, voce=voce, valido_dal=valido_dal, valido_al=valido_al
    )
    c.save()
    registra_evento(attore=attore, azione="catalogo.corrispondenza.creata", oggetto=c, dopo=istantanea(c))
    return c


@transaction.atomic
def chiudi_corrispondenza(
    *, corrispondenza: Corrispondenza, valido_al: dt.date, attore=None
) -> Corrispondenza:
    c = Corrispondenza.objects.select_for_update().get(pk=corrispondenza.pk)
    if valido_al < c.valido_dal:
        raise ValidationError("La fine validità della corrispondenza non può precedere l'inizio.")
    if c.valido_al is not None and valido_al > c.valido_al:
        raise ValidationError(
            "La corrispondenza è già chiusa prima di quella data: si può solo anticiparne la fine."
        )
    prima = istantanea(c)
    c.valido_al = valido_al
    c.save(update_fields=["valido_al"])
    registra_evento(
        attore=attore, azione="catalogo.corrispondenza.chiusa", oggetto=c, prima=prima, dopo=istantanea(c)
    )
    return c


# --- contracts -----------------------------------------------------------------------------


def _verifica_contratto(*, ambito, comune: Ente, dal, al, escludi_pk=None) -> None:
    if comune.ambito_id != ambito.pk:
        raise ValidationError(f"L'ente «{comune}» appartiene a un altro Ambito.")
    if comune.tipo not in TIPI_CONTRAENTE:
        raise ValidationError(
            f"Il contratto di servizio si stipula con un Comune o un'Unione, non con «{comune}»."
        )
    if al is not None and al < dal:
        raise ValidationError(
            f"Contratto di {comune}: la data di fine ({_gg(al)}) precede l'inizio ({_gg(dal)})."
        )
    altri = _sovrapposti(ContrattoServizio.objects.filter(comune=comune), dal, al)
    if escludi_pk is not None:
        altri = altri.exclude(pk=escludi_pk)
    altro = altri.first()
    if altro is not None:
        raise ValidationError(
            f"{comune} ha già un contratto di servizio {_periodo(altro.dal, altro.al)} "
            f"che si sovrappone al periodo {_periodo(dal, al)}."
        )


@transaction.atomic
def crea_contratto(
    *,
    ambito,
    comune: Ente,
    dal: dt.date,
    al: dt.date | None = None,
    numero: str = "",
    data_stipula: dt.date | None = None,
    note: str = "",
    attore=None,
) -> ContrattoServizio:
    """One contract per Comune/Unione and period; periods of one Comune never overlap."""
    Ente.objects.select_for_update().filter(pk=comune.pk).first()  # serialise contracts of one Comune
    _verifica_contratto(ambito=ambito, comune=comune, dal=dal, al=al)
    c = ContrattoServizio(
        ambito=ambito, comune=comune, dal=dal, al=al, numero=numero, data_stipula=data_stipula, note=note
    )
    _verifica(c, f"Contratto di {comune}")
    c.save()
    registra_evento(attore=attore, azione="catalogo.contratto.creato", oggetto=c, dopo=istantanea(c))
    return c


@transaction.atomic
def modifica_contratto(*, contratto: ContrattoServizio, attore=None, **campi) -> ContrattoServizio:
    """Change al, numero, data_stipula or note; the conferrals must stay inside the period."""
    ammessi = {"al", "numero", "data_stipula", "note"}
    if set(campi) - ammessi:
        raise ValidationError(f"Campi non modificabili: {', '.join(sorted(set(campi) - ammessi))}.")
    c = ContrattoServizio.objects.select_for_update().select_related("comune").get(pk=contratto.pk)
    prima = istantanea(c)
    if not _applica(c, campi):
        return c
    _verifica_contratto(ambito=c.ambito, comune=c.comune, dal=c.dal, al=c.al, escludi_pk=c.pk)
    if c.al is not None:
        fuori = c.conferimenti.filter(Q(al__isnull=True) | Q(al__gt=c.al)).select_related("servizio").first()
        if fuori is not None:
            raise ValidationError(
                f"Il conferimento di {fuori.servizio.codice} ({_periodo(fuori.dal, fuori.al)}) "
                f"uscirebbe dal periodo del contratto: revocarlo prima."
            )
    _verifica(c, f"Contratto di {c.comune}")
    c.save()
    registra_evento(
        attore=attore, azione="catalogo.contratto.modificato", oggetto=c, prima=prima, dopo=istantanea(c)
    )
    return c


def _verifica_conferimento(
    *, contratto: ContrattoServizio, servizio: Servizio, dal, al, escludi_pk=None
) -> None:
    nome = f"Conferimento di «{servizio.codice}» da {contratto.comune}"
    if servizio.ambito_id != contratto.ambito_id:
        raise ValidationError(f"{nome}: il servizio appartiene a un altro Ambito.")
    if al is not None and al < dal:
        raise ValidationError(f"{nome}: la data di fine ({_gg(al)}) precede l'inizio ({_gg(dal)}).")
    fuori = dal < contratto.dal or (contratto.al is not None and (al is None or al > contratto.al))
    if fuori:
        raise ValidationError(
            f"{nome}: il periodo {_periodo(dal, al)} non è compreso nel contratto "
            f"({_periodo(contratto.dal, contratto.al)})."
        )
    altri = _sovrapposti(ServizioConferito.objects.filter(contratto=contratto, servizio=servizio), dal, al)
    if escludi_pk is not None:
        altri = altri.exclude(pk=escludi_pk)
    altro = altri.first()
    if altro is not None:
        raise ValidationError(
            f"{nome}: il servizio è già conferito {_periodo(altro.dal, altro.al)} nello stesso contratto."
        )


@transaction.atomic
def conferisci_servizio(
    *,
    contratto: ContrattoServizio,
    servizio: Servizio,
    dal: dt.date,
    al: dt.date | None = None,
    quantita_annua: Decimal | None = None,
    note: str = "",
    attore=None,
) -> ServizioConferito:
    """Confer a service under a contract. Without `al`, the conferral ends with the contract."""
    contratto = ContrattoServizio.objects.select_for_update().select_related("comune").get(pk=contratto.pk)
    if al is None:
        al = contratto.al
    _verifica_conferimento(contratto=contratto, servizio=servizio, dal=dal, al=al)
    s = ServizioConferito(
        ambito=contratto.ambito,
        contratto=contratto,
        servizio=servizio,
        dal=dal,
        al=al,
        quantita_annua=quantita_annua,
        note=note,
    )
    _verifica(s, f"Conferimento di «{servizio.codice}» da {contratto.comune}")
    s.save()
    registra_evento(attore=attore, azione="catalogo.conferimento.creato", oggetto=s, dopo=istantanea(s))
    return s


@transaction.atomic
def modifica_conferimento(
    *, conferimento: ServizioConferito, attore=None, azione: str = "modificato", **campi
):
    """Change al, quantita_annua or note of a conferral, keeping it inside its contract."""
    ammessi = {"al", "quantita_annua", "note"}
    if set(campi) - ammessi:
        raise ValidationError(f"Campi non modificabili: {', '.join(sorted(set(campi) - ammessi))}.")
    s = (
        ServizioConferito.objects.select_for_update()
        .select_related("contratto__comune", "servizio")
        .get(pk=conferimento.pk)
    )
    prima = istantanea(s)
    if not _applica(s, campi):
        return s
    _verifica_conferimento(contratto=s.contratto, servizio=s.servizio, dal=s.dal, al=s.al, escludi_pk=s.pk)
    _verifica(s, f"Conferimento di «{s.servizio.codice}» da {s.contratto.comune}")
    s.save()
    registra_evento(
        attore=attore, azione=f"catalogo.conferimento.{azione}", oggetto=s, prima=prima, dopo=istantanea(s)
    )
    return s


def revoca_conferimento(*, conferimento: ServizioConferito, al: dt.date, attore=None) -> ServizioConferito:
    """End a conferral on `al` (last day conferred). Never deletes; can only shorten."""
    if al < conferimento.dal:
        raise ValidationError(
            f"La revoca ({_gg(al)}) non può precedere l'inizio del conferimento ({_gg(conferimento.dal)})."
        )
    if conferimento.al is not None and al > conferimento.al:
        raise ValidationError(
            f"Il conferimento termina già il {_gg(conferimento.al)}: la revoca può solo anticiparne la fine."
        )
    return modifica_conferimento(conferimento=conferimento, al=al, attore=attore, azione="revocato")


# --- the catalogue file --------------------------------------------------------------------


def _data(valore: Any, contesto: str, obbligatoria: bool = True) -> dt.date | None:
    if valore in (None, ""):
        if obbligatoria:
            raise ValidationError(f"{contesto}: data mancante.")
        return None
    try:
        return dt.date.fromisoformat(str(valore))
    except ValueError:
        raise ValidationError(f"{contesto}: data «{valore}» non valida (formato AAAA-MM-GG).") from None


def _decimale(valore: Any, contesto: str) -> Decimal | None:
    if valore in (None, ""):
        return None
    try:
        d = Decimal(str(valore))
    except InvalidOperation:
        raise ValidationError(f"{contesto}: numero «{valore}» non valido.") from None
    if not d.is_finite():
        raise ValidationError(f"{contesto}: numero «{valore}» non valido.")
    return d


def _obbligatorio(voce: dict, chiave: str, contesto: str) -> Any:
    if not isinstance(voce, dict):
        raise ValidationError(f"{contesto}: atteso un oggetto JSON.")
    valore = voce.get(chiave)
    if valore in (None, ""):
        raise ValidationError(f"{contesto}: manca «{chiave}».")
    return valore


def _lista(dati: dict, chiave: str) -> list:
    valore = dati.get(chiave, [])
    if not isinstance(valore, list):
        raise ValidationError(f"«{chiave}» deve essere una lista.")
    return valore


def _conta(conteggi: dict, chiave: str, stato: str) -> None:
    conteggi.setdefault(chiave, {CREATO: 0, AGGIORNATO: 0, INVARIATO: 0})[stato] += 1


def _campi_servizio(voce: dict, settori: dict, ambito, contesto: str) -> dict:
    ammessi = set(CAMPI_SERVIZIO) | {"codice", "codici"}
    sconosciuti = sorted(set(voce) - ammessi)
    if sconosciuti:
        raise ValidationError(f"{contesto}: chiavi sconosciute {', '.join(sconosciuti)}.")
    campi = {k: voce[k] for k in CAMPI_SERVIZIO if k in voce}
    if "settore" in campi:
        codice_settore = campi["settore"]
        if codice_settore in (None, ""):
            campi["settore"] = None
        else:
            settore = (
                settori.get(codice_settore)
                or Settore.objects.filter(ambito=ambito, codice=codice_settore).first()
            )
            if settore is None:
                raise ValidationError(f"{contesto}: il settore «{codice_settore}» non esiste.")
            campi["settore"] = settore
    if "data_riferimento_popolazione" in campi:
        campi["data_riferimento_popolazione"] = _data(
            campi["data_riferimento_popolazione"],
            f"{contesto}, data_riferimento_popolazione",
            obbligatoria=False,
        )
    for booleano in ("porta_costi_indiretti", "attivo"):
        if booleano in campi and not isinstance(campi[booleano], bool):
            raise ValidationError(f"{contesto}: «{booleano}» deve essere true o false.")
    if "riga_art13" in campi and campi["riga_art13"] is not None and not isinstance(campi["riga_art13"], int):
        raise ValidationError(f"{contesto}: «riga_art13» deve essere un numero intero.")
    for testo in ("descrizione", "destinatari", "fonti_finanziamento", "target"):
        if testo in campi and campi[testo] is None:
            campi[testo] = ""
    return campi


def _carica_codici_servizio(servizio: Servizio, codici: list, attore, conteggi: dict, contesto: str) -> None:
    if not isinstance(codici, list):
        raise ValidationError(f"{contesto}: «codici» deve essere una lista.")
    for i, voce in enumerate(codici, start=1):
        ctx = f"{contesto}, codici[{i}]"
        tabella = _obbligatorio(voce, "tabella", ctx)
        codice = str(_obbligatorio(voce, "codice", ctx))
        valido_dal = _data(voce.get("valido_dal"), f"{ctx}, valido_dal")
        valido_al = _data(voce.get("valido_al"), f"{ctx}, valido_al", obbligatoria=False)
        esistente = Corrispondenza.objects.filter(
            servizio=servizio, voce__tabella__codice=tabella, voce__codice=codice, valido_dal=valido_dal
        ).first()
        if esistente is None:
            aggiungi_corrispondenza(
                servizio=servizio,
                tabella=tabella,
                codice=codice,
                valido_dal=valido_dal,
                valido_al=valido_al,
                attore=attore,
            )
            _conta(conteggi, "corrispondenze", CREATO)
        elif esistente.valido_al != valido_al:
            if valido_al is None or (esistente.valido_al is not None and valido_al > esistente.valido_al):
                raise ValidationError(
                    f"{ctx}: una corrispondenza chiusa non si riapre; aggiungerne una nuova."
                )
            chiudi_corrispondenza(corrispondenza=esistente, valido_al=valido_al, attore=attore)
            _conta(conteggi, "corrispondenze", AGGIORNATO)
        else:
            _conta(conteggi, "corrispondenze", INVARIATO)


def _ente_contratto(ambito, voce: dict, contesto: str) -> Ente:
    qs = Ente.objects.filter(ambito=ambito, tipo__in=TIPI_CONTRAENTE)
    if voce.get("comune"):
        ente = qs.filter(codice_istat=str(voce["comune"])).first()
        if ente is None:
            raise ValidationError(
                f"{contesto}: nessun Comune/Unione con codice ISTAT «{voce['comune']}» in questo Ambito "
                f"(caricare prima il territorio)."
            )
        return ente
    if voce.get("ente"):
        enti = list(qs.filter(nome=voce["ente"])[:2])
        if len(enti) != 1:
            raise ValidationError(f"{contesto}: nessun Comune/Unione (o più d'uno) di nome «{voce['ente']}».")
        return enti[0]
    raise ValidationError(f"{contesto}: manca «comune» (codice ISTAT) o «ente».")


def _carica_contratto(ambito, voce: dict, servizi: dict, attore, conteggi: dict, contesto: str) -> None:
    ente = _ente_contratto(ambito, voce, contesto)
    contesto = f"{contesto} ({ente})"
    dal = _data(voce.get("dal"), f"{contesto}, dal")
    al = _data(voce.get("al"), f"{contesto}, al", obbligatoria=False)
    campi = {
        "al": al,
        "numero": voce.get("numero") or "",
        "data_stipula": _data(voce.get("data_stipula"), f"{contesto}, data_stipula", obbligatoria=False),
        "note": voce.get("note") or "",
    }
    contratto = ContrattoServizio.objects.filter(ambito=ambito, comune=ente, dal=dal).first()
    if contratto is None:
        contratto = crea_contratto(ambito=ambito, comune=ente, dal=dal, attore=attore, **campi)
        _conta(conteggi, "contratti", CREATO)
    else:
        prima = istantanea(contratto)
        contratto = modifica_contratto(contratto=contratto, attore=attore, **campi)
        _conta(conteggi, "contratti", INVARIATO if istantanea(contratto) == prima else AGGIORNATO)
    conferiti = voce.get("servizi", [])
    if not isinstance(conferiti, list):
        raise ValidationError(f"{contesto}: «servizi» deve essere una lista.")
    for i, conf in enumerate(conferiti, start=1):
        ctx = f"{contesto}, servizi[{i}]"
        codice = str(_obbligatorio(conf, "servizio", ctx))
        servizio = servizi.get(codice) or Servizio.objects.filter(ambito=ambito, codice=codice).first()
        if servizio is None:
            raise ValidationError(f"{ctx}: il servizio «{codice}» non esiste nel catalogo.")
        c_dal = _data(conf.get("dal"), f"{ctx}, dal")
        c_campi = {
            "al": _data(conf.get("al"), f"{ctx}, al", obbligatoria=False) if "al" in conf else contratto.al,
            "quantita_annua": _decimale(conf.get("quantita_annua"), f"{ctx}, quantita_annua"),
            "note": conf.get("note") or "",
        }
        esistente = ServizioConferito.objects.filter(
            contratto=contratto, servizio=servizio, dal=c_dal
        ).first()
        if esistente is None:
            conferisci_servizio(contratto=contratto, servizio=servizio, dal=c_dal, attore=attore, **c_campi)
            _conta(conteggi, "conferimenti", CREATO)
        else:
            prima = istantanea(esistente)
            dopo = modifica_conferimento(conferimento=esistente, attore=attore, **c_campi)
            _conta(conteggi, "conferimenti", INVARIATO if istantanea(dopo) == prima else AGGIORNATO)


@transaction.atomic
def carica_catalogo(*, ambito, dati: dict, attore=None) -> dict:
    """Load areas, sectors, services, crosswalks and contracts from a dict (see docs/catalogo.md)."""
    if not isinstance(dati, dict):
        raise ValidationError("Il file del catalogo deve contenere un oggetto JSON.")
    conteggi: dict = {}
    aree: dict[str, Area] = {}
    for i, voce in enumerate(_lista(dati, "aree"), start=1):
        ctx = f"aree[{i}]"
        codice = str(_obbligatorio(voce, "codice", ctx))
        area, stato = salva_area(
            ambito=ambito,
            codice=codice,
            nome=_obbligatorio(voce, "nome", ctx),
            ordine=voce.get("ordine", i),
            attore=attore,
        )
        aree[codice] = area
        _conta(conteggi, "aree", stato)
    settori: dict[str, Settore] = {}
    for i, voce in enumerate(_lista(dati, "settori"), start=1):
        ctx = f"settori[{i}]"
        codice = str(_obbligatorio(voce, "codice", ctx))
        codice_area = str(_obbligatorio(voce, "area", ctx))
        area = aree.get(codice_area) or Area.objects.filter(ambito=ambito, codice=codice_area).first()
        if area is None:
            raise ValidationError(f"{ctx} «{codice}»: l'area «{codice_area}» non esiste.")
        settore, stato = salva_settore(
            ambito=ambito,
            codice=codice,
            nome=_obbligatorio(voce, "nome", ctx),
            area=area,
            ordine=voce.get("ordine", i),
            attore=attore,
        )
        settori[codice] = settore
        _conta(conteggi, "settori", stato)
    servizi: dict[str, Servizio] = {}
    for i, voce in enumerate(_lista(dati, "servizi"), start=1):
        codice = str(_obbligatorio(voce, "codice", f"servizi[{i}]"))
        ctx = f"servizi[{i}] «{codice}»"
        campi = _campi_servizio(voce, settori, ambito, ctx)
        servizio, stato = salva_servizio(ambito=ambito, codice=codice, attore=attore, **campi)
        servizi[codice] = servizio
        _conta(conteggi, "servizi", stato)
        _carica_codici_servizio(servizio, voce.get("codici", []), attore, conteggi, ctx)
    for i, voce in enumerate(_lista(dati, "contratti"), start=1):
        _carica_contratto(ambito, voce, servizi, attore, conteggi, f"contratti[{i}]")
    return conteggi


def carica_catalogo_da_file(*, ambito, percorso_json: str | Path, attore=None) -> dict:
    """Load the catalogue JSON file; idempotent and all-or-nothing. Returns counts per kind."""
    try:
        testo = Path(percorso_json).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ValidationError(f"Impossibile leggere il file {percorso_json}: {e.strerror}.") from None
    try:
        dati = json.loads(testo)
    except json.JSONDecodeError as e:
        raise ValidationError(
            f"{percorso_json}: JSON non valido alla riga {e.lineno}, colonna {e.colno}."
        ) from None
    return carica_catalogo(ambito=ambito, dati=dati, attore=attore)


def assicura_tabelle_codici() -> int:
    """Creates the shipped national code tables that are missing; returns how many it created.

    The data migration loads them on install; this also runs after every migrate/flush
    (post_migrate), so an emptied database gets them back. Existing tables are left as they are:
    new versions go through `carica_versione_codici`.
    """
    from .codici_csv import tabelle_spedite

    create = 0
    with transaction.atomic():
        for t in tabelle_spedite():
            if TabellaCodici.objects.filter(codice=t["codice"]).exists():
                continue
            tabella = TabellaCodici.objects.create(codice=t["codice"], nome=t["nome"], fonte=t["fonte"])
            valido_dal = dt.date.fromisoformat(t["valido_dal"])
            VoceCodice.objects.bulk_create(
                VoceCodice(
                    tabella=tabella, codice=v.codice, denominazione=v.denominazione, valido_dal=valido_dal
                )
                for v in t["voci"]
            )
            create += 1
    return create
