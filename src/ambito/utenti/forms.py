from django import forms
from django.core.validators import RegexValidator

from ambito.core.models import AccessoDati

_FORMATI_DATA = ["%Y-%m-%d", "%d/%m/%Y"]


class _StileForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for campo in self.fields.values():
            classe = "form-select" if isinstance(campo.widget, forms.Select) else "form-control"
            campo.widget.attrs.setdefault("class", classe)


class _PeriodoForm(_StileForm):
    dal = forms.DateField(
        label="Dal",
        required=False,
        input_formats=_FORMATI_DATA,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    al = forms.DateField(
        label="Al",
        required=False,
        input_formats=_FORMATI_DATA,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        dati = super().clean()
        if dati.get("dal") and dati.get("al") and dati["al"] < dati["dal"]:
            raise forms.ValidationError("La data «al» non può precedere la data «dal».")
        return dati


class RegistroAccessiForm(_PeriodoForm):
    utente = forms.CharField(label="Utente", required=False, max_length=150)
    oggetto_tipo = forms.CharField(label="Tipo oggetto", required=False, max_length=100)
    oggetto_id = forms.CharField(label="Id oggetto", required=False, max_length=64)
    esito = forms.ChoiceField(
        label="Esito",
        required=False,
        choices=[("", "Tutti")] + list(AccessoDati._meta.get_field("esito").choices),
    )
    field_order = ["utente", "oggetto_tipo", "oggetto_id", "dal", "al", "esito"]


class RegistroAuditForm(_PeriodoForm):
    attore = forms.CharField(label="Utente", required=False, max_length=150)
    azione = forms.CharField(label="Azione", required=False, max_length=80)
    oggetto = forms.CharField(
        label="Oggetto", required=False, max_length=100, help_text="Tipo, id o descrizione dell'oggetto."
    )
    field_order = ["attore", "azione", "oggetto", "dal", "al"]


class CodiceOtpForm(_StileForm):
    codice = forms.CharField(
        label="Codice a 6 cifre",
        max_length=6,
        min_length=6,
        validators=[RegexValidator(r"^\d{6}$", "Il codice è formato da 6 cifre.")],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
        error_messages={
            "required": "Inserire il codice.",
            "min_length": "Il codice è formato da 6 cifre.",
            "max_length": "Il codice è formato da 6 cifre.",
        },
    )
