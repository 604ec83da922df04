"""A local client playing INPS against our WaaS API, end to end over HTTP (standard library only:
no Django here, so it runs against any server, ours or a colleague's).

`simula_inps(url, token, rifiuta_ogni=N)` does what INPS does with api-comuni.yaml v2.0.1:
pulls every sendable flow with `GET /flussi?since=&limit=` (paging with `since` = the last
`ts_flusso` received, in ms), decodes each flow and checks that it is well-formed XML named by its
`id_flusso`, then answers each page with `POST /esiti`: `OK` for most, and for every N-th flow
(and for a flow that is not well-formed) a refusal with an INPS-like message, which the Ambito
then sees on its data-quality page. Returns the counts.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from lxml import etree

NS = "http://inps.it/Casellario"
EPOCA = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Refusals as SIUSS words them for a flow that passed the XSD but not its checks on the registries.
RIFIUTI = {
    "PS_PSA_SINA": (
        "RICHIESTA_INVALIDA",
        "Codice fiscale del beneficiario non presente in Anagrafe Tributaria: prestazione scartata "
        "(esito simulato)",
    ),
    "SINBA": (
        "RICHIESTA_INVALIDA",
        "IDBeneficiario già trasmesso con anno di nascita diverso: record SINBA scartato (esito simulato)",
    ),
}
NON_BEN_FORMATO = (
    "RICHIESTA_INVALIDA",
    "Flusso non leggibile: XML non ben formato o nome diverso da id_flusso",
)


class ErroreInps(Exception):
    """The API answered with an error (its problem+json detail in the message)."""


@dataclass
class Esito:
    pagine: int = 0
    presi: int = 0
    accettati: int = 0
    rifiutati: int = 0
    rifiutati_id: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "pagine": self.pagine,
            "presi": self.presi,
            "accettati": self.accettati,
            "rifiutati": self.rifiutati,
        }


def ms_da_iso(testo: str) -> int:
    """RFC 3339 date-time (with milliseconds, 'Z') -> milliseconds since 1970, exactly."""
    istante = dt.datetime.fromisoformat(testo.replace("Z", "+00:00"))
    if istante.tzinfo is None:
        istante = istante.replace(tzinfo=dt.UTC)
    return (istante - EPOCA) // dt.timedelta(milliseconds=1)


def _iso_adesso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _chiama(metodo: str, url: str, token: str, corpo: dict | None = None, timeout: float = 30) -> dict | None:
    dati = json.dumps(corpo).encode("utf-8") if corpo is not None else None
    richiesta = urllib.request.Request(url, data=dati, method=metodo)
    richiesta.add_header("Authorization", f"Bearer {token}")
    richiesta.add_header("Accept", "application/json")
    if dati is not None:
        richiesta.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(richiesta, timeout=timeout) as risposta:  # noqa: S310 (our URL)
            testo = risposta.read()
    except urllib.error.HTTPError as exc:
        dettaglio = exc.read().decode("utf-8", "replace")
        raise ErroreInps(f"{metodo} {url}: HTTP {exc.code} {dettaglio}") from None
    return json.loads(testo) if testo else None


def ben_formato(flusso: dict) -> bool:
    """The flow decodes to well-formed XML whose IdentificazioneFlusso/@Nome is its id_flusso."""
    try:
        doc = etree.fromstring(base64.b64decode(flusso["flusso"]))
    except (ValueError, etree.XMLSyntaxError):
        return False
    ident = doc.find(f"{{{NS}}}IdentificazioneFlusso")
    return ident is not None and ident.get("Nome") == flusso["id_flusso"]


def simula_inps(
    url: str,
    token: str,
    *,
    rifiuta_ogni: int = 0,
    limite: int = 100,
    since: int = 0,
    massimo_pagine: int = 10**6,
) -> Esito:
    """Pull every flow after `since` and answer each page. `rifiuta_ogni=N` refuses the N-th,
    2N-th… flow taken (0: accept all well-formed flows)."""
    base = url.rstrip("/")
    esito = Esito()
    while esito.pagine < massimo_pagine:
        risposta = _chiama("GET", f"{base}/flussi?since={since}&limit={limite}", token) or {}
        elenco = risposta.get("elenco_flussi", [])
        if not elenco:
            break
        esito.pagine += 1
        esiti = []
        for f in elenco:
            esito.presi += 1
            if not ben_formato(f):
                codice, descrizione = NON_BEN_FORMATO
            elif rifiuta_ogni and esito.presi % rifiuta_ogni == 0:
                codice, descrizione = RIFIUTI.get(f["tipo"], RIFIUTI["PS_PSA_SINA"])
            else:
                codice, descrizione = "OK", "Flusso acquisito"
            if codice == "OK":
                esito.accettati += 1
            else:
                esito.rifiutati += 1
                esito.rifiutati_id.append(f["id_flusso"])
            x = {
                "id_flusso": f["id_flusso"],
                "tipo": f["tipo"],
                "ts_flusso": f["ts_flusso"],
                "ts_acquisizione": _iso_adesso(),
                "codice_esito": codice,
                "descrizione_esito": descrizione,
            }
            if codice == "OK":  # the spec: SIUSS's acquisition code only with an OK outcome
                x["id_acquisizione_siuss"] = str(esito.accettati)
            esiti.append(x)
            since = max(since, ms_da_iso(f["ts_flusso"]))
        _chiama("POST", f"{base}/esiti", token, {"elenco_esiti": esiti})
    return esito
