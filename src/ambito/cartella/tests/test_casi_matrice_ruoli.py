"""The scope matrix: every role of the shared world against every kind of record page, including
ids of another Ambito. Expected: 200, or 404 (never 403: it would reveal that the row exists) with
an access-log row "negato"; anonymous users are sent to the login page.

The expectations are written out by hand from the rules in PRODUCT/issue 3, not computed."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ambito.cartella.models import Progetto, Valutazione, VersioneProgetto, VoceDiario
from ambito.cartella.services import diario as srv_diario
from ambito.core.models import AccessoDati

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# Record kinds and the page that opens one.
PAGINE = {
    "persona_a": "cartella:persona",  # resident of Comune A, open MINORI case in Comune A
    "persona_b": "cartella:persona",  # resident of Comune B, open SAD case in Comune B
    "caso_minori": "cartella:caso",
    "caso_sad": "cartella:caso",
    "voce_ordinaria": "cartella:diario_voce",  # on the MINORI case
    "voce_team": "cartella:diario_voce",
    "voce_giudiziaria": "cartella:diario_voce",
    "documento": "cartella:documento_scarica",  # ordinary document of the MINORI case
    "valutazione": "cartella:valutazione",  # of the MINORI case
    "progetto": "cartella:progetto",  # of the MINORI case
    "intervento_sad_coop": "cartella:intervento",  # SAD case, entrusted to the world's coop
    "intervento_minori": "cartella:intervento",  # MINORI case, no provider
}
ALTRO_AMBITO = [
    "altro_persona",
    "altro_caso",
    "altro_voce",
    "altro_documento",
    "altro_valutazione",
    "altro_progetto",
    "altro_intervento",
]
PAGINE.update(
    {
        "altro_persona": "cartella:persona",
        "altro_caso": "cartella:caso",
        "altro_voce": "cartella:diario_voce",
        "altro_documento": "cartella:documento_scarica",
        "altro_valutazione": "cartella:valutazione",
        "altro_progetto": "cartella:progetto",
        "altro_intervento": "cartella:intervento",
    }
)

_ = 404
ATTESI = {
    #                persona a/b   casi min/sad   voci ord/team/giud   doc   val   prog   interv sad/min
    "direzione": dict(
        persona_a=200, persona_b=200, caso_minori=200, caso_sad=200,
        voce_ordinaria=200, voce_team=200, voce_giudiziaria=_,  # judicial: only the minors' team
        documento=200, valutazione=200, progetto=200, intervento_sad_coop=200, intervento_minori=200,
    ),
    "amministrazione": dict(
        persona_a=_, persona_b=_, caso_minori=_, caso_sad=_,
        voce_ordinaria=_, voce_team=_, voce_giudiziaria=_,
        documento=_, valutazione=_, progetto=_, intervento_sad_coop=200, intervento_minori=200,
    ),
    "ufficiodipiano": dict(
        persona_a=_, persona_b=_, caso_minori=_, caso_sad=_,
        voce_ordinaria=_, voce_team=_, voce_giudiziaria=_,
        documento=_, valutazione=_, progetto=_, intervento_sad_coop=_, intervento_minori=_,
    ),
    "sistema": dict(
        persona_a=_, persona_b=_, caso_minori=_, caso_sad=_,
        voce_ordinaria=_, voce_team=_, voce_giudiziaria=_,
        documento=_, valutazione=_, progetto=_, intervento_sad_coop=_, intervento_minori=_,
    ),
    "cittadino": dict(
        persona_a=_, persona_b=_, caso_minori=_, caso_sad=_,
        voce_ordinaria=_, voce_team=_, voce_giudiziaria=_,
        documento=_, valutazione=_, progetto=_, intervento_sad_coop=_, intervento_minori=_,
    ),
    "coordinatore": dict(  # coordinates MINORI
        persona_a=200, persona_b=200, caso_minori=200, caso_sad=_,
        voce_ordinaria=200, voce_team=200, voce_giudiziaria=200,
        documento=200, valutazione=200, progetto=200, intervento_sad_coop=_, intervento_minori=200,
    ),
    "operatore": dict(  # member of the minors' team
        persona_a=200, persona_b=200, caso_minori=200, caso_sad=_,
        voce_ordinaria=200, voce_team=200, voce_giudiziaria=200,
        documento=200, valutazione=200, progetto=200, intervento_sad_coop=_, intervento_minori=200,
    ),
    "operatore_sad": dict(  # assigned to the SAD service
        persona_a=200, persona_b=200, caso_minori=_, caso_sad=200,
        voce_ordinaria=_, voce_team=_, voce_giudiziaria=_,
        documento=_, valutazione=_, progetto=_, intervento_sad_coop=200, intervento_minori=_,
    ),
    "comunale": dict(  # Comune A
        persona_a=200, persona_b=_, caso_minori=200, caso_sad=_,
        voce_ordinaria=200, voce_team=_, voce_giudiziaria=_,
        documento=200, valutazione=200, progetto=200, intervento_sad_coop=_, intervento_minori=200,
    ),
    "erogatore": dict(  # the world's coop
        persona_a=_, persona_b=_, caso_minori=_, caso_sad=_,
        voce_ordinaria=_, voce_team=_, voce_giudiziaria=_,
        documento=_, valutazione=_, progetto=_, intervento_sad_coop=200, intervento_minori=_,
    ),
}  # fmt: skip
for riga in ATTESI.values():
    riga.update(dict.fromkeys(ALTRO_AMBITO, 404))


def _record(m, suffisso_nascita: int):
    """One set of records in world `m`; returns kind -> pk."""
    pa = m.persona(cognome="Alfa", nascita=dt.date(1980, 1, suffisso_nascita))
    pb = m.persona(cognome="Beta", nascita=dt.date(1950, 2, suffisso_nascita), comune=m.altro_comune)
    caso_min = m.caso(persona=pa)
    caso_sad = m.caso(persona=pb, servizio=m.sad, comune=m.altro_comune)
    voci = {
        livello: VoceDiario.objects.create(
            ambito=m.ambito,
            caso=caso_min,
            data=dt.date(2024, 5, 1),
            testo=f"Voce {livello}",
            riservatezza=livello,
        )
        for livello in ("ordinaria", "team", "giudiziaria")
    }
    doc = srv_diario.carica_documento(
        caso=caso_min,
        tipo="relazione",
        titolo="Relazione",
        file=SimpleUploadedFile("relazione.pdf", PDF, content_type="application/pdf"),
        riservatezza="ordinaria",
        attore=m.operatore,
    )
    val = Valutazione.objects.create(
        ambito=m.ambito, caso=caso_min, tipo="professionale", data=dt.date(2024, 2, 1), creato_da=m.operatore
    )
    prog = Progetto.objects.create(ambito=m.ambito, caso=caso_min, tipo="quadro", creato_da=m.operatore)
    VersioneProgetto.objects.create(
        ambito=m.ambito,
        progetto=prog,
        numero=1,
        sintesi="Piano",
        data_inizio=dt.date(2024, 2, 1),
        prossima_verifica=dt.date(2024, 8, 1),
        creato_da=m.operatore,
    )
    i_sad = m.intervento(caso_sad, erogatore=m.coop)
    i_min = m.intervento(caso_min)
    return {
        "persona_a": pa.pk,
        "persona_b": pb.pk,
        "caso_minori": caso_min.pk,
        "caso_sad": caso_sad.pk,
        "voce_ordinaria": voci["ordinaria"].pk,
        "voce_team": voci["team"].pk,
        "voce_giudiziaria": voci["giudiziaria"].pk,
        "documento": doc.pk,
        "valutazione": val.pk,
        "progetto": prog.pk,
        "intervento_sad_coop": i_sad.pk,
        "intervento_minori": i_min.pk,
    }


@pytest.fixture
def scena(mondo, altro_mondo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "documenti"
    ids = _record(mondo, 3)
    altri = _record(altro_mondo, 4)
    for tipo, chiave in [
        ("altro_persona", "persona_a"),
        ("altro_caso", "caso_minori"),
        ("altro_voce", "voce_ordinaria"),
        ("altro_documento", "documento"),
        ("altro_valutazione", "valutazione"),
        ("altro_progetto", "progetto"),
        ("altro_intervento", "intervento_sad_coop"),
    ]:
        ids[tipo] = altri[chiave]
    return ids


def test_the_expectations_table_is_complete():
    assert set(ATTESI) == {
        "direzione", "amministrazione", "ufficiodipiano", "sistema", "cittadino",
        "coordinatore", "operatore", "operatore_sad", "comunale", "erogatore",
    }  # fmt: skip
    for ruolo, riga in ATTESI.items():
        assert set(riga) == set(PAGINE), ruolo


@pytest.mark.parametrize("ruolo", sorted(ATTESI))
def test_matrix(mondo, scena, ruolo):
    utente = getattr(mondo, ruolo)
    client = mondo.client(utente)
    errori = []
    for tipo, nome in PAGINE.items():
        pk = scena[tipo]
        negati_prima = AccessoDati.objects.filter(utente=utente, oggetto_id=str(pk), esito="negato").count()
        r = client.get(reverse(nome, args=[pk]))
        atteso = ATTESI[ruolo][tipo]
        if r.status_code != atteso:
            errori.append(f"{tipo}: {r.status_code} invece di {atteso}")
            continue
        negati = AccessoDati.objects.filter(utente=utente, oggetto_id=str(pk), esito="negato").count()
        if atteso == 404 and negati != negati_prima + 1:
            errori.append(f"{tipo}: 404 senza riga 'negato' nel registro accessi")
        if atteso == 200 and negati != negati_prima:
            errori.append(f"{tipo}: 200 ma registrato come negato")
    assert not errori, "\n".join(errori)


def test_matrix_anonymous_goes_to_login(scena):
    client = Client()
    for tipo, nome in PAGINE.items():
        url = reverse(nome, args=[scena[tipo]])
        r = client.get(url)
        assert r.status_code == 302, tipo
        assert r["Location"].startswith(reverse("login")), tipo
    assert AccessoDati.objects.count() == 0


def test_comune_timeline_without_reserved_or_judicial_entries(mondo, scena):
    html = (
        mondo.client(mondo.comunale)
        .get(reverse("cartella:caso", args=[scena["caso_minori"]]))
        .content.decode()
    )
    cronologia = html.split('data-testid="cronologia"', 1)[1].split("</table>", 1)[0]
    assert "Voce ordinaria" in cronologia
    assert "Voce team" not in cronologia and "Voce giudiziaria" not in cronologia
    html = (
        mondo.client(mondo.operatore)
        .get(reverse("cartella:caso", args=[scena["caso_minori"]]))
        .content.decode()
    )
    cronologia = html.split('data-testid="cronologia"', 1)[1].split("</table>", 1)[0]
    assert "Voce team" in cronologia and "Voce giudiziaria" in cronologia
    html = (
        mondo.client(mondo.direzione)
        .get(reverse("cartella:caso", args=[scena["caso_minori"]]))
        .content.decode()
    )
    cronologia = html.split('data-testid="cronologia"', 1)[1].split("</table>", 1)[0]
    assert "Voce team" in cronologia and "Voce giudiziaria" not in cronologia


def test_provider_sees_only_its_interventions(mondo, scena):
    r = mondo.client(mondo.erogatore).get(reverse("cartella:miei_interventi"))
    assert r.status_code == 200
    html = r.content.decode()
    assert reverse("cartella:intervento", args=[scena["intervento_sad_coop"]]) in html
    assert reverse("cartella:intervento", args=[scena["intervento_minori"]]) not in html
    assert reverse("cartella:intervento", args=[scena["altro_intervento"]]) not in html
