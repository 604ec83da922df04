"""Writes of the case record: persone. Keyword-only, one transaction, audited.

Every refusal is a `django.core.exceptions.ValidationError` whose messages are Italian and, where
possible, keyed by the form field they concern (`{"codice_fiscale": [...]}`), so a form shows
them inline and the API returns them as a 422. Nothing is written when a check fails.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from ambito.core.services import istantanea, registra_evento
from ambito.territorio.models import Ente, TipoEnte

from .. import codice_fiscale as CF
from ..models import Isee, MembroNucleo, Nucleo, Persona, Residenza, RuoloNucleo, Sesso, TipoIsee
from ..persone_testo import chiave_ricerca
from ..selectors.persone import possibili_duplicati  # noqa: F401  (re-exported: see selectors)

RE_PROTOCOLLO_DSU = re.compile(r"^INPS-ISEE-(\d{4})-\d{9}-\d{2}$")
RE_ISTAT = re.compile(r"^\d{6}$")
RE_CITTADINANZA = re.compile(r"^\d{3}$")

CAMPI_ANAGRAFICI = (
    "cognome",
    "nome",
    "sesso",
    "data_nascita",
    "codice_belfiore_nascita",
    "luogo_nascita",
    "cittadinanza",
    "seconda_cittadinanza",
    "telefono",
    "email",
    "note",
    "deceduto_il",
)


class PersonaGiaPresente(ValidationError):
    """The codice fiscale is already registered in the Ambito: `persona` is the existing record."""

    def __init__(self, persona: Persona, messaggio: str):
        super().__init__({"codice_fiscale": [messaggio]})
        self.persona = persona


def _fmt(data: dt.date) -> str:
    return data.strftime("%d/%m/%Y")


def _oggi() -> dt.date:
    return timezone.localdate()


def _messaggio_duplicato(esistente: Persona, codice: str) -> PersonaGiaPresente:
    if esistente.unita_in_id:
        esistente = esistente.unita_in
    nato = "nata" if esistente.sesso == Sesso.FEMMINA else "nato"
    return PersonaGiaPresente(
        esistente,
        f"Il codice {codice} è già registrato nell'Ambito per {esistente.cognome} {esistente.nome} "
        f"({nato} il {_fmt(esistente.data_nascita)}, scheda n. {esistente.pk}): aprire la sua scheda "
        "invece di crearne una nuova.",
    )


def _errori(errori: dict[str, list[str]]) -> None:
    if any(errori.values()):
        raise ValidationError({k: v for k, v in errori.items() if v})


def _aggiungi(errori: dict[str, list[str]], campo: str, messaggio: str) -> None:
    errori.setdefault(campo, []).append(messaggio)


def _pulisci_anagrafica(dati: dict, errori: dict[str, list[str]]) -> dict:
    """Strip and check the typed registry data (not the codice fiscale)."""
    out = dict(dati)
    for campo in ("cognome", "nome", "luogo_nascita", "telefono", "email", "note"):
        if campo in out:
            out[campo] = (out[campo] or "").strip()
    for campo in ("codice_belfiore_nascita", "cittadinanza", "seconda_cittadinanza", "sesso"):
        if campo in out:
            out[campo] = (out[campo] or "").strip().upper()
    if "cognome" in out and not out["cognome"]:
        _aggiungi(errori, "cognome", "Il cognome è obbligatorio.")
    if "nome" in out and not out["nome"]:
        _aggiungi(errori, "nome", "Il nome è obbligatorio.")
    if "sesso" in out and out["sesso"] not in Sesso.values:
        _aggiungi(errori, "sesso", "Il sesso deve essere M o F.")
    if "data_nascita" in out:
        nascita = out["data_nascita"]
        if not isinstance(nascita, dt.date):
            _aggiungi(errori, "data_nascita", "La data di nascita è obbligatoria.")
        elif nascita > _oggi():
            _aggiungi(errori, "data_nascita", "La data di nascita non può essere nel futuro.")
        elif nascita.year < 1900:
            _aggiungi(errori, "data_nascita", "La data di nascita è anteriore al 1900: verificarla.")
    belfiore = out.get("codice_belfiore_nascita")
    if belfiore and CF.luogo_da_belfiore(belfiore) is None:
        _aggiungi(
            errori,
            "codice_belfiore_nascita",
            f"Codice catastale del luogo di nascita sconosciuto: {belfiore}.",
        )
    for campo in ("cittadinanza", "seconda_cittadinanza"):
        if out.get(campo) and not RE_CITTADINANZA.match(out[campo]):
            _aggiungi(
                errori, campo, "La cittadinanza si indica con il codice ISTAT a 3 cifre (es. 100 = Italia)."
            )
    if out.get("email"):
        try:
            validate_email(out["email"])
        except ValidationError:
            _aggiungi(errori, "email", "Indirizzo email non valido.")
    if out.get("deceduto_il") and isinstance(out.get("data_nascita"), dt.date):
        if out["deceduto_il"] < out["data_nascita"]:
            _aggiungi(errori, "deceduto_il", "La data di decesso non può precedere la nascita.")
    if out.get("deceduto_il") and out["deceduto_il"] > _oggi():
        _aggiungi(errori, "deceduto_il", "La data di decesso non può essere nel futuro.")
    return out


def _luogo(belfiore: str) -> tuple[str, bool]:
    """(name of the Comune or foreign State, born abroad?) of a Belfiore code."""
    voce = CF.luogo_da_belfiore(belfiore) or {}
    nome = voce.get("name") or ""
    if belfiore.startswith("Z"):
        return nome, True
    provincia = voce.get("province") or ""
    return (f"{nome} ({provincia})" if nome and provincia and provincia != "EE" else nome), False


def _controlla_cf(codice_fiscale: str, dati: dict, errori: dict[str, list[str]]) -> str:
    """Validate a real code and cross-check it with the typed data; returns the normalised code.

    The birthplace (Belfiore code) is taken from the code when it was not typed."""
    esito = CF.valida(codice_fiscale)
    if not esito.valido:
        for e in esito.errori:
            _aggiungi(errori, "codice_fiscale", e + ("" if e.endswith(".") else "."))
        return esito.codice
    if esito.numerico or errori.get("data_nascita") or errori.get("sesso"):
        return esito.codice
    for messaggio in CF.confronta(
        esito.codice,
        cognome=dati["cognome"],
        nome=dati["nome"],
        data_nascita=dati["data_nascita"],
        sesso=dati["sesso"],
        codice_belfiore=dati.get("codice_belfiore_nascita") or None,
    ):
        _aggiungi(errori, "codice_fiscale", messaggio + ".")
    if not errori.get("codice_fiscale") and not dati.get("codice_belfiore_nascita"):
        dati["codice_belfiore_nascita"] = CF.decodifica(
            esito.codice, oggi=max(dati["data_nascita"], _oggi())
        ).codice_belfiore
    return esito.codice


def _completa_luogo(dati: dict) -> None:
    belfiore = dati.get("codice_belfiore_nascita") or ""
    if belfiore:
        nome, estero = _luogo(belfiore)
        dati["nato_estero"] = estero
        if estero or not dati.get("luogo_nascita"):
            dati["luogo_nascita"] = nome
    elif "codice_belfiore_nascita" in dati:
        dati["nato_estero"] = False


def crea_persona(
    *,
    ambito,
    attore,
    codice_fiscale: str | None = None,
    senza_codice_fiscale: bool = False,
    cognome: str,
    nome: str,
    sesso: str,
    data_nascita: dt.date,
    codice_belfiore_nascita: str = "",
    luogo_nascita: str = "",
    cittadinanza: str = "100",
    seconda_cittadinanza: str = "",
    telefono: str = "",
    email: str = "",
    note: str = "",
    residenza: dict | None = None,
) -> Persona:
    """A new person of `ambito`.

    With a codice fiscale: checksum, then birth date, sex, name letters and birthplace decoded
    from it and compared with what was typed (`codice_fiscale.confronta`); any mismatch is
    refused with its message. A code already registered in the Ambito raises
    `PersonaGiaPresente` (its `.persona` is the existing record, for a link).
    Without one (`senza_codice_fiscale=True`): a temporary code "TMP…" is derived from name,
    birth date and sex (the same data typed twice give the same code, so the second attempt is
    refused as a duplicate) and the person is flagged `cf_temporaneo` until
    `assegna_codice_fiscale`. A Belfiore code "Z…" marks the person as born abroad and fills
    the birthplace with the State's name. `residenza` (dict with `comune` (an Ente) or
    `codice_istat`, `indirizzo`, `dal`) registers the first residence in the same transaction.
    """
    errori: dict[str, list[str]] = {}
    dati = _pulisci_anagrafica(
        {
            "cognome": cognome,
            "nome": nome,
            "sesso": sesso,
            "data_nascita": data_nascita,
            "codice_belfiore_nascita": codice_belfiore_nascita,
            "luogo_nascita": luogo_nascita,
            "cittadinanza": cittadinanza,
            "seconda_cittadinanza": seconda_cittadinanza,
            "telefono": telefono,
            "email": email,
            "note": note,
        },
        errori,
    )
    codice_fiscale = CF.normalizza(codice_fiscale)
    if senza_codice_fiscale:
        if codice_fiscale:
            _aggiungi(
                errori,
                "codice_fiscale",
                "Indicare il codice fiscale oppure «senza codice fiscale», non entrambi.",
            )
        _errori(errori)
        codice = CF.codice_temporaneo(
            cognome=dati["cognome"], nome=dati["nome"], data_nascita=dati["data_nascita"], sesso=dati["sesso"]
        )
    else:
        if not codice_fiscale:
            _aggiungi(
                errori,
                "codice_fiscale",
                "Il codice fiscale è obbligatorio: se la persona non lo ha, "
                "scegliere «senza codice fiscale».",
            )
            _errori(errori)
        codice = _controlla_cf(codice_fiscale, dati, errori) if not errori.get("cognome") else codice_fiscale
    _errori(errori)
    _completa_luogo(dati)
    esistente = (
        Persona.objects.filter(ambito=ambito, codice_fiscale=codice).select_related("unita_in").first()
    )
    if esistente is not None:
        raise _messaggio_duplicato(esistente, codice)
    try:
        with transaction.atomic():
            p = Persona.objects.create(
                ambito=ambito,
                creato_da=attore,
                codice_fiscale=codice,
                cf_temporaneo=senza_codice_fiscale,
                chiave_ricerca=chiave_ricerca(dati["cognome"], dati["nome"]),
                **dati,
            )
            registra_evento(attore=attore, azione="persona.creata", oggetto=p, dopo=istantanea(p))
            if residenza:
                registra_residenza(persona=p, attore=attore, **residenza)
    except IntegrityError:
        # Two submissions raced past the check above: the unique constraint decides.
        esistente = Persona.objects.filter(ambito=ambito, codice_fiscale=codice).first()
        if esistente is None:
            raise
        raise _messaggio_duplicato(esistente, codice) from None
    return p


def _versione(valore) -> str:
    if isinstance(valore, dt.datetime):
        return valore.isoformat()
    return str(valore or "")


def modifica_persona(*, persona: Persona, attore, aggiornato_il, **campi) -> Persona:
    """Change registry data, refusing if the record changed since the form was loaded.

    `aggiornato_il` is the record's `aggiornato_il` as read when the form was shown (datetime or
    its ISO string). A real codice fiscale stays and must agree with the new data; a temporary
    one is replaced only by `assegna_codice_fiscale`.
    """
    sconosciuti = set(campi) - set(CAMPI_ANAGRAFICI)
    if sconosciuti:
        raise ValidationError(f"Campi non modificabili: {', '.join(sorted(sconosciuti))}.")
    with transaction.atomic():
        attuale = Persona.objects.select_for_update().get(pk=persona.pk)
        if _versione(attuale.aggiornato_il) != _versione(aggiornato_il):
            raise ValidationError(
                "La scheda è stata modificata da un altro utente dopo che l'avete aperta: "
                "ricaricare la pagina per vedere i dati aggiornati e ripetere la modifica."
            )
        if attuale.unita_in_id:
            raise ValidationError("La scheda è stata unita a un'altra: modificare quella.")
        errori: dict[str, list[str]] = {}
        nuovi = {c: getattr(attuale, c) for c in CAMPI_ANAGRAFICI}
        nuovi.update(campi)
        dati = _pulisci_anagrafica(nuovi, errori)
        if not attuale.cf_temporaneo and not errori:
            _controlla_cf(attuale.codice_fiscale, dati, errori)
        _errori(errori)
        _completa_luogo(dati)
        prima = istantanea(attuale)
        for campo, valore in dati.items():
            setattr(attuale, campo, valore)
        attuale.chiave_ricerca = chiave_ricerca(attuale.cognome, attuale.nome)
        attuale.save()
        registra_evento(
            attore=attore, azione="persona.modificata", oggetto=attuale, prima=prima, dopo=istantanea(attuale)
        )
    return attuale


def assegna_codice_fiscale(*, persona: Persona, codice_fiscale: str, attore) -> Persona:
    """Replace a temporary code with the person's real codice fiscale (checked against their data)."""
    with transaction.atomic():
        attuale = Persona.objects.select_for_update().get(pk=persona.pk)
        if not attuale.cf_temporaneo:
            raise ValidationError({"codice_fiscale": ["La persona ha già un codice fiscale."]})
        errori: dict[str, list[str]] = {}
        dati = {c: getattr(attuale, c) for c in CAMPI_ANAGRAFICI}
        codice = _controlla_cf(CF.normalizza(codice_fiscale), dati, errori)
        _errori(errori)
        esistente = Persona.objects.filter(ambito_id=attuale.ambito_id, codice_fiscale=codice).first()
        if esistente is not None:
            raise PersonaGiaPresente(
                esistente,
                f"Il codice {codice} è già registrato per {esistente} (scheda n. {esistente.pk}): "
                "se è la stessa persona, unire le due schede.",
            )
        _completa_luogo(dati)
        prima = istantanea(attuale)
        attuale.codice_fiscale = codice
        attuale.cf_temporaneo = False
        attuale.codice_belfiore_nascita = dati["codice_belfiore_nascita"]
        attuale.luogo_nascita = dati.get("luogo_nascita", attuale.luogo_nascita)
        attuale.nato_estero = dati.get("nato_estero", attuale.nato_estero)
        attuale.save()
        registra_evento(
            attore=attore,
            azione="persona.codice_fiscale_assegnato",
            oggetto=attuale,
            prima=prima,
            dopo=istantanea(attuale),
        )
    return attuale


