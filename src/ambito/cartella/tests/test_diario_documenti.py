"""Documents: size limit, type by content, duplicates, storage outside the web root, logged downloads."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ambito.cartella.models import Documento
from ambito.cartella.services import diario as srv
from ambito.core.models import AccessoDati, EventoAudit

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 100
    + b"This program cannot be run"
)


def _zip(voci: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for nome, dati in voci.items():
            z.writestr(nome, dati)
    return buf.getvalue()


ODT = _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"})
DOCX = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
ZIP_QUALSIASI = _zip({"leggimi.txt": "ciao"})


@pytest.fixture(autouse=True)
def archivio(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "documenti"
    return settings.MEDIA_ROOT


def _carica(mondo, caso, nome, contenuto, *, attore=None, riservatezza="ordinaria", titolo="Relazione"):
    return srv.carica_documento(
        caso=caso,
        tipo="relazione",
        titolo=titolo,
        file=SimpleUploadedFile(nome, contenuto, content_type="application/octet-stream"),
        riservatezza=riservatezza,
        attore=attore or mondo.operatore,
    )


@pytest.mark.parametrize(
    "nome,contenuto,mime",
    [
        ("relazione.pdf", PDF, "application/pdf"),
        ("foto.PNG", PNG, "image/png"),
        ("foto.jpeg", JPEG, "image/jpeg"),
        ("verbale.odt", ODT, "application/vnd.oasis.opendocument.text"),
        ("verbale.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("note.txt", "Colloquio con la famiglia, è andato bene.\n".encode(), "text/plain"),
        ("note-latin1.txt", "Perché sì\n".encode("latin-1"), "text/plain"),
    ],
)
def test_tipi_ammessi_riconosciuti_dal_contenuto(mondo, nome, contenuto, mime, archivio):
    caso = mondo.caso()
    doc = _carica(mondo, caso, nome, contenuto)
    assert doc.tipo_mime == mime
    assert doc.dimensione == len(contenuto)
    assert doc.sha256 == hashlib.sha256(contenuto).hexdigest()
    assert doc.nome_originale == nome
    percorso = Path(doc.file.path)
    assert percorso.read_bytes() == contenuto
    assert Path(archivio) in percorso.parents
    # The user's file name never reaches the filesystem.
    assert Path(nome).stem.lower() not in doc.file.name.lower()
    assert EventoAudit.objects.filter(azione="documento.caricato", oggetto_id=str(doc.pk)).exists()


@pytest.mark.parametrize(
    "nome,contenuto,messaggio",
    [
        ("relazione.pdf", EXE, "Tipo di file non ammesso"),  # an executable renamed .pdf
        ("archivio.docx", ZIP_QUALSIASI, "Tipo di file non ammesso"),  # a zip that is no document
        ("relazione.txt", PDF, "non corrisponde all'estensione"),  # a real PDF with a wrong name
        ("script.sh", b"#!/bin/sh\nrm -rf /\n", "non corrisponde all'estensione"),
        ("vuoto.pdf", b"", "vuoto"),
    ],
)
def test_tipi_rifiutati(mondo, nome, contenuto, messaggio, archivio):
    caso = mondo.caso()
    with pytest.raises(ValidationError) as e:
        _carica(mondo, caso, nome, contenuto)
    assert messaggio in " ".join(e.value.messages)
    assert not Documento.objects.exists()
    assert not any(Path(archivio).rglob("*.*")) if Path(archivio).exists() else True


def test_limite_di_dimensione_da_impostazione(mondo, settings):
    caso = mondo.caso()
    settings.AMBITO_DOCUMENTO_MAX_MB = 1
    grande = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as e:
        _carica(mondo, caso, "grande.pdf", grande)
    assert "dimensione massima di 1 MB" in e.value.messages[0]
    assert not Documento.objects.exists()
    settings.AMBITO_DOCUMENTO_MAX_MB = 2
    assert _carica(mondo, caso, "grande.pdf", grande).dimensione == len(grande)
    # Default 10 MB when the setting is absent.
    del settings.AMBITO_DOCUMENTO_MAX_MB
    assert srv.max_byte() == 10 * 1024 * 1024


def test_duplicato_rifiutato_sullo_stesso_caso(mondo):
    caso = mondo.caso()
    primo = _carica(mondo, caso, "a.pdf", PDF)
    # Same bytes, other name, other user: refused with an Italian message naming the first.
    with pytest.raises(ValidationError) as e:
        _carica(mondo, caso, "copia.pdf", PDF, attore=mondo.coordinatore, titolo="Altro")
    assert "già nella cartella" in e.value.messages[0] and "Relazione" in e.value.messages[0]
    # The same user submitting again: a double submit, the first row comes back.
    with pytest.raises(srv.InvioDoppio) as e:
        _carica(mondo, caso, "a.pdf", PDF)
    assert e.value.esistente == primo
    assert Documento.objects.count() == 1
    # On another case the same file is fine.
    assert _carica(mondo, mondo.caso(), "a.pdf", PDF).sha256 == primo.sha256


def test_livello_del_documento_secondo_chi_carica(mondo):
    caso = mondo.caso()
    with pytest.raises(ValidationError, match="équipe minori"):
        _carica(mondo, caso, "d.pdf", PDF, attore=mondo.direzione, riservatezza="giudiziaria")
    doc = _carica(mondo, caso, "d.pdf", PDF, riservatezza="giudiziaria")
    # The Comune's operator does not even see it listed, and cannot download it.
    r = mondo.client(mondo.comunale).get(f"/api/v1/cartella/casi/{caso.pk}/documenti")
    assert r.status_code == 200 and r.json() == []
    r = mondo.client(mondo.comunale).get(reverse("cartella:documento_scarica", args=[doc.pk]))
    assert r.status_code == 404
    assert AccessoDati.objects.filter(utente=mondo.comunale, oggetto_id=str(doc.pk), esito="negato").exists()


def test_download_registrato_con_intestazioni_sicure(mondo):
    caso = mondo.caso()
    doc = _carica(mondo, caso, "Relazione sociale «Rossi».pdf", PDF)
    r = mondo.client(mondo.operatore).get(reverse("cartella:documento_scarica", args=[doc.pk]))
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("attachment;")
    assert "Relazione" in r["Content-Disposition"]
    acc = AccessoDati.objects.get(oggetto_tipo="cartella.Documento", oggetto_id=str(doc.pk))
    assert acc.utente == mondo.operatore and acc.esito == "consentito"
    # Through the API too.
    r = mondo.client(mondo.operatore).get(f"/api/v1/cartella/documenti/{doc.pk}/contenuto")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert AccessoDati.objects.filter(oggetto_tipo="cartella.Documento", oggetto_id=str(doc.pk)).count() == 2


def test_download_di_un_altro_ambito_404_e_registrato(mondo, altro_mondo):
    caso = altro_mondo.caso()
    doc = _carica(altro_mondo, caso, "altrui.pdf", PDF)
    for url in (
        reverse("cartella:documento_scarica", args=[doc.pk]),
        f"/api/v1/cartella/documenti/{doc.pk}/contenuto",
    ):
        r = mondo.client(mondo.direzione).get(url)
        assert r.status_code == 404
        assert PDF not in r.content
    negati = AccessoDati.objects.filter(
        utente=mondo.direzione, oggetto_tipo="cartella.Documento", oggetto_id=str(doc.pk), esito="negato"
    )
    assert negati.count() == 2
    # A user without any scope on the case, same Ambito: 404 as well.
    proprio = _carica(mondo, mondo.caso(), "mio.pdf", PDF)
    r = mondo.client(mondo.operatore_sad).get(reverse("cartella:documento_scarica", args=[proprio.pk]))
    assert r.status_code == 404


def test_annullato_resta_scaricabile_e_segnalato(mondo):
    caso = mondo.caso()
    doc = _carica(mondo, caso, "a.pdf", PDF)
    with pytest.raises(ValidationError, match="obbligatorio"):
        srv.annulla_documento(documento=doc, motivo="", attore=mondo.operatore)
    srv.annulla_documento(documento=doc, motivo="caricato sul caso sbagliato", attore=mondo.operatore)
    doc.refresh_from_db()
    assert doc.annullato_il is not None and doc.motivo_annullamento == "caricato sul caso sbagliato"
    assert Path(doc.file.path).exists()
    with pytest.raises(ValidationError, match="già stato annullato"):
        srv.annulla_documento(documento=doc, motivo="ancora", attore=mondo.operatore)
    r = mondo.client(mondo.operatore).get(reverse("cartella:documento_scarica", args=[doc.pk]))
    assert r.status_code == 200 and "X-Documento-Annullato" in r
    assert b"".join(r.streaming_content) == PDF
    # Once annulled, the same file may be uploaded again (e.g. on the right case it was meant for).
    assert _carica(mondo, caso, "a.pdf", PDF).pk != doc.pk


def test_pagine_di_caricamento_e_annullamento(mondo, archivio):
    caso = mondo.caso()
    client = mondo.client(mondo.operatore)
    url = reverse("cartella:documento_nuovo", args=[caso.pk])
    assert client.get(url).status_code == 200

    def invia(contenuto, nome="relazione.pdf"):
        return client.post(
            url,
            {
                "tipo": "relazione",
                "titolo": "Relazione al TM",
                "riservatezza": "team",
                "file": SimpleUploadedFile(nome, contenuto),
            },
        )

    r = invia(EXE)
    assert r.status_code == 400 and "Tipo di file non ammesso" in r.content.decode()
    assert not Documento.objects.exists()
    assert invia(PDF).status_code == 302
    assert invia(PDF).status_code == 302  # double submit: back to the record, nothing new
    assert Documento.objects.count() == 1
    doc = Documento.objects.get()
    assert doc.riservatezza == "team" and doc.creato_da == mondo.operatore

    url = reverse("cartella:documento_annulla", args=[doc.pk])
    r = client.post(url, {"motivo": ""})
    assert r.status_code == 400
    r = client.post(url, {"motivo": "duplicato cartaceo"})
    assert r.status_code == 302
    assert client.post(url, {"motivo": "duplicato cartaceo"}).status_code == 302
    doc.refresh_from_db()
    assert doc.motivo_annullamento == "duplicato cartaceo"
    assert EventoAudit.objects.filter(azione="documento.annullato").count() == 1
    # The Comune's operator may not upload (no permission).
    assert (
        mondo.client(mondo.comunale).get(reverse("cartella:documento_nuovo", args=[caso.pk])).status_code
        == 403
    )
