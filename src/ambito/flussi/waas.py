"""The WaaS API (INPS pulls from us): `api-comuni.yaml` v2.0.1, served under `/waas/v1/`.

- `GET /status`: 200 application/problem+json (no authentication, as in the spec).
- `GET /flussi?since=<ms>&limit=<0..100, default 10>`: the Ambito's sendable flows ("preparato"
  or "preso") with `ts_flusso` > since, oldest first, as `{"elenco_flussi": [...]}` (an empty list
  when there is nothing); the "preparato" ones become "preso". 400 problem+json on bad parameters.
- `POST /esiti` `{"elenco_esiti": [...]}`: INPS's outcome of each flow. `OK` → "accettato", any
  other code → "rifiutato" (back on the data-quality page with INPS's message). Idempotent: the
  same outcome twice changes nothing. 204 when every id_flusso is known; the known ones are
  stored and the unknown ones answered 404 problem+json naming them (INPS retries: the known
  ones are stored again, identically). 400 problem+json on a malformed body.

Authentication: `Authorization: Bearer <JWT>` (RFC 8725: an explicit algorithm list, issuer,
audience and expiry required). Production (PDND): settings `AMBITO_WAAS_ISSUER`,
`AMBITO_WAAS_AUDIENCE`, `AMBITO_WAAS_CHIAVE` (the issuer's public key, PEM) and
`AMBITO_WAAS_ALGORITMI` (default RS256). Demo (`WAAS_AUTH=demo`, setting or environment): HS256
with `CHIAVE_DEMO`; `ambito waas token-demo` prints a token. Which Ambito answers: the setting
`AMBITO_WAAS_AMBITO` (its code) when set, otherwise the token's `sub` (an Ambito code).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time

import jwt
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from ambito.core.models import Ambito

from .models import FlussoSiuss, StatoFlusso

CHIAVE_DEMO = "ambito-waas-demo-chiave-solo-per-la-demo-locale-0001"
ISSUER_DEMO = "ambito-demo"
AUDIENCE_PREDEFINITA = "ambito-waas"
LIMITE_PREDEFINITO = 10
LIMITE_MASSIMO = 100
CODICI_ESITO = ("OK", "DATI_NON_TROVATI", "RICHIESTA_INVALIDA", "ERRORE_GENERICO")
OBBLIGATORI = ("id_flusso", "tipo", "ts_flusso", "ts_acquisizione", "codice_esito")
STATI_ESPOSTI = (StatoFlusso.PREPARATO, StatoFlusso.PRESO)
TITOLI = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}


def problema(status: int, detail: str, **extra) -> JsonResponse:
    """An RFC 7807 problem+json answer (only the spec's Problem properties)."""
    corpo = {"type": "about:blank", "title": TITOLI.get(status, "Error"), "status": status, "detail": detail}
    r = JsonResponse(corpo, status=status, content_type="application/problem+json", **extra)
    return r


def _impostazione(nome: str, predefinito: str = "") -> str:
    return getattr(settings, nome, "") or os.environ.get(nome, "") or predefinito


def modo_demo() -> bool:
    return _impostazione("WAAS_AUTH").lower() == "demo"


def token_demo(ambito_codice: str, *, durata: int = 3600, adesso: int | None = None) -> str:
    adesso = int(time.time()) if adesso is None else adesso
    return jwt.encode(
        {
            "iss": ISSUER_DEMO,
            "aud": _impostazione("AMBITO_WAAS_AUDIENCE", AUDIENCE_PREDEFINITA),
            "sub": ambito_codice,
            "iat": adesso,
            "nbf": adesso,
            "exp": adesso + durata,
        },
        CHIAVE_DEMO,
        algorithm="HS256",
        headers={"typ": "at+jwt"},
    )


class NonAutenticato(Exception):
    pass


def _verifica(token: str) -> dict:
    audience = _impostazione("AMBITO_WAAS_AUDIENCE", AUDIENCE_PREDEFINITA)
    if modo_demo():
        chiave, algoritmi, issuer = CHIAVE_DEMO, ["HS256"], ISSUER_DEMO
    else:
        chiave = _impostazione("AMBITO_WAAS_CHIAVE")
        issuer = _impostazione("AMBITO_WAAS_ISSUER")
        algoritmi = getattr(settings, "AMBITO_WAAS_ALGORITMI", None) or ["RS256"]
        if not chiave or not issuer:
            raise NonAutenticato("API WaaS non configurata (AMBITO_WAAS_ISSUER, AMBITO_WAAS_CHIAVE).")
        if any(a.upper() == "NONE" for a in algoritmi):
            raise NonAutenticato("Algoritmo non ammesso.")
    try:
        return jwt.decode(
            token,
            chiave,
            algorithms=list(algoritmi),
            audience=audience,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=30,
        )
    except jwt.PyJWTError as exc:
        raise NonAutenticato(f"Token non valido: {exc}") from None


def _ambito_del_token(request) -> Ambito:
    intestazione = request.headers.get("Authorization", "")
    tipo, _, token = intestazione.partition(" ")
    if tipo.lower() != "bearer" or not token.strip():
        raise NonAutenticato("Manca l'intestazione Authorization: Bearer <token>.")
    dati = _verifica(token.strip())
    codice = _impostazione("AMBITO_WAAS_AMBITO") or str(dati.get("sub", ""))
    ambito = Ambito.objects.filter(codice=codice).first()
    if ambito is None:
        raise NonAutenticato("Il token non indica un Ambito di questa installazione.")
    return ambito


def _autenticato(vista):
    def wrapper(request, *args, **kwargs):
        try:
            ambito = _ambito_del_token(request)
        except NonAutenticato as exc:
            return problema(401, str(exc), headers={"WWW-Authenticate": 'Bearer realm="waas"'})
        return vista(request, ambito, *args, **kwargs)

    wrapper.__name__ = vista.__name__
    wrapper.__doc__ = vista.__doc__
    return csrf_exempt(wrapper)


def _metodo(request, ammesso: str):
    if request.method != ammesso:
        return problema(
            405, f"Metodo {request.method} non ammesso: usare {ammesso}.", headers={"Allow": ammesso}
        )
    return None


def iso_ms(ms: int) -> str:
    """Milliseconds since 1970 as an RFC 3339 date-time in UTC with milliseconds."""
    istante = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return istante.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _intero(valore: str | None, nome: str, *, minimo: int, massimo: int) -> int:
    try:
        n = int(valore)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"Il parametro «{nome}» deve essere un intero.") from None
    if str(n) != valore.strip().lstrip("+"):  # type: ignore[union-attr]
        raise ValueError(f"Il parametro «{nome}» deve essere un intero.")
    if not minimo <= n <= massimo:
        raise ValueError(f"Il parametro «{nome}» deve stare tra {minimo} e {massimo}.")
    return n


