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

ANNO_MIN, ANNO_MAX = 1990, 2100


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


def _anno(valore) -> int:
    try:
        anno = int(valore)
    except (TypeError, ValueError):
        raise ValidationError("L'esercizio deve essere un anno.") from None
    if not ANNO_MIN <= anno <= ANNO_MAX:
        raise ValidationError(f"L'esercizio deve essere un anno tra {ANNO_MIN} e {ANNO_MAX}.")
    return anno


def _contenuto(file) -> tuple[bytes, str]:
    if isinstance(file, str | Path):
        p = Path(file)
        try:
            return p.read_bytes(), p.name
        except OSError as exc:
            raise ValidationError(f"File non leggibile: {p} ({exc.strerror}).") from None
    if hasattr(file, "seek"):
        file.seek(0)
    dati = file.read()
    return dati, Path(getattr(file, "name", "") or "riparto.xlsx").name


def _codici_comuni(cartella: w.Cartella) -> set[str]:
    d = cartella.dati
    out = set(cartella.nomi_comuni)
    for comuni in d.conferimenti.values():
        out |= comuni
    out |= {t.comune for t in d.tariffe}
    for f in d.fondi:
        out |= f.comuni
    return out


@transaction.atomic
def importa_riparto(
    *, ambito, file, esercizio, versione, attore, tipo: str | None = None
) -> VersioneBilancio:
    """Read, check and compute a riparto workbook and store it as the riparto of a version.

    `versione` is a version's name (created as a draft if missing) or a `VersioneBilancio`.
    All-or-nothing: any error raises `ValidationError` and nothing is stored. Re-importing into
    a draft replaces its riparto; an approved version is refused.
    """
    anno = _anno(esercizio)
    contenuto, nome_file = _contenuto(file)
    try:
        cartella = w.leggi(io.BytesIO(contenuto))
        risultato = e.calcola(cartella.dati)
    except w.ErroriCartella as exc:
        raise ValidationError([str(x) for x in exc.errori]) from None
    except e.ErroreRiparto as exc:
        raise ValidationError(list(exc.errori)) from None

    comuni = {
        x.codice_istat: x
        for x in Ente.objects.per_ambito(ambito).filter(tipo=TipoEnte.COMUNE).exclude(codice_istat="")
    }
    mancanti = sorted(_codici_comuni(cartella) - set(comuni))
    if mancanti:
        raise ValidationError(
            [
                f"Il Comune {cartella.nome_comune(c)} (codice ISTAT {c}) non è tra i Comuni dell'Ambito "
                f"{ambito.nome}."
                for c in mancanti
            ]
        )

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
        QuotaRiparto.objects.filter(versione=v).delete()
        VoceRiparto.objects.filter(versione=v).delete()
        vecchia.delete()

    sha = hashlib.sha256(contenuto).hexdigest()
    CartellaRiparto.objects.create(
        ambito=ambito,
        versione=v,
        nome_file=nome_file[:255],
        contenuto=contenuto,
        sha256=sha,
        dati=_json(cartella.dati),
        parametri=dict(cartella.parametri),
        caricata_da=attore if attore is not None and attore.pk else None,
    )
    catalogo = {s.codice: s for s in Servizio.objects.per_ambito(ambito).filter(codice__in=risultato.servizi)}
    metodi = {s.codice: s.metodo for s in cartella.dati.servizi}
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
