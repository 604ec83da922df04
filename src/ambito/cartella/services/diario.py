"""Writes of the case record: diario. Keyword-only, one transaction, audited.

Diary entries are never edited: a correction is a new entry pointing at the old one. Documents
are sniffed (first bytes, not the extension), hashed, stored under MEDIA_ROOT with a random name
and never deleted (annulled with a reason, the file stays). Every write locks the case row, so
that two submissions of the same form are serialised and the second finds the first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import zipfile

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ambito.core.services import istantanea, registra_evento
from ambito.utenti.selectors import ambito_visibilita

from ..models import (
    AutoritaGiudiziaria,
    Caso,
    Documento,
    MandatoGiudiziario,
    Riservatezza,
    TipoDocumento,
    TipoTutela,
    Tutela,
    VoceDiario,
)
from ..selectors.diario import mandati_leggibili, riservatezze_scrivibili
from ..selectors.visibilita import casi_visibili, riservatezze_leggibili

# Two identical submissions by the same user within this window are one submission.
FINESTRA_INVIO_DOPPIO = dt.timedelta(minutes=10)


class InvioDoppio(ValidationError):
    """The same form was submitted twice: nothing new is stored; `esistente` is the first row."""

    def __init__(self, messaggio: str, esistente):
        super().__init__(messaggio)
        self.esistente = esistente


def _oggi() -> dt.date:
    return timezone.localdate()


def _blocca_caso(caso: Caso, attore) -> tuple[Caso, object]:
    """Lock the case row and check the actor may open it; returns the fresh case and the scope."""
    if attore is None or not getattr(attore, "pk", None):
        raise PermissionDenied("Operazione consentita solo a un utente autenticato.")
    vis = ambito_visibilita(attore)
    caso = Caso.objects.select_for_update().get(pk=caso.pk)
    if not casi_visibili(vis).filter(pk=caso.pk).exists():
        raise PermissionDenied("Il caso non rientra nel proprio ambito di visibilità.")
    return caso, vis


def _testo(valore: str, campo: str, etichetta: str) -> str:
    valore = (valore or "").strip()
    if not valore:
        raise ValidationError({campo: f"{etichetta}: campo obbligatorio."})
    return valore


def _data(valore, campo: str, etichetta: str) -> dt.date:
    if not isinstance(valore, dt.date):
        raise ValidationError({campo: f"{etichetta}: indicare una data valida (gg/mm/aaaa)."})
    if isinstance(valore, dt.datetime):
        valore = valore.date()
    return valore


def _non_futura(valore: dt.date, campo: str, etichetta: str) -> None:
    if valore > _oggi():
        raise ValidationError({campo: f"{etichetta} non può essere nel futuro ({valore:%d/%m/%Y})."})


def _un_anno_dopo(d: dt.date) -> dt.date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


# --- diary -----------------------------------------------------------------------------------


def _controlla_livello(vis, caso: Caso, riservatezza: str) -> None:
    if riservatezza not in Riservatezza.values:
        raise ValidationError({"riservatezza": "Livello di riservatezza non valido."})
    if riservatezza == Riservatezza.GIUDIZIARIA and not caso.minori:
        raise ValidationError(
            {"riservatezza": "Le annotazioni giudiziarie sono ammesse solo sui casi dell'area minori."}
        )
    if riservatezza not in riservatezze_scrivibili(vis, caso):
        if riservatezza == Riservatezza.GIUDIZIARIA:
            msg = "Solo l'équipe minori del caso può scrivere annotazioni giudiziarie."
        elif riservatezza == Riservatezza.TEAM:
            msg = "Solo il team del caso può scrivere annotazioni riservate al team."
        else:
            msg = "Non è consentito scrivere annotazioni su questo caso."
        raise ValidationError({"riservatezza": msg})


@transaction.atomic
def scrivi_diario(*, caso: Caso, data: dt.date, testo: str, riservatezza: str, attore) -> VoceDiario:
    """A new diary entry. Date not in the future nor before the case's opening; the level must be
    one the author may write (judicial only on minors' cases and by the minors' team; an
    operatore comunale writes only ordinary entries)."""
    testo = _testo(testo, "testo", "Testo dell'annotazione")
    data = _data(data, "data", "Data")
    caso, vis = _blocca_caso(caso, attore)
    _non_futura(data, "data", "La data dell'annotazione")
    if data < caso.data_apertura:
        raise ValidationError(
            {"data": f"La data non può precedere l'apertura del caso ({caso.data_apertura:%d/%m/%Y})."}
        )
    _controlla_livello(vis, caso, riservatezza)
    doppia = VoceDiario.objects.filter(
        caso=caso,
        data=data,
        testo=testo,
        riservatezza=riservatezza,
        corregge__isnull=True,
        creato_da=attore,
        creato_il__gte=timezone.now() - FINESTRA_INVIO_DOPPIO,
    ).first()
    if doppia is not None:
        raise InvioDoppio("Annotazione già registrata: il modulo era stato inviato due volte.", doppia)
    voce = VoceDiario.objects.create(
        ambito=caso.ambito,
        caso=caso,
        data=data,
        testo=testo,
        riservatezza=riservatezza,
        creato_da=attore,
    )
    registra_evento(attore=attore, azione="diario.scritta", oggetto=voce, dopo=istantanea(voce))
    return voce


@transaction.atomic
def correggi_diario(
    *, voce: VoceDiario, testo: str, motivo: str, attore, data: dt.date | None = None
) -> VoceDiario:
    """A correction of `voce`: a new entry with `corregge=voce`, same case and level, same date
    unless given. The original stays as it was, readable and shown as corrected. Only its author
    or a coordinator of the case's service may correct it, and only the latest version."""
    testo = _testo(testo, "testo", "Testo corretto")
    motivo = _testo(motivo, "motivo", "Motivo della correzione")
    if len(motivo) > 300:
        raise ValidationError({"motivo": "Motivo della correzione: al massimo 300 caratteri."})
    caso, vis = _blocca_caso(voce.caso, attore)
    voce = VoceDiario.objects.get(pk=voce.pk)
    if voce.riservatezza not in riservatezze_leggibili(vis, caso):
        raise PermissionDenied("Annotazione non accessibile.")
    coordina = vis.is_coordinatore and caso.servizio_id in vis.servizio_ids
    if voce.creato_da_id != attore.pk and not coordina:
        raise PermissionDenied(
            "Può correggere un'annotazione solo chi l'ha scritta o il coordinatore del servizio."
        )
    _controlla_livello(vis, caso, voce.riservatezza)
    if voce.annullato_il is not None:
        raise ValidationError("L'annotazione è stata annullata: non si può correggere.")
    data = voce.data if data is None else _data(data, "data", "Data")
    _non_futura(data, "data", "La data dell'annotazione")
    if data < caso.data_apertura:
        raise ValidationError(
            {"data": f"La data non può precedere l'apertura del caso ({caso.data_apertura:%d/%m/%Y})."}
        )
    gia = voce.correzioni.filter(annullato_il__isnull=True).order_by("-id").first()
    if gia is not None:
        if gia.testo == testo and gia.creato_da_id == attore.pk:
            raise InvioDoppio("Correzione già registrata: il modulo era stato inviato due volte.", gia)
        raise ValidationError(
            f"L'annotazione è già stata corretta il {timezone.localtime(gia.creato_il):%d/%m/%Y}: "
            "correggere la versione più recente."
        )
    if testo == voce.testo and data == voce.data:
        raise ValidationError(
            {"testo": "Il testo corretto è uguale all'originale: nessuna correzione da registrare."}
        )
    nuova = VoceDiario.objects.create(
        ambito=caso.ambito,
        caso=caso,
        data=data,
        testo=testo,
        riservatezza=voce.riservatezza,
        corregge=voce,
        motivo_correzione=motivo,
        creato_da=attore,
    )
    registra_evento(
        attore=attore,
        azione="diario.corretta",
        oggetto=nuova,
        prima=istantanea(voce),
        dopo=istantanea(nuova),
        descrizione=f"correzione dell'annotazione {voce.pk}: {motivo}",
    )
    return nuova


