"""The WaaS API: status, flows paged by since/limit, outcomes, authentication, and conformance of
our answers to the response schemas of INPS's api-comuni.yaml (copied in flussi/specs/)."""

import base64
import datetime as dt
import json
import time
from pathlib import Path

import jsonschema
import jwt
import pytest
from django.core.management import call_command
from django.test import Client

from ambito.flussi import engine as e
from ambito.flussi import waas
from ambito.flussi.models import FlussoSiuss, StatoFlusso
from ambito.flussi.services import genera_flussi

from .conftest import eroga

SPEC = json.loads((Path(waas.__file__).parent / "specs" / "api-comuni.json").read_text("utf-8"))


def schema(ref: str) -> dict:
    """A component schema with the whole document alongside, for its $refs."""
    return {**SPEC["components"]["schemas"][ref.rsplit("/", 1)[-1]], "components": SPEC["components"]}


def conforme(risposta, percorso: str, metodo: str) -> None:
    """The answer's status is among the operation's responses (or `default`), its media type is
    the declared one and its JSON validates against the declared schema."""
    op = SPEC["paths"][percorso][metodo]
    dichiarata = op["responses"].get(str(risposta.status_code)) or op["responses"]["default"]
    if "$ref" in dichiarata:
        dichiarata = SPEC["components"]["responses"][dichiarata["$ref"].rsplit("/", 1)[-1]]
    if "content" not in dichiarata:
        assert risposta.content == b""
        return
    (tipo, contenuto), *_ = dichiarata["content"].items()
    assert risposta["Content-Type"].split(";")[0] == tipo
    s = contenuto["schema"]
    valida(risposta.json(), s)


def valida(dati, s: dict) -> None:
    """OpenAPI 3.0 schemas are JSON Schema draft 4 (boolean exclusiveMaximum)."""
    s = schema(s["$ref"]) if "$ref" in s else s
    jsonschema.Draft4Validator(s, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER).validate(dati)


@pytest.fixture(autouse=True)
def demo(settings):
    settings.WAAS_AUTH = "demo"


def inps(mondo) -> Client:
    return Client(headers={"Authorization": f"Bearer {waas.token_demo(mondo.ambito.codice)}"})


def genera(mondo):
    return genera_flussi(ambito=mondo.ambito, dal=dt.date(2024, 1, 1), al=dt.date(2024, 12, 31), attore=None)


def test_status(db):
    r = Client().get("/waas/v1/status")
    assert r.status_code == 200 and r.json()["status"] == 200
    conforme(r, "/status", "get")


def test_flussi_pages_by_since_and_limit_and_marks_taken(mondo, altro_mondo):
    for _ in range(3):
        eroga(mondo)
    eroga(mondo, presenza_prova_mezzi="1")  # invalid: never exposed
    eroga(altro_mondo)
    genera(mondo)
    genera(altro_mondo)
    c = inps(mondo)
    r = c.get("/waas/v1/flussi", {"since": 0, "limit": 2})
    assert r.status_code == 200
    conforme(r, "/flussi", "get")
    primi = r.json()["elenco_flussi"]
    assert len(primi) == 2
    ordine = list(
        FlussoSiuss.objects.filter(ambito=mondo.ambito, id_flusso__isnull=False).order_by("ts_flusso")
    )
    assert [x["id_flusso"] for x in primi] == [f.id_flusso for f in ordine[:2]]
    x = primi[0]
    assert (
        x["codice_ente"] == "F100"
        and x["denominazione_ente"] == mondo.comune.nome
        and x["tipo"] == "PS_PSA_SINA"
    )
    xml = base64.b64decode(x["flusso"])
    assert e.valida(e.PS, xml) == [] and xml.decode() == ordine[0].xml
    assert x["ts_flusso"] == waas.iso_ms(ordine[0].ts_flusso) and x["ts_flusso"].endswith("Z")
    assert FlussoSiuss.objects.filter(ambito=mondo.ambito, stato=StatoFlusso.PRESO).count() == 2
    # The next page: since = the last ts seen; default limit 10.
    r = c.get("/waas/v1/flussi", {"since": ordine[1].ts_flusso})
    assert [x["id_flusso"] for x in r.json()["elenco_flussi"]] == [ordine[2].id_flusso]
    # Nothing newer: an empty list.
    r = c.get("/waas/v1/flussi", {"since": ordine[2].ts_flusso})
    assert r.status_code == 200 and r.json() == {"elenco_flussi": []}
    conforme(r, "/flussi", "get")
    # Taken flows are given again on a repeated request (INPS may lose an answer).
    assert len(c.get("/waas/v1/flussi", {"since": 0}).json()["elenco_flussi"]) == 3


@pytest.mark.parametrize(
    "parametri", [{}, {"since": "x"}, {"since": -1}, {"since": 0, "limit": 101}, {"since": 0, "limit": "1.5"}]
)
def test_flussi_bad_parameters_400(mondo, parametri):
    r = inps(mondo).get("/waas/v1/flussi", parametri)
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    conforme(r, "/flussi", "get")


