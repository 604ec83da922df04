"""Forms of the persone pages (Bootstrap Italia markup classes) and the one-time form token.

Forms only parse and check shapes; the rules live in services.persone, whose ValidationError
messages are put back on the form fields by `applica_errori`.
"""

from __future__ import annotations

import secrets

from django import forms
from django.core.exceptions import ValidationError

from ambito.territorio.models import Ente, TipoEnte

from .models import RuoloNucleo, Sesso, TipoIsee

FORMATI_DATA = ["%d/%m/%Y", "%Y-%m-%d"]
CHIAVE_TOKEN = "cartella_persone_token"


def _data(label, required=True, **kw):
    return forms.DateField(
        label=label,
        required=required,
        input_formats=FORMATI_DATA,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": f"Indicare {label.lower()}.", "invalid": "Data non valida (gg/mm/aaaa)."},
        **kw,
    )


class StileForm(forms.Form):
    """Bootstrap Italia classes on every widget and a hidden one-time token."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for campo in self.fields.values():
            if isinstance(campo.widget, forms.CheckboxInput):
                campo.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(campo.widget, forms.Select):
                campo.widget.attrs.setdefault("class", "form-select")
            elif not isinstance(campo.widget, forms.HiddenInput):
                campo.widget.attrs.setdefault("class", "form-control")

    def full_clean(self):
        super().full_clean()
        self._marca_errori()

    def _marca_errori(self):
        for nome in self.errors:
            if nome in self.fields:
                attrs = self.fields[nome].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()
                attrs["aria-invalid"] = "true"

    def applica_errori(self, errore: ValidationError) -> None:
        """Put a service's ValidationError on the matching fields (others on the whole form)."""
        if hasattr(errore, "error_dict"):
            for campo, messaggi in errore.message_dict.items():
                destinazione = campo if campo in self.fields else None
                for m in messaggi:
                    self.add_error(destinazione, m)
        else:
            for m in errore.messages:
                self.add_error(None, m)
        self._marca_errori()


def emetti_token(request) -> str:
    """A one-time token for a form, remembered in the session (the last 50)."""
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(CHIAVE_TOKEN, [])[-49:]
    tokens.append(token)
    request.session[CHIAVE_TOKEN] = tokens
    return token


def consuma_token(request, token: str | None) -> bool:
    """True once per issued token: a second submission of the same form gets False."""
    tokens = request.session.get(CHIAVE_TOKEN, [])
    if not token or token not in tokens:
        return False
    tokens.remove(token)
    request.session[CHIAVE_TOKEN] = tokens
    return True


MESSAGGIO_DOPPIO_INVIO = (
    "Questo modulo è già stato inviato (doppio clic o pagina ricaricata): nulla è stato registrato "
    "una seconda volta. Controllare la scheda prima di riprovare."
)


def _comuni(ambito_id):
    return Ente.objects.filter(ambito_id=ambito_id, tipo=TipoEnte.COMUNE).order_by("nome")


class _CampiResidenza(forms.Form):
    def _imposta_comuni(self, ambito_id):
        self.fields["comune"].queryset = _comuni(ambito_id)