# --- documents -------------------------------------------------------------------------------

# kind -> (MIME type, allowed extensions, extension used on disk)
TIPI_FILE = {
    "pdf": ("application/pdf", {".pdf"}, ".pdf"),
    "png": ("image/png", {".png"}, ".png"),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}, ".jpg"),
    "odt": ("application/vnd.oasis.opendocument.text", {".odt"}, ".odt"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {".docx"},
        ".docx",
    ),
    "txt": ("text/plain", {".txt", ".csv"}, ".txt"),
}
ESTENSIONI_AMMESSE = "PDF, PNG, JPEG, ODT, DOCX, testo (TXT/CSV)"
_CONTROLLO_TESTO = (set(range(32)) - {9, 10, 12, 13}) | {127}


def max_byte() -> int:
    return int(getattr(settings, "AMBITO_DOCUMENTO_MAX_MB", 10) * 1024 * 1024)


def _tipo_zip(file) -> str | None:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as z:
            nomi = set(z.namelist())
            if (
                "mimetype" in nomi
                and z.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text"
            ):
                return "odt"
            if "[Content_Types].xml" in nomi and "word/document.xml" in nomi:
                return "docx"
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    finally:
        file.seek(0)
    return None


def riconosci_tipo(file) -> str | None:
    """The kind of file from its first bytes (and, for zip, its table of contents); None if not
    one of the allowed kinds. Never trusts the name or the browser's Content-Type."""
    file.seek(0)
    testa = file.read(8192)
    file.seek(0)
    if testa.startswith(b"%PDF-"):
        return "pdf"
    if testa.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if testa.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if testa.startswith(b"PK\x03\x04"):
        return _tipo_zip(file)
    if testa and not any(b in _CONTROLLO_TESTO for b in testa):
        # Plain text (UTF-8 or Latin-1): no control bytes at all. Executables, archives and
        # office binaries all contain NULs or other control bytes in their first kilobytes.
        return "txt"
    return None