# --- residence --------------------------------------------------------------------------------


def _comune_da_istat(ambito_id: int, codice: str) -> Ente | None:
    return Ente.objects.filter(ambito_id=ambito_id, tipo=TipoEnte.COMUNE, codice_istat=codice).first()


def registra_residenza(
    *,
    persona: Persona,
    attore,
    dal: dt.date,
    comune: Ente | None = None,
    codice_istat: str = "",
    indirizzo: str = "",
    al: dt.date | None = None,
    domicilio: bool = False,
) -> Residenza:
    """A new residence (or domicile) period.

    An open period of the same kind that started before `dal` is closed the day before `dal`;
    any other overlap, an end before the start, or a start in the future is refused. The
    `comune` link is set when the ISTAT code is a Comune of the Ambito (it decides the Comune
    responsible for a case); a Comune outside the Ambito is kept by its ISTAT code only.
    """
    errori: dict[str, list[str]] = {}
    codice_istat = (codice_istat or "").strip()
    if comune is not None:
        if comune.ambito_id != persona.ambito_id or comune.tipo != TipoEnte.COMUNE:
            _aggiungi(errori, "comune", "Il Comune indicato non appartiene all'Ambito.")
        elif codice_istat and codice_istat != comune.codice_istat:
            _aggiungi(errori, "codice_istat", "Il codice ISTAT non corrisponde al Comune scelto.")
        else:
            codice_istat = comune.codice_istat
    if not codice_istat and not errori:
        _aggiungi(
            errori, "comune", "Indicare il Comune dell'Ambito o il codice ISTAT del Comune di residenza."
        )
    elif codice_istat and not RE_ISTAT.match(codice_istat):
        _aggiungi(errori, "codice_istat", "Il codice ISTAT del Comune ha 6 cifre.")
    if not isinstance(dal, dt.date):
        _aggiungi(errori, "dal", "La data di inizio è obbligatoria.")
    else:
        if dal > _oggi():
            _aggiungi(errori, "dal", "La data di inizio non può essere nel futuro.")
        if dal < persona.data_nascita:
            _aggiungi(errori, "dal", "La residenza non può iniziare prima della nascita.")
        if al is not None and al < dal:
            _aggiungi(errori, "al", "La data di fine non può precedere la data di inizio.")
    _errori(errori)
    if comune is None:
        comune = _comune_da_istat(persona.ambito_id, codice_istat)
    with transaction.atomic():
        Persona.objects.select_for_update().filter(pk=persona.pk).first()  # serialise per person
        esistenti = list(
            Residenza.objects.filter(persona=persona, domicilio=domicilio, annullato_il__isnull=True)
            .select_related("comune")
            .order_by("dal")
        )
        da_chiudere = None
        if al is None:
            aperte = [r for r in esistenti if r.al is None and r.dal < dal]
            da_chiudere = aperte[-1] if aperte else None
        fine_nuova = al or dt.date.max
        for r in esistenti:
            fine = dal - dt.timedelta(days=1) if r is da_chiudere else (r.al or dt.date.max)
            if r.dal <= fine_nuova and dal <= fine:
                tipo = "al domicilio registrato" if domicilio else "alla residenza registrata"
                luogo = r.comune.nome if r.comune else f"codice ISTAT {r.codice_istat_comune}"
                periodo = f"dal {_fmt(r.dal)}" + (f" al {_fmt(r.al)}" if r.al else " (in corso)")
                raise ValidationError({"dal": [f"Il periodo si sovrappone {tipo} a {luogo} {periodo}."]})
        if da_chiudere is not None:
            prima = istantanea(da_chiudere)
            da_chiudere.al = dal - dt.timedelta(days=1)
            da_chiudere.save(update_fields=["al", "aggiornato_il"])
            registra_evento(
                attore=attore,
                azione="residenza.chiusa",
                oggetto=da_chiudere,
                prima=prima,
                dopo=istantanea(da_chiudere),
            )
        r = Residenza.objects.create(
            ambito_id=persona.ambito_id,
            creato_da=attore,
            persona=persona,
            comune=comune,
            codice_istat_comune=codice_istat,
            indirizzo=(indirizzo or "").strip(),
            dal=dal,
            al=al,
            domicilio=domicilio,
        )
        registra_evento(attore=attore, azione="residenza.registrata", oggetto=r, dopo=istantanea(r))
    return r