class PersonaForm(StileForm):
    codice_fiscale = forms.CharField(label="Codice fiscale", required=False, max_length=20)
    senza_codice_fiscale = forms.BooleanField(
        label="La persona non ha un codice fiscale (verrà assegnato un codice temporaneo)", required=False
    )
    cognome = forms.CharField(
        label="Cognome", max_length=100, error_messages={"required": "Indicare il cognome."}
    )
    nome = forms.CharField(label="Nome", max_length=100, error_messages={"required": "Indicare il nome."})
    sesso = forms.ChoiceField(
        label="Sesso",
        choices=[("", "—")] + list(Sesso.choices),
        error_messages={"required": "Indicare il sesso."},
    )
    data_nascita = _data("La data di nascita")
    codice_belfiore_nascita = forms.CharField(
        label="Codice catastale del luogo di nascita",
        required=False,
        max_length=4,
        help_text="Facoltativo con il codice fiscale (lo si ricava da esso). Es. F205 Milano, Z129 Romania.",
    )
    luogo_nascita = forms.CharField(label="Luogo di nascita", required=False, max_length=120)
    cittadinanza = forms.CharField(
        label="Cittadinanza (codice ISTAT)",
        required=False,
        max_length=3,
        initial="100",
        help_text="100 = Italia.",
    )
    seconda_cittadinanza = forms.CharField(
        label="Seconda cittadinanza (codice ISTAT)", required=False, max_length=3
    )
    telefono = forms.CharField(label="Telefono", required=False, max_length=40)
    email = forms.CharField(label="Email", required=False, max_length=254)
    note = forms.CharField(label="Note anagrafiche", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, ambito_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["data_nascita"].label = "Data di nascita"


class PersonaNuovaForm(PersonaForm):
    comune = forms.ModelChoiceField(
        label="Comune di residenza (dell'Ambito)",
        queryset=Ente.objects.none(),
        required=False,
        empty_label="—",
    )
    codice_istat = forms.CharField(
        label="oppure codice ISTAT del Comune",
        required=False,
        max_length=6,
        help_text="Per un Comune fuori Ambito.",
    )
    indirizzo = forms.CharField(label="Indirizzo", required=False, max_length=200)
    residenza_dal = _data("Residente dal", required=False)

    def __init__(self, *args, ambito_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comune"].queryset = _comuni(ambito_id)
        self.fields["residenza_dal"].label = "Residente dal"

    def clean(self):
        dati = super().clean()
        ha_luogo = dati.get("comune") or dati.get("codice_istat")
        if ha_luogo and not dati.get("residenza_dal"):
            self.add_error("residenza_dal", "Indicare da quando la persona risiede nel Comune.")
        if dati.get("residenza_dal") and not ha_luogo:
            self.add_error("comune", "Indicare il Comune di residenza.")
        return dati

    def residenza(self) -> dict | None:
        d = self.cleaned_data
        if not (d.get("comune") or d.get("codice_istat")):
            return None
        return {
            "comune": d.get("comune"),
            "codice_istat": d.get("codice_istat") or "",
            "indirizzo": d.get("indirizzo") or "",
            "dal": d.get("residenza_dal"),
        }


class PersonaModificaForm(PersonaForm):
    aggiornato_il = forms.CharField(widget=forms.HiddenInput)
    deceduto_il = _data("Data di decesso", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["codice_fiscale"]
        del self.fields["senza_codice_fiscale"]


class AssegnaCodiceForm(StileForm):
    codice_fiscale = forms.CharField(
        label="Codice fiscale", max_length=20, error_messages={"required": "Indicare il codice fiscale."}
    )


class ResidenzaForm(StileForm, _CampiResidenza):
    comune = forms.ModelChoiceField(
        label="Comune dell'Ambito", queryset=Ente.objects.none(), required=False, empty_label="—"
    )
    codice_istat = forms.CharField(
        label="oppure codice ISTAT del Comune",
        required=False,
        max_length=6,
        help_text="Per un Comune fuori Ambito.",
    )
    indirizzo = forms.CharField(label="Indirizzo", required=False, max_length=200)
    dal = _data("Dal")
    al = _data("Al", required=False)
    domicilio = forms.BooleanField(
        label="Domicilio (dimora di fatto, non residenza anagrafica)", required=False
    )

    def __init__(self, *args, ambito_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._imposta_comuni(ambito_id)


class NucleoForm(StileForm):
    denominazione = forms.CharField(
        label="Denominazione", max_length=200, error_messages={"required": "Indicare la denominazione."}
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    ruolo = forms.ChoiceField(
        label="Ruolo della persona nel nucleo", choices=RuoloNucleo.choices, required=False
    )
    dal = _data("Nel nucleo dal", required=False)


class MembroForm(StileForm):
    codice_fiscale = forms.CharField(
        label="Codice fiscale del componente",
        max_length=20,
        error_messages={"required": "Indicare il codice fiscale (o il codice temporaneo) del componente."},
    )
    ruolo = forms.ChoiceField(label="Ruolo", choices=RuoloNucleo.choices)
    dal = _data("Dal")


class UscitaForm(StileForm):
    membro = forms.IntegerField(widget=forms.HiddenInput)
    al = _data("Uscito il")


class IseeForm(StileForm):
    tipo = forms.ChoiceField(label="Tipo", choices=TipoIsee.choices, initial=TipoIsee.ORDINARIO)
    valore = forms.DecimalField(
        label="Valore ISEE (€)",
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages={
            "required": "Indicare il valore ISEE.",
            "invalid": "Importo non valido (es. 8.432,10).",
        },
    )
    protocollo_dsu = forms.CharField(
        label="Protocollo DSU",
        max_length=40,
        help_text="Forma INPS-ISEE-AAAA-NNNNNNNNN-NN.",
        error_messages={"required": "Indicare il protocollo della DSU."},
    )
    data_dsu = _data("Data di presentazione della DSU")
    data_attestazione = _data("Data dell'attestazione", required=False)
    scadenza = _data(
        "Valida fino al", required=False, help_text="Se vuota: 31/12 dell'anno della DSU (regola dal 2020)."
    )
    componenti_nucleo = forms.IntegerField(label="Componenti del nucleo ISEE", required=False, min_value=1)
    nucleo = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["data_dsu"].label = "Data di presentazione della DSU"
        self.fields["valore"].widget.attrs["inputmode"] = "decimal"


class AnnullaIseeForm(StileForm):
    isee = forms.IntegerField(widget=forms.HiddenInput)
    motivo = forms.CharField(
        label="Motivo dell'annullamento", error_messages={"required": "Indicare il motivo dell'annullamento."}
    )


class UnisciForm(StileForm):
    da_tenere = forms.IntegerField(widget=forms.HiddenInput)
    da_unire = forms.IntegerField(widget=forms.HiddenInput)
    motivo = forms.CharField(
        label="Motivo dell'unione",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Es. «stessa persona: registrata senza codice fiscale al primo accesso».",
    )