@pytest.mark.parametrize(
    "intestazione",
    [
        None,
        "Basic abc",
        "Bearer non-un-token",
        "Bearer "
        + jwt.encode({"sub": "AMB-F", "iss": "x", "aud": "ambito-waas", "exp": 9e9, "iat": 1}, "k" * 40),
        "Bearer "
        + jwt.encode(
            {"sub": "AMB-F", "iss": waas.ISSUER_DEMO, "aud": "ambito-waas", "exp": 9e9, "iat": 1},
            "altra-chiave-" * 4,
        ),  # fmt: skip
        "Bearer "
        + jwt.encode(
            {
                "sub": "AMB-F",
                "iss": waas.ISSUER_DEMO,
                "aud": "ambito-waas",
                "iat": 1,
                "exp": int(time.time()) - 3600,
            },
            waas.CHIAVE_DEMO,
        ),  # fmt: skip
        "Bearer "
        + jwt.encode(
            {"sub": "AMB-F", "iss": waas.ISSUER_DEMO, "aud": "ambito-waas", "iat": 1, "exp": 9e9},
            None,
            algorithm="none",
        ),  # fmt: skip
        "Bearer "
        + jwt.encode(
            {"sub": "NESSUNO", "iss": waas.ISSUER_DEMO, "aud": "ambito-waas", "iat": 1, "exp": 9e9},
            waas.CHIAVE_DEMO,
        ),  # fmt: skip
    ],
)
def test_auth_missing_or_invalid_401(mondo, intestazione):
    c = Client(headers={"Authorization": intestazione} if intestazione else {})
    for r in (
        c.get("/waas/v1/flussi", {"since": 0}),
        c.post("/waas/v1/esiti", {}, content_type="application/json"),
    ):
        assert r.status_code == 401 and r["Content-Type"] == "application/problem+json"
        assert r.json()["status"] == 401 and r["WWW-Authenticate"].startswith("Bearer")


def test_demo_token_refused_outside_demo_mode(mondo, settings):
    settings.WAAS_AUTH = ""
    settings.AMBITO_WAAS_ISSUER = "https://auth.interop.pagopa.it"
    settings.AMBITO_WAAS_CHIAVE = "chiave-di-produzione-" * 3
    assert inps(mondo).get("/waas/v1/flussi", {"since": 0}).status_code == 401


def test_configured_issuer_and_key(mondo, settings):
    settings.WAAS_AUTH = ""
    settings.AMBITO_WAAS_ISSUER = "https://pdnd.example"
    settings.AMBITO_WAAS_CHIAVE = "chiave-condivisa-di-prova-lunga-abbastanza"
    settings.AMBITO_WAAS_ALGORITMI = ["HS256"]
    settings.AMBITO_WAAS_AMBITO = mondo.ambito.codice
    t = jwt.encode({"sub": "client-pdnd", "iss": "https://pdnd.example", "aud": "ambito-waas", "iat": 1,
                    "exp": int(time.time()) + 60}, settings.AMBITO_WAAS_CHIAVE)  # fmt: skip
    assert Client(headers={"Authorization": f"Bearer {t}"}).get("/waas/v1/flussi?since=0").status_code == 200


def test_token_demo_command(mondo, capsys, settings):
    call_command("waas", "token-demo", "--ambito", mondo.ambito.codice)
    token = capsys.readouterr().out.strip()
    r = Client(headers={"Authorization": f"Bearer {token}"}).get("/waas/v1/flussi", {"since": 0})
    assert r.status_code == 200


def _esito(f, codice="OK", **kw):
    return {"id_flusso": f.id_flusso, "tipo": f.tipo, "ts_flusso": waas.iso_ms(f.ts_flusso),
            "ts_acquisizione": "2025-01-02T10:00:00.000Z", "codice_esito": codice, **kw}  # fmt: skip


def test_esiti_accepted_refused_idempotent(mondo):
    eroga(mondo)
    eroga(mondo)
    genera(mondo)
    a, b = FlussoSiuss.objects.order_by("ts_flusso")
    c = inps(mondo)
    c.get("/waas/v1/flussi", {"since": 0})
    corpo = {"elenco_esiti": [
        _esito(a, id_acquisizione_siuss="22738"),
        _esito(b, "RICHIESTA_INVALIDA", descrizione_esito="Prestazione già presente"),
    ]}  # fmt: skip
    valida(corpo, {"$ref": "#/components/schemas/ElencoEsiti"})
    r = c.post("/waas/v1/esiti", corpo, content_type="application/json")
    assert r.status_code == 204 and r.content == b""
    conforme(r, "/esiti", "post")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.stato, a.id_acquisizione_siuss, a.ts_acquisizione) == (
        StatoFlusso.ACCETTATO,
        "22738",
        dt.datetime(2025, 1, 2, 10, tzinfo=dt.UTC),
    )
    assert b.stato == StatoFlusso.RIFIUTATO and b.descrizione_esito == "Prestazione già presente"
    aggiornato = a.aggiornato_il
    # Idempotent: the same notification again changes nothing.
    assert c.post("/waas/v1/esiti", corpo, content_type="application/json").status_code == 204
    a.refresh_from_db()
    assert a.aggiornato_il == aggiornato and a.stato == StatoFlusso.ACCETTATO
    # Accepted and refused flows are no longer offered.
    assert c.get("/waas/v1/flussi", {"since": 0}).json() == {"elenco_flussi": []}