# --- households -------------------------------------------------------------------------------


def crea_nucleo(
    *,
    ambito,
    attore,
    denominazione: str,
    note: str = "",
    membri: list[dict] | None = None,
) -> Nucleo:
    """A household; `membri` is a list of dicts (persona, ruolo, dal) added in the same transaction."""
    denominazione = (denominazione or "").strip()
    if not denominazione:
        raise ValidationError({"denominazione": ["La denominazione del nucleo è obbligatoria."]})
    with transaction.atomic():
        n = Nucleo.objects.create(
            ambito=ambito, creato_da=attore, denominazione=denominazione, note=note or ""
        )
        registra_evento(attore=attore, azione="nucleo.creato", oggetto=n, dopo=istantanea(n))
        for m in membri or []:
            aggiungi_al_nucleo(nucleo=n, attore=attore, **m)
    return n


def aggiungi_al_nucleo(*, nucleo: Nucleo, persona: Persona, ruolo: str, dal: dt.date, attore) -> MembroNucleo:
    """Add a member with a role from `dal`; one active membership per person and one head at a time."""
    if persona.ambito_id != nucleo.ambito_id:
        raise ValidationError({"persona": ["La persona appartiene a un altro Ambito."]})
    if persona.unita_in_id:
        raise ValidationError({"persona": ["La scheda è stata unita a un'altra: usare quella."]})
    if ruolo not in RuoloNucleo.values:
        raise ValidationError({"ruolo": ["Ruolo nel nucleo non valido."]})
    if not isinstance(dal, dt.date):
        raise ValidationError({"dal": ["La data di ingresso nel nucleo è obbligatoria."]})
    if dal > _oggi():
        raise ValidationError({"dal": ["La data di ingresso nel nucleo non può essere nel futuro."]})
    with transaction.atomic():
        Nucleo.objects.select_for_update().filter(pk=nucleo.pk).first()
        attivi = MembroNucleo.objects.filter(nucleo=nucleo, annullato_il__isnull=True).exclude(al__lt=dal)
        if attivi.filter(persona=persona).exists():
            raise ValidationError({"persona": [f"{persona} fa già parte del nucleo in quel periodo."]})
        if ruolo == RuoloNucleo.INTESTATARIO and attivi.filter(ruolo=RuoloNucleo.INTESTATARIO).exists():
            raise ValidationError({"ruolo": ["Il nucleo ha già un intestatario in quel periodo."]})
        m = MembroNucleo.objects.create(
            ambito_id=nucleo.ambito_id, creato_da=attore, nucleo=nucleo, persona=persona, ruolo=ruolo, dal=dal
        )
        registra_evento(attore=attore, azione="nucleo.membro_aggiunto", oggetto=m, dopo=istantanea(m))
    return m