def _impronta(file) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    file.seek(0)
    for blocco in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b""):
        h.update(blocco)
        n += len(blocco)
    file.seek(0)
    return h.hexdigest(), n


def _istantanea_documento(doc: Documento) -> dict:
    """istantanea() of a document, with the file as its stored (random) name."""
    campi = [f.name for f in Documento._meta.concrete_fields if f.name != "file"]
    return {**istantanea(doc, campi), "file": doc.file.name}


@transaction.atomic
def carica_documento(*, caso: Caso, tipo: str, titolo: str, file, riservatezza: str, attore) -> Documento:
    """Store an uploaded file for `caso`: size limit (AMBITO_DOCUMENTO_MAX_MB), type by content,
    SHA-256, a random name under MEDIA_ROOT. The same file twice on the same case is refused."""
    titolo = _testo(titolo, "titolo", "Titolo")
    if len(titolo) > 200:
        raise ValidationError({"titolo": "Titolo: al massimo 200 caratteri."})
    if tipo not in TipoDocumento.values:
        raise ValidationError({"tipo": "Tipo di documento non valido."})
    if file is None:
        raise ValidationError({"file": "Scegliere il file da caricare."})
    nome_originale = os.path.basename((getattr(file, "name", "") or "documento").replace("\\", "/"))[:255]
    limite = max_byte()
    if (getattr(file, "size", None) or 0) > limite:
        raise ValidationError(
            {"file": f"Il file supera la dimensione massima di {limite // (1024 * 1024)} MB."}
        )
    sha, dimensione = _impronta(file)
    if dimensione == 0:
        raise ValidationError({"file": "Il file è vuoto."})
    if dimensione > limite:
        raise ValidationError(
            {"file": f"Il file supera la dimensione massima di {limite // (1024 * 1024)} MB."}
        )
    genere = riconosci_tipo(file)
    if genere is None:
        raise ValidationError(
            {
                "file": f"Tipo di file non ammesso: sono accettati solo {ESTENSIONI_AMMESSE} "
                "(il contenuto del file è stato verificato, non solo l'estensione)."
            }
        )
    mime, estensioni, estensione_disco = TIPI_FILE[genere]
    estensione = os.path.splitext(nome_originale)[1].lower()
    if estensione not in estensioni:
        raise ValidationError(
            {
                "file": f"Il contenuto del file ({genere.upper()}) non corrisponde all'estensione "
                f"«{estensione or 'nessuna'}»."
            }
        )
    caso, vis = _blocca_caso(caso, attore)
    _controlla_livello(vis, caso, riservatezza)
    doppio = Documento.objects.filter(caso=caso, sha256=sha, annullato_il__isnull=True).first()
    if doppio is not None:
        messaggio = (
            f"Questo file è già nella cartella: «{doppio.titolo}», caricato il "
            f"{timezone.localtime(doppio.creato_il):%d/%m/%Y}."
        )
        if doppio.creato_da_id == attore.pk and doppio.creato_il >= timezone.now() - FINESTRA_INVIO_DOPPIO:
            raise InvioDoppio(messaggio, doppio)
        raise ValidationError({"file": messaggio})
    doc = Documento(
        ambito=caso.ambito,
        caso=caso,
        tipo=tipo,
        titolo=titolo,
        nome_originale=nome_originale,
        dimensione=dimensione,
        tipo_mime=mime,
        sha256=sha,
        riservatezza=riservatezza,
        creato_da=attore,
    )
    file.seek(0)
    # The name on disk is random: the user's file name never reaches the filesystem.
    doc.file.save(f"{secrets.token_hex(16)}{estensione_disco}", file, save=False)
    try:
        doc.save()
        registra_evento(
            attore=attore, azione="documento.caricato", oggetto=doc, dopo=_istantanea_documento(doc)
        )
    except Exception:
        doc.file.storage.delete(doc.file.name)
        raise
    return doc