def test_esiti_unknown_flow_404_and_other_ambito(mondo, altro_mondo):
    eroga(mondo)
    eroga(altro_mondo)
    genera(mondo)
    genera(altro_mondo)
    mio = FlussoSiuss.objects.get(ambito=mondo.ambito)
    altrui = FlussoSiuss.objects.get(ambito=altro_mondo.ambito)
    corpo = {"elenco_esiti": [_esito(mio), _esito(altrui, "ERRORE_GENERICO"),
                              dict(_esito(mio), id_flusso="X999.PS.20250101.0000001")]}  # fmt: skip
    r = inps(mondo).post("/waas/v1/esiti", corpo, content_type="application/json")
    assert r.status_code == 404 and "X999.PS.20250101.0000001" in r.json()["detail"]
    assert altrui.id_flusso in r.json()["detail"]
    conforme(r, "/esiti", "post")
    mio.refresh_from_db()
    altrui.refresh_from_db()
    assert mio.stato == StatoFlusso.ACCETTATO and altrui.stato == StatoFlusso.PREPARATO


ESITO = {"id_flusso": "X", "tipo": "PS_PSA_SINA", "ts_flusso": "2025-01-01T00:00:00Z",
         "ts_acquisizione": "2025-01-01T00:00:00Z", "codice_esito": "OK"}  # fmt: skip


@pytest.mark.parametrize(
    "corpo",
    [
        "non json",
        json.dumps([]),
        json.dumps({"altro": []}),
        json.dumps({"elenco_esiti": [{"id_flusso": "X"}]}),
        json.dumps({"elenco_esiti": [dict(ESITO, codice_esito="FORSE")]}),
        json.dumps({"elenco_esiti": [dict(ESITO, ts_flusso="ieri")]}),
        json.dumps({"elenco_esiti": [dict(ESITO, descrizione_esito=3)]}),
    ],
)  # fmt: skip
def test_esiti_malformed_400(mondo, corpo):
    r = inps(mondo).post("/waas/v1/esiti", corpo, content_type="application/json")
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    conforme(r, "/esiti", "post")


def test_wrong_method_is_problem_json(mondo):
    r = inps(mondo).post("/waas/v1/flussi?since=0")
    assert r.status_code == 405 and r["Content-Type"] == "application/problem+json"


def test_refused_flow_on_the_quality_page(mondo):
    eroga(mondo)
    genera(mondo)
    f = FlussoSiuss.objects.get()
    inps(mondo).post("/waas/v1/esiti", {"elenco_esiti": [_esito(f, "RICHIESTA_INVALIDA",
                     descrizione_esito="Beneficiario non trovato in anagrafe tributaria")]},
                     content_type="application/json")  # fmt: skip
    r = mondo.client(mondo.ufficiodipiano).get("/flussi/qualita/")
    assert "Beneficiario non trovato in anagrafe tributaria" in r.content.decode()


def test_rs256_voucher_as_pdnd_issues_it(mondo, settings):
    """Production: PDND signs its vouchers with RS256 and publishes the public key. With the
    default algorithm list and the PEM public key configured, a voucher signed by the key pair
    is accepted; one signed by another key, or for another audience, is refused."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    chiave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    altra = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pubblica = (
        chiave.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings.WAAS_AUTH = ""
    settings.AMBITO_WAAS_ISSUER = "interop.pagopa.it"
    settings.AMBITO_WAAS_CHIAVE = pubblica
    settings.AMBITO_WAAS_AMBITO = mondo.ambito.codice
    if hasattr(settings, "AMBITO_WAAS_ALGORITMI"):
        del settings.AMBITO_WAAS_ALGORITMI  # the default: RS256 only

    def voucher(firma, aud="ambito-waas"):
        dati = {"sub": "client-inps", "iss": "interop.pagopa.it", "aud": aud, "iat": int(time.time()),
                "exp": int(time.time()) + 600}  # fmt: skip
        t = jwt.encode(dati, firma, algorithm="RS256", headers={"kid": "chiave-1", "typ": "at+jwt"})
        return Client(headers={"Authorization": f"Bearer {t}"}).get("/waas/v1/flussi?since=0").status_code

    assert voucher(chiave) == 200
    assert voucher(altra) == 401
    assert voucher(chiave, aud="altro-servizio") == 401
    # An HS256 token made with the public key as secret (algorithm confusion) is refused.
    confuso = jwt.encode(
        {"sub": "x", "iss": "interop.pagopa.it", "aud": "ambito-waas", "exp": int(time.time()) + 60},
        "segreto-qualsiasi-abbastanza-lungo-per-hs256",
        algorithm="HS256",
    )
    assert (
        Client(headers={"Authorization": f"Bearer {confuso}"}).get("/waas/v1/flussi?since=0").status_code
        == 401
    )