def esci_dal_nucleo(*, membro: MembroNucleo, al: dt.date, attore) -> MembroNucleo:
    """The member leaves the household on `al` (the row stays, with its period)."""
    if membro.al is not None:
        raise ValidationError({"al": [f"Il componente è già uscito dal nucleo il {_fmt(membro.al)}."]})
    if not isinstance(al, dt.date) or al < membro.dal:
        raise ValidationError({"al": ["La data di uscita non può precedere quella di ingresso."]})
    with transaction.atomic():
        prima = istantanea(membro)
        membro.al = al
        membro.save(update_fields=["al", "aggiornato_il"])
        registra_evento(
            attore=attore, azione="nucleo.membro_uscito", oggetto=membro, prima=prima, dopo=istantanea(membro)
        )
    return membro


# --- ISEE -------------------------------------------------------------------------------------


def scadenza_isee(data_dsu: dt.date) -> dt.date:
    """An ISEE is valid until 31 December of the year its DSU was submitted.

    This is the rule since 1 January 2020 (d.l. 34/2019, art. 10: DSU valid "fino al 31
    dicembre successivo alla data di presentazione"); before, an attestation lasted until the
    15 January following. Pass `scadenza` to `registra_isee` for a different end (e.g. an ISEE
    corrente, valid six months)."""
    return dt.date(data_dsu.year, 12, 31)