@transaction.atomic
def annulla_documento(*, documento: Documento, motivo: str, attore) -> Documento:
    """Withdraw a document with a reason. The row and the file stay (readable, shown as annulled)."""
    motivo = _testo(motivo, "motivo", "Motivo dell'annullamento")
    caso, vis = _blocca_caso(documento.caso, attore)
    documento = Documento.objects.get(pk=documento.pk)
    if documento.riservatezza not in riservatezze_leggibili(vis, caso):
        raise PermissionDenied("Documento non accessibile.")
    if documento.annullato_il is not None:
        raise ValidationError(
            f"Il documento è già stato annullato il {timezone.localtime(documento.annullato_il):%d/%m/%Y}."
        )
    prima = _istantanea_documento(documento)
    documento.segna_annullato(motivo)
    registra_evento(
        attore=attore,
        azione="documento.annullato",
        oggetto=documento,
        prima=prima,
        dopo=_istantanea_documento(documento),
    )
    return documento


# --- court mandates --------------------------------------------------------------------------


def _controlla_mandati(vis, caso: Caso) -> None:
    if not mandati_leggibili(riservatezze_leggibili(vis, caso), caso):
        raise PermissionDenied(
            "I mandati dell'autorità giudiziaria di un caso minori sono riservati all'équipe minori."
        )


