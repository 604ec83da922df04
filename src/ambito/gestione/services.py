"""Writes of the riparto: import a workbook into a budget version, approve a version.

The workbook is read by `workbook.leggi` and computed by `engine.calcola`, both unchanged; any
error raises `django.core.exceptions.ValidationError` with Italian messages (sheet, row,
column) and stores nothing. An approved version is frozen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ambito.catalogo.models import Servizio
from ambito.core.caricamenti import anno_esercizio, contenuto_file
from ambito.core.services import istantanea, registra_evento
from ambito.territorio.models import Ente, TipoEnte

from . import engine as e
from . import workbook as w
from .models import (
    CartellaRiparto,
    Esercizio,
    QuotaRiparto,
    StatoVersione,
    TipoVersione,
    VersioneBilancio,
    VoceRiparto,
)


def _json(valore):
    """Engine dataclasses, Decimals, frozensets and tuple keys as plain JSON."""
    if dataclasses.is_dataclass(valore) and not isinstance(valore, type):
        return {f.name: _json(getattr(valore, f.name)) for f in dataclasses.fields(valore)}
    if isinstance(valore, Decimal):
        return str(valore)
    if isinstance(valore, dict):
        if any(isinstance(k, tuple) for k in valore):
            return [[*k, _json(v)] for k, v in valore.items()]
        return {str(k): _json(v) for k, v in valore.items()}
    if isinstance(valore, frozenset | set):
        return sorted(valore)
    if isinstance(valore, list | tuple):
        return [_json(v) for v in valore]
    return valore


def spiegazione_json(sp: e.Spiegazione) -> dict:
    d = _json(sp)
    d["parti"] = [{**_json(p), "quota": str(p.quota)} for p in sp.parti]
    return d


def tipo_da_nome(nome: str) -> str:
    n = nome.casefold()
    if "assest" in n:
        return TipoVersione.ASSESTAMENTO
    if "preconsunt" in n:
        return TipoVersione.PRECONSUNTIVO
    if "consunt" in n:
        return TipoVersione.CONSUNTIVO
    return TipoVersione.PREVENTIVO


def _codici_comuni(cartella: w.Cartella) -> set[str]:
    return set(cartella.nomi_comuni) | _codici_dati(cartella.dati)


def _codici_dati(d: e.DatiRiparto) -> set[str]:
    out = set(d.nomi_comuni)
    for comuni in d.conferimenti.values():
        out |= comuni
    out |= {t.comune for t in d.tariffe}
    for f in d.fondi:
        out |= f.comuni
    return out


def _comuni_dell_ambito(ambito, codici: set[str], nome) -> dict[str, Ente]:
    """The Ambito's Comuni by ISTAT code; every code in `codici` must be one of them."""
    comuni = {
        x.codice_istat: x
        for x in Ente.objects.per_ambito(ambito).filter(tipo=TipoEnte.COMUNE).exclude(codice_istat="")
    }
    mancanti = sorted(codici - set(comuni))
    if mancanti:
        raise ValidationError(
            [
                f"Il Comune {nome(c)} (codice ISTAT {c}) non è tra i Comuni dell'Ambito {ambito.nome}."
                for c in mancanti
            ]
        )
    return comuni


def _dec(x) -> Decimal | None:
    return None if x is None else Decimal(str(x))


def dati_da_json(d: dict) -> e.DatiRiparto:
    """The engine's input back from the JSON stored in `CartellaRiparto.dati` (inverse of `_json`)."""
    return e.DatiRiparto(
        servizi=tuple(
            e.Servizio(
                codice=s["codice"],
                nome=s["nome"],
                metodo=s["metodo"],
                porta_costi_indiretti=s["porta_costi_indiretti"],
                costi_indiretti_speciali=_dec(s.get("costi_indiretti_speciali")),
                data_popolazione=s.get("data_popolazione") or "",
                quota_capitaria=_dec(s.get("quota_capitaria")),
                costo_equipe=_dec(s.get("costo_equipe")),
                quota_equipe_non_conferenti=_dec(s.get("quota_equipe_non_conferenti")),
                fondo_equipe_non_conferenti=s.get("fondo_equipe_non_conferenti") or "",
            )
            for s in d["servizi"]
        ),
        costi_diretti={k: Decimal(v) for k, v in d["costi_diretti"].items()},
        conferimenti={k: frozenset(v) for k, v in d["conferimenti"].items()},
        fondi=tuple(
            e.Fondo(
                codice=f["codice"],
                servizio=f["servizio"],
                importo=Decimal(f["importo"]),
                comuni=frozenset(f.get("comuni") or ()),
            )
            for f in d.get("fondi") or ()
        ),
        costi_indiretti=_dec(d.get("costi_indiretti")),
        aliquota_costi_indiretti=_dec(d.get("aliquota_costi_indiretti")),
        popolazione={
            data: {c: Decimal(n) for c, n in snap.items()}
            for data, snap in (d.get("popolazione") or {}).items()
        },
        popolazione_servizio={(s, c): Decimal(n) for s, c, n in d.get("popolazione_servizio") or ()},
        consumi={(s, c): Decimal(n) for s, c, n in d.get("consumi") or ()},
        pacchetti={(s, c): Decimal(n) for s, c, n in d.get("pacchetti") or ()},
        tariffe=tuple(
            e.Tariffa(
                servizio=t["servizio"],
                comune=t["comune"],
                tariffa=Decimal(t["tariffa"]),
                unita=Decimal(t["unita"]),
            )
            for t in d.get("tariffe") or ()
        ),
        nomi_comuni=dict(d.get("nomi_comuni") or {}),
    )