def registra_isee(
    *,
    persona: Persona,
    attore,
    valore,
    protocollo_dsu: str,
    data_dsu: dt.date,
    tipo: str = TipoIsee.ORDINARIO,
    data_attestazione: dt.date | None = None,
    scadenza: dt.date | None = None,
    nucleo: Nucleo | None = None,
    componenti_nucleo: int | None = None,
) -> Isee:
    """An ISEE certificate. The value is ≥ 0; the DSU date is not in the future; the attestation
    is not before the DSU; the DSU protocol reads "INPS-ISEE-AAAA-NNNNNNNNN-NN"; the end of
    validity defaults to `scadenza_isee(data_dsu)` (31/12 of the DSU's year, rule since 2020).
    The same protocol and type already registered (not annulled) for the person is refused: a
    double submission does not create two rows."""
    errori: dict[str, list[str]] = {}
    try:
        valore = Decimal(str(valore)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        _aggiungi(errori, "valore", "Il valore ISEE deve essere un importo in euro.")
    else:
        if valore < 0:
            _aggiungi(errori, "valore", "Il valore ISEE non può essere negativo.")
        elif valore >= Decimal("10000000000"):
            _aggiungi(errori, "valore", "Il valore ISEE è troppo grande: verificarlo.")
    if tipo not in TipoIsee.values:
        _aggiungi(errori, "tipo", "Tipo di ISEE non valido.")
    protocollo_dsu = (protocollo_dsu or "").strip().upper()
    if not RE_PROTOCOLLO_DSU.match(protocollo_dsu):
        _aggiungi(
            errori,
            "protocollo_dsu",
            "Il protocollo della DSU deve avere la forma INPS-ISEE-AAAA-NNNNNNNNN-NN "
            "(anno, 9 cifre, 2 cifre), es. INPS-ISEE-2025-000123456-00.",
        )
    oggi = _oggi()
    if not isinstance(data_dsu, dt.date):
        _aggiungi(errori, "data_dsu", "La data di presentazione della DSU è obbligatoria.")
    else:
        if data_dsu > oggi:
            _aggiungi(errori, "data_dsu", "La data di presentazione della DSU non può essere nel futuro.")
        if data_attestazione is not None and data_attestazione < data_dsu:
            _aggiungi(
                errori,
                "data_attestazione",
                "La data dell'attestazione non può precedere la presentazione della DSU.",
            )
        if scadenza is not None and scadenza < data_dsu:
            _aggiungi(errori, "scadenza", "La scadenza non può precedere la presentazione della DSU.")
    if data_attestazione is not None and data_attestazione > oggi:
        _aggiungi(errori, "data_attestazione", "La data dell'attestazione non può essere nel futuro.")
    if nucleo is not None and nucleo.ambito_id != persona.ambito_id:
        _aggiungi(errori, "nucleo", "Il nucleo appartiene a un altro Ambito.")
    if componenti_nucleo is not None and not 1 <= componenti_nucleo <= 30:
        _aggiungi(errori, "componenti_nucleo", "Il numero dei componenti del nucleo va da 1 a 30.")
    _errori(errori)
    with transaction.atomic():
        Persona.objects.select_for_update().filter(pk=persona.pk).first()
        if Isee.objects.filter(
            persona=persona, protocollo_dsu=protocollo_dsu, tipo=tipo, annullato_il__isnull=True
        ).exists():
            raise ValidationError(
                {"protocollo_dsu": [f"L'attestazione {protocollo_dsu} è già registrata per questa persona."]}
            )
        i = Isee.objects.create(
            ambito_id=persona.ambito_id,
            creato_da=attore,
            persona=persona,
            nucleo=nucleo,
            tipo=tipo,
            valore=valore,
            protocollo_dsu=protocollo_dsu,
            data_dsu=data_dsu,
            data_attestazione=data_attestazione,
            scadenza=scadenza or scadenza_isee(data_dsu),
            componenti_nucleo=componenti_nucleo,
        )
        registra_evento(attore=attore, azione="isee.registrato", oggetto=i, dopo=istantanea(i))
    return i


def annulla_isee(*, isee: Isee, motivo: str, attore) -> Isee:
    """Withdraw a certificate typed by mistake: the row stays, with the reason."""
    motivo = (motivo or "").strip()
    if not motivo:
        raise ValidationError({"motivo": ["Indicare il motivo dell'annullamento."]})
    if isee.annullato_il is not None:
        raise ValidationError("L'attestazione è già annullata.")
    with transaction.atomic():
        prima = istantanea(isee)
        isee.segna_annullato(motivo)
        registra_evento(
            attore=attore, azione="isee.annullato", oggetto=isee, prima=prima, dopo=istantanea(isee)
        )
    return isee


# --- merge ------------------------------------------------------------------------------------


def _relazioni_persona():
    """Every one-to-many relation pointing at Persona (cases, accesses, residences, households,
    ISEE, and whatever later models add), except the merge link itself."""
    for rel in Persona._meta.related_objects:
        if rel.one_to_many and rel.related_model is not Persona:
            yield rel


def unisci_persone(*, da_tenere: Persona, da_unire: Persona, motivo: str, attore) -> Persona:
    """Two records are the same person: move everything of `da_unire` onto `da_tenere`.

    Cases, accesses, residences, household memberships and ISEE certificates (every row that
    points at the person) move; `da_unire` stays, readable, with `unita_in` set. One audit
    event per kind moved, with the count and the ids, and one for the merge itself. Nothing is
    deleted. Refused across Ambiti, into itself, from or into an already merged record, and
    when the record to keep has only a temporary code while the other has the real one (keep
    the one with the real codice fiscale).
    """
    motivo = (motivo or "").strip()
    if not motivo:
        raise ValidationError({"motivo": ["Indicare il motivo dell'unione."]})
    if da_tenere.pk == da_unire.pk:
        raise ValidationError("Non si può unire una scheda con sé stessa.")
    if da_tenere.ambito_id != da_unire.ambito_id:
        raise ValidationError("Le due schede appartengono ad Ambiti diversi.")
    with transaction.atomic():
        tenere, unire = (
            Persona.objects.select_for_update().get(pk=da_tenere.pk),
            Persona.objects.select_for_update().get(pk=da_unire.pk),
        )
        if unire.unita_in_id or tenere.unita_in_id:
            raise ValidationError("Una delle due schede è già stata unita a un'altra.")
        if tenere.cf_temporaneo and not unire.cf_temporaneo:
            raise ValidationError(
                "Tenere la scheda con il codice fiscale reale e unire a essa quella con il codice temporaneo."
            )
        adesso = timezone.now()
        spostati = {}
        for rel in _relazioni_persona():
            modello = rel.related_model
            campo = rel.field.name
            qs = modello._default_manager.filter(**{campo: unire})
            ids = sorted(qs.values_list("pk", flat=True))
            if not ids:
                continue
            aggiorna = {campo: tenere}
            if any(f.name == "aggiornato_il" for f in modello._meta.concrete_fields):
                aggiorna["aggiornato_il"] = adesso
            modello._default_manager.filter(pk__in=ids).update(**aggiorna)
            spostati[modello._meta.label] = ids
            registra_evento(
                attore=attore,
                azione="persona.unione.spostati",
                oggetto=tenere,
                prima={"persona_id": unire.pk, "tipo": modello._meta.label, "ids": ids},
                dopo={
                    "persona_id": tenere.pk,
                    "tipo": modello._meta.label,
                    "ids": ids,
                    "conteggio": len(ids),
                },
                descrizione=f"{len(ids)} {modello._meta.verbose_name_plural} da {unire} a {tenere}",
            )
        prima = istantanea(unire)
        unire.unita_in = tenere
        unire.note = (
            unire.note + "\n" if unire.note else ""
        ) + f"Unita nella scheda n. {tenere.pk}: {motivo}"
        unire.save()
        registra_evento(
            attore=attore,
            azione="persona.unita",
            oggetto=unire,
            prima=prima,
            dopo={
                **istantanea(unire),
                "motivo": motivo,
                "spostati": {k: len(v) for k, v in spostati.items()},
            },
        )
    return tenere