@transaction.atomic
def registra_mandato(
    *,
    caso: Caso,
    autorita: str,
    numero_procedimento: str,
    data_provvedimento: dt.date,
    oggetto: str,
    scadenza: dt.date | None,
    attore,
) -> MandatoGiudiziario:
    """A court order on the case. Provvedimento not in the future; deadline not before it."""
    if autorita not in AutoritaGiudiziaria.values:
        raise ValidationError({"autorita": "Autorità giudiziaria non valida."})
    numero = _testo(numero_procedimento, "numero_procedimento", "Numero del procedimento")
    if len(numero) > 60:
        raise ValidationError({"numero_procedimento": "Numero del procedimento: al massimo 60 caratteri."})
    oggetto = _testo(oggetto, "oggetto", "Oggetto del mandato")
    data_provvedimento = _data(data_provvedimento, "data_provvedimento", "Data del provvedimento")
    _non_futura(data_provvedimento, "data_provvedimento", "La data del provvedimento")
    if scadenza is not None:
        scadenza = _data(scadenza, "scadenza", "Scadenza")
        if scadenza < data_provvedimento:
            raise ValidationError(
                {
                    "scadenza": "La scadenza non può precedere il provvedimento "
                    f"({data_provvedimento:%d/%m/%Y})."
                }
            )
    caso, vis = _blocca_caso(caso, attore)
    _controlla_mandati(vis, caso)
    doppio = MandatoGiudiziario.objects.filter(
        caso=caso,
        autorita=autorita,
        numero_procedimento__iexact=numero,
        data_provvedimento=data_provvedimento,
        annullato_il__isnull=True,
    ).first()
    if doppio is not None:
        messaggio = (
            f"Il provvedimento n. {doppio.numero_procedimento} del {data_provvedimento:%d/%m/%Y} "
            "è già registrato su questo caso."
        )
        if doppio.creato_da_id == attore.pk and doppio.creato_il >= timezone.now() - FINESTRA_INVIO_DOPPIO:
            raise InvioDoppio(messaggio, doppio)
        raise ValidationError({"numero_procedimento": messaggio})
    m = MandatoGiudiziario.objects.create(
        ambito=caso.ambito,
        caso=caso,
        autorita=autorita,
        numero_procedimento=numero,
        data_provvedimento=data_provvedimento,
        oggetto=oggetto,
        scadenza=scadenza,
        creato_da=attore,
    )
    registra_evento(attore=attore, azione="mandato.registrato", oggetto=m, dopo=istantanea(m))
    return m


@transaction.atomic
def segna_mandato_adempiuto(*, mandato: MandatoGiudiziario, data: dt.date, attore) -> MandatoGiudiziario:
    """The report or action the mandate asked for was done on `data`."""
    data = _data(data, "data", "Data dell'adempimento")
    caso, vis = _blocca_caso(mandato.caso, attore)
    _controlla_mandati(vis, caso)
    mandato = MandatoGiudiziario.objects.get(pk=mandato.pk)
    _non_futura(data, "data", "La data dell'adempimento")
    if data < mandato.data_provvedimento:
        raise ValidationError(
            {
                "data": "L'adempimento non può precedere il provvedimento "
                f"({mandato.data_provvedimento:%d/%m/%Y})."
            }
        )
    if mandato.adempiuto_il is not None:
        if mandato.adempiuto_il == data:
            raise InvioDoppio("Adempimento già registrato.", mandato)
        raise ValidationError(f"Il mandato risulta già adempiuto il {mandato.adempiuto_il:%d/%m/%Y}.")
    prima = istantanea(mandato)
    mandato.adempiuto_il = data
    mandato.save(update_fields=["adempiuto_il", "aggiornato_il"])
    registra_evento(
        attore=attore, azione="mandato.adempiuto", oggetto=mandato, prima=prima, dopo=istantanea(mandato)
    )
    return mandato


# --- guardianships ---------------------------------------------------------------------------


@transaction.atomic
def apri_tutela(
    *,
    caso: Caso,
    tipo: str,
    decreto_del: dt.date,
    tutore: str,
    operatore=None,
    rendiconto_entro: dt.date | None = None,
    attore,
) -> Tutela:
    """A guardianship file (tutela, curatela, amministrazione di sostegno). The first annual
    account is due one year after the decree unless given."""
    if tipo not in TipoTutela.values:
        raise ValidationError({"tipo": "Tipo di tutela non valido."})
    tutore = _testo(tutore, "tutore", "Tutore / amministratore nominato")
    if len(tutore) > 200:
        raise ValidationError({"tutore": "Tutore: al massimo 200 caratteri."})
    decreto_del = _data(decreto_del, "decreto_del", "Data del decreto")
    _non_futura(decreto_del, "decreto_del", "La data del decreto di nomina")
    if rendiconto_entro is None:
        rendiconto_entro = _un_anno_dopo(decreto_del)
    rendiconto_entro = _data(rendiconto_entro, "rendiconto_entro", "Scadenza del rendiconto")
    if rendiconto_entro <= decreto_del:
        raise ValidationError(
            {"rendiconto_entro": f"Il rendiconto deve scadere dopo il decreto ({decreto_del:%d/%m/%Y})."}
        )
    caso, vis = _blocca_caso(caso, attore)
    if operatore is not None and operatore.ambito_id != caso.ambito_id:
        raise ValidationError({"operatore": "L'operatore deve appartenere all'Ambito del caso."})
    doppia = Tutela.objects.filter(
        caso=caso, tipo=tipo, chiusa_il__isnull=True, annullato_il__isnull=True
    ).first()
    if doppia is not None:
        messaggio = f"Su questo caso è già aperta una pratica di {doppia.get_tipo_display().lower()}."
        if doppia.creato_da_id == attore.pk and doppia.creato_il >= timezone.now() - FINESTRA_INVIO_DOPPIO:
            raise InvioDoppio(messaggio, doppia)
        raise ValidationError({"tipo": messaggio})
    t = Tutela.objects.create(
        ambito=caso.ambito,
        caso=caso,
        tipo=tipo,
        decreto_del=decreto_del,
        tutore=tutore,
        operatore=operatore,
        rendiconto_entro=rendiconto_entro,
        creato_da=attore,
    )
    registra_evento(attore=attore, azione="tutela.aperta", oggetto=t, dopo=istantanea(t))
    return t