@csrf_exempt
def status(request):
    if (r := _metodo(request, "GET")) is not None:
        return r
    return JsonResponse(
        {
            "type": "about:blank",
            "title": "OK",
            "status": 200,
            "detail": "Il servizio funziona correttamente.",
        },
        content_type="application/problem+json",
    )


@_autenticato
def flussi(request, ambito):
    if (r := _metodo(request, "GET")) is not None:
        return r
    if "since" not in request.GET:
        return problema(400, "Il parametro «since» è obbligatorio (millisecondi; 0 alla prima acquisizione).")
    try:
        since = _intero(request.GET["since"], "since", minimo=0, massimo=10**20)
        limite = LIMITE_PREDEFINITO
        if "limit" in request.GET:
            limite = _intero(request.GET["limit"], "limit", minimo=0, massimo=LIMITE_MASSIMO)
    except ValueError as exc:
        return problema(400, str(exc))
    with transaction.atomic():
        righe = list(
            FlussoSiuss.objects.filter(
                ambito=ambito, stato__in=STATI_ESPOSTI, ts_flusso__gt=since, id_flusso__isnull=False
            )
            .select_related("ente")
            .order_by("ts_flusso")[:limite]
        )
        da_segnare = [f.pk for f in righe if f.stato == StatoFlusso.PREPARATO]
        if da_segnare:
            FlussoSiuss.objects.filter(pk__in=da_segnare, stato=StatoFlusso.PREPARATO).update(
                stato=StatoFlusso.PRESO
            )
    elenco = [
        {
            "codice_ente": f.codice_ente,
            "denominazione_ente": ((f.ente.nome if f.ente else "") or f.codice_ente)[:256],
            "id_flusso": f.id_flusso,
            "tipo": f.tipo,
            "ts_flusso": iso_ms(f.ts_flusso),
            "flusso": _base64(f.xml),
        }
        for f in righe
    ]
    return JsonResponse({"elenco_flussi": elenco})