def dati_versione(versione: VersioneBilancio) -> e.DatiRiparto:
    """The riparto input a version was computed from (ValidationError if it has none yet)."""
    c = CartellaRiparto.objects.filter(versione=versione).first()
    if c is None:
        raise ValidationError(
            f"La versione «{versione.nome}» non ha ancora un riparto: importare la cartella."
        )
    return dati_da_json(c.dati)


@transaction.atomic
def ricalcola_versione(
    *, versione: VersioneBilancio, dati: e.DatiRiparto, attore, azione: str, descrizione: str, dettagli=None
) -> VersioneBilancio:
    """Store changed inputs for a draft version and recompute its whole riparto.

    Every change to a version's inputs (a cost, a fund, a population, consumption from the
    case record, costs from accounting) goes through here: the engine checks the new input,
    the stored workbook is rewritten from it (so the download matches the figures), rows and
    shares are replaced, and the audit log keeps what changed with each Comune's total before
    and after. An approved version is refused; any error stores nothing.
    """
    v = VersioneBilancio.objects.select_for_update().get(pk=versione.pk)
    if v.approvata:
        raise ValidationError(f"La versione «{v.nome}» è approvata: i suoi dati non si possono modificare.")
    vecchia = CartellaRiparto.objects.filter(versione=v).first()
    if vecchia is None:
        raise ValidationError(f"La versione «{v.nome}» non ha ancora un riparto: importare la cartella.")
    try:
        risultato = e.calcola(dati)
    except e.ErroreRiparto as exc:
        raise ValidationError(list(exc.errori)) from None
    comuni = _comuni_dell_ambito(v.ambito, _codici_dati(dati), lambda c: dati.nomi_comuni.get(c, c))
    prima = _totali_per_comune(v)
    parametri = dict(vecchia.parametri)
    buf = io.BytesIO()
    w.scrivi(buf, w.fogli_da_dati(dati, parametri=parametri))
    nome_file = (
        vecchia.nome_file
        if vecchia.nome_file.endswith("-modificata.xlsx")
        else (Path(vecchia.nome_file).stem + "-modificata.xlsx")
    )
    _salva_riparto(
        v,
        dati=dati,
        parametri=parametri,
        risultato=risultato,
        comuni=comuni,
        contenuto=buf.getvalue(),
        nome_file=nome_file,
        attore=attore,
    )
    registra_evento(
        attore=attore,
        azione=azione,
        oggetto=v,
        prima={"descrizione": descrizione, "totali_comuni": prima},
        dopo={
            "descrizione": descrizione,
            "dettagli": _json(dettagli or {}),
            "totali_comuni": _totali_per_comune(v),
        },
    )
    return v


def _totali_per_comune(v: VersioneBilancio) -> dict[str, str]:
    from django.db.models import Sum

    righe = (
        QuotaRiparto.objects.filter(versione=v)
        .values("comune__codice_istat")
        .annotate(t=Sum("importo"))
        .order_by("comune__codice_istat")
    )
    return {r["comune__codice_istat"]: str(r["t"]) for r in righe}