@transaction.atomic
def registra_rendiconto(*, tutela: Tutela, data: dt.date, attore) -> Tutela:
    """The annual account was filed on `data`: the next one is due a year after the current due date."""
    data = _data(data, "data", "Data del deposito")
    caso, _vis = _blocca_caso(tutela.caso, attore)
    tutela = Tutela.objects.get(pk=tutela.pk)
    if tutela.chiusa_il is not None:
        raise ValidationError(f"La pratica è chiusa dal {tutela.chiusa_il:%d/%m/%Y}.")
    _non_futura(data, "data", "La data del deposito del rendiconto")
    if data < tutela.decreto_del:
        raise ValidationError(
            {"data": f"Il rendiconto non può precedere il decreto ({tutela.decreto_del:%d/%m/%Y})."}
        )
    if tutela.ultimo_rendiconto_il is not None:
        if data == tutela.ultimo_rendiconto_il:
            raise InvioDoppio(f"Rendiconto del {data:%d/%m/%Y} già registrato.", tutela)
        if data < tutela.ultimo_rendiconto_il:
            raise ValidationError(
                {
                    "data": f"L'ultimo rendiconto registrato è del {tutela.ultimo_rendiconto_il:%d/%m/%Y}: "
                    "la data non può essere precedente."
                }
            )
    prima = istantanea(tutela)
    tutela.ultimo_rendiconto_il = data
    tutela.rendiconto_entro = _un_anno_dopo(tutela.rendiconto_entro)
    tutela.save(update_fields=["ultimo_rendiconto_il", "rendiconto_entro", "aggiornato_il"])
    registra_evento(
        attore=attore, azione="tutela.rendiconto", oggetto=tutela, prima=prima, dopo=istantanea(tutela)
    )
    return tutela


@transaction.atomic
def chiudi_tutela(*, tutela: Tutela, data: dt.date, attore) -> Tutela:
    data = _data(data, "data", "Data di chiusura")
    caso, _vis = _blocca_caso(tutela.caso, attore)
    tutela = Tutela.objects.get(pk=tutela.pk)
    if tutela.chiusa_il is not None:
        if tutela.chiusa_il == data:
            raise InvioDoppio("Pratica già chiusa.", tutela)
        raise ValidationError(f"La pratica è già chiusa dal {tutela.chiusa_il:%d/%m/%Y}.")
    _non_futura(data, "data", "La data di chiusura")
    if data < tutela.decreto_del:
        raise ValidationError(
            {"data": f"La chiusura non può precedere il decreto ({tutela.decreto_del:%d/%m/%Y})."}
        )
    prima = istantanea(tutela)
    tutela.chiusa_il = data
    tutela.save(update_fields=["chiusa_il", "aggiornato_il"])
    registra_evento(
        attore=attore, azione="tutela.chiusa", oggetto=tutela, prima=prima, dopo=istantanea(tutela)
    )
    return tutela