def _base64(xml: str) -> str:
    import base64

    return base64.b64encode(xml.encode("utf-8")).decode("ascii")


def _esiti_dal_corpo(request) -> list[dict]:
    try:
        corpo = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise ValueError("Il corpo non è JSON valido.") from None
    if not isinstance(corpo, dict) or set(corpo) - {"elenco_esiti"}:
        raise ValueError("Il corpo deve essere un oggetto con la sola proprietà «elenco_esiti».")
    esiti = corpo.get("elenco_esiti", [])
    if not isinstance(esiti, list) or len(esiti) > 100:
        raise ValueError("«elenco_esiti» deve essere un elenco di al più 100 esiti.")
    puliti = []
    for n, x in enumerate(esiti, start=1):
        if not isinstance(x, dict):
            raise ValueError(f"Esito {n}: deve essere un oggetto.")
        mancanti = [
            k for k in ("id_flusso", "tipo", "ts_flusso", "ts_acquisizione", "codice_esito") if k not in x
        ]
        if mancanti:
            raise ValueError(f"Esito {n}: mancano {', '.join(mancanti)}.")
        for k in ("id_flusso", "tipo", "ts_flusso", "ts_acquisizione", "codice_esito", "descrizione_esito",
                  "id_acquisizione_siuss"):  # fmt: skip
            if k in x and not isinstance(x[k], str):
                raise ValueError(f"Esito {n}: «{k}» deve essere una stringa.")
        if x["codice_esito"] not in CODICI_ESITO:
            raise ValueError(
                f"Esito {n}: codice_esito «{x['codice_esito']}» non ammesso ({', '.join(CODICI_ESITO)})."
            )
        ts = parse_datetime(x["ts_acquisizione"])
        if ts is None or parse_datetime(x["ts_flusso"]) is None:
            raise ValueError(f"Esito {n}: ts_flusso e ts_acquisizione devono essere date-time RFC 3339.")
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=dt.UTC)
        puliti.append(dict(x, ts_acquisizione=ts))
    return puliti


@_autenticato
def esiti(request, ambito):
    if (r := _metodo(request, "POST")) is not None:
        return r
    try:
        elenco = _esiti_dal_corpo(request)
    except ValueError as exc:
        return problema(400, str(exc))
    with transaction.atomic():
        per_id = {
            f.id_flusso: f
            for f in FlussoSiuss.objects.select_for_update().filter(
                ambito=ambito, id_flusso__in=[x["id_flusso"] for x in elenco]
            )
        }
        for x in elenco:
            f = per_id.get(x["id_flusso"])
            if f is None:
                continue
            valori = {
                "codice_esito": x["codice_esito"],
                "descrizione_esito": x.get("descrizione_esito", ""),
                "id_acquisizione_siuss": x.get("id_acquisizione_siuss", "")[:64],
                "ts_acquisizione": x["ts_acquisizione"],
                "stato": StatoFlusso.ACCETTATO if x["codice_esito"] == "OK" else StatoFlusso.RIFIUTATO,
            }
            if all(getattr(f, k) == v for k, v in valori.items()):
                continue  # the same outcome again: nothing to do
            for k, v in valori.items():
                setattr(f, k, v)
            f.save(update_fields=[*valori, "aggiornato_il"])
    ignoti = sorted({x["id_flusso"] for x in elenco} - set(per_id))
    if ignoti:
        return problema(404, f"Flussi sconosciuti: {', '.join(ignoti)[:4000]}")
    return HttpResponse(status=204)