@transaction.atomic
def importa_riparto(
    *, ambito, file, esercizio, versione, attore, tipo: str | None = None
) -> VersioneBilancio:
    """Read, check and compute a riparto workbook and store it as the riparto of a version.

    `versione` is a version's name (created as a draft if missing) or a `VersioneBilancio`.
    All-or-nothing: any error raises `ValidationError` and nothing is stored. Re-importing into
    a draft replaces its riparto; an approved version is refused.
    """
    anno = anno_esercizio(esercizio)
    contenuto, nome_file = contenuto_file(file, "riparto.xlsx")
    try:
        cartella = w.leggi(io.BytesIO(contenuto))
        risultato = e.calcola(cartella.dati)
    except w.ErroriCartella as exc:
        raise ValidationError([str(x) for x in exc.errori]) from None
    except e.ErroreRiparto as exc:
        raise ValidationError(list(exc.errori)) from None

    comuni = _comuni_dell_ambito(ambito, _codici_comuni(cartella), cartella.nome_comune)

    # the version: by instance or by name, locked; approved = frozen
    if isinstance(versione, VersioneBilancio):
        if versione.ambito_id != ambito.pk:
            raise ValidationError("Versione di un altro Ambito.")
        v = VersioneBilancio.objects.select_for_update().get(pk=versione.pk)
        if v.esercizio.anno != anno:
            raise ValidationError(f"La versione «{v.nome}» è dell'esercizio {v.esercizio.anno}, non {anno}.")
    else:
        nome = (versione or "").strip()
        if not nome:
            raise ValidationError("Il nome della versione è obbligatorio.")
        if len(nome) > 120:
            raise ValidationError("Il nome della versione ha al massimo 120 caratteri.")
        es, _ = Esercizio.objects.get_or_create(ambito=ambito, anno=anno)
        tipo_v = tipo or tipo_da_nome(nome)
        if tipo_v not in TipoVersione.values:
            raise ValidationError("Tipo di versione non valido.")
        v, creata = VersioneBilancio.objects.select_for_update().get_or_create(
            ambito=ambito, esercizio=es, nome=nome, defaults={"tipo": tipo_v}
        )
        if creata:
            registra_evento(attore=attore, azione="gestione.crea_versione", oggetto=v, dopo=istantanea(v))
    if v.approvata:
        raise ValidationError(
            f"La versione «{v.nome}» dell'esercizio {anno} è approvata: non si può reimportare il riparto."
        )

    prima = None
    vecchia = CartellaRiparto.objects.filter(versione=v).first()
    if vecchia is not None:
        prima = {"sha256": vecchia.sha256, "nome_file": vecchia.nome_file}

    sha = _salva_riparto(
        v,
        dati=cartella.dati,
        parametri=dict(cartella.parametri),
        risultato=risultato,
        comuni=comuni,
        contenuto=contenuto,
        nome_file=nome_file,
        attore=attore,
    )
    registra_evento(
        attore=attore,
        azione="gestione.importa_riparto",
        oggetto=v,
        prima=prima,
        dopo={
            "sha256": sha,
            "nome_file": nome_file,
            "servizi": len(risultato.servizi),
            "comuni": len(risultato.comuni),
            "totale": risultato.totale,
        },
    )
    return v


@transaction.atomic
def approva_versione(*, versione: VersioneBilancio, attore) -> VersioneBilancio:
    v = VersioneBilancio.objects.select_for_update().get(pk=versione.pk)
    if v.approvata:
        raise ValidationError(f"La versione «{v.nome}» è già approvata.")
    if not QuotaRiparto.objects.filter(versione=v).exists():
        raise ValidationError(f"La versione «{v.nome}» non ha ancora un riparto: importare la cartella.")
    prima = istantanea(v)
    v.stato = StatoVersione.APPROVATA
    v.approvata_da = attore if attore is not None and attore.pk else None
    v.approvata_il = timezone.now()
    v.save(update_fields=["stato", "approvata_da", "approvata_il"])
    registra_evento(
        attore=attore, azione="gestione.approva_versione", oggetto=v, prima=prima, dopo=istantanea(v)
    )
    return v


def _salva_riparto(
    v: VersioneBilancio, *, dati, parametri, risultato, comuni, contenuto, nome_file, attore
) -> str:
    """Replace the stored input, service rows and Comune shares of draft version `v`."""
    ambito = v.ambito
    QuotaRiparto.objects.filter(versione=v).delete()
    VoceRiparto.objects.filter(versione=v).delete()
    CartellaRiparto.objects.filter(versione=v).delete()
    sha = hashlib.sha256(contenuto).hexdigest()
    CartellaRiparto.objects.create(
        ambito=ambito,
        versione=v,
        nome_file=nome_file[:255],
        contenuto=contenuto,
        sha256=sha,
        dati=_json(dati),
        parametri=dict(parametri),
        caricata_da=attore if attore is not None and attore.pk else None,
    )
    catalogo = {s.codice: s for s in Servizio.objects.per_ambito(ambito).filter(codice__in=risultato.servizi)}
    metodi = {s.codice: s.metodo for s in dati.servizi}
    voci = VoceRiparto.objects.bulk_create(
        [
            VoceRiparto(
                ambito=ambito,
                versione=v,
                ordine=i,
                codice=r.servizio,
                nome=r.nome[:200],
                servizio=catalogo.get(r.servizio),
                metodo=metodi[r.servizio],
                costi_diretti=r.diretti,
                costi_indiretti=r.indiretti.quantize(Decimal("1e-8")),
                costo_totale=r.totale.quantize(Decimal("1e-8")),
                fondi=[[f, str(x)] for f, x in r.fondi],
                comuni=r.comuni.quantize(Decimal("1e-8")),
                comuni_arrotondato=Decimal(r.comuni_arrotondato),
            )
            for i, r in enumerate(risultato.prospetto)
        ]
    )
    per_codice = {x.codice: x for x in voci}
    QuotaRiparto.objects.bulk_create(
        [
            QuotaRiparto(
                ambito=ambito,
                versione=v,
                voce=per_codice[s],
                comune=comuni[c],
                importo=Decimal(importo),
                non_arrotondato=risultato.spiegazioni[(c, s)].non_arrotondato.quantize(Decimal("1e-8")),
                spiegazione=spiegazione_json(risultato.spiegazioni[(c, s)]),
            )
            for c, s, importo in risultato.righe()
        ],
        batch_size=500,
    )
    return sha
