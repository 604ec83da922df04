"""Forms of the diario pages: parsing only; the rules live in services.diario."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from ..models import AutoritaGiudiziaria, Riservatezza, TipoDocumento, TipoTutela

FORMATI_DATA = ["%Y-%m-%d", "%d/%m/%Y"]


def campo_data(etichetta: str, *, obbligatorio: bool = True, aiuto: str = "") -> forms.DateField:
    return forms.DateField(
        label=etichetta,
        required=obbligatorio,
        input_formats=FORMATI_DATA,
        help_text=aiuto,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": "Indicare una data valida (gg/mm/aaaa).",
            "required": "Campo obbligatorio.",
        },
    )


def _scelte_livelli(livelli: list[str]) -> list[tuple[str, str]]:
    return [(v, label) for v, label in Riservatezza.choices if v in livelli]


class ModuloBase(forms.Form):
    required_css_class = "obbligatorio"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for campo in self.fields.values():
            campo.error_messages["required"] = "Campo obbligatorio."
            if isinstance(campo.widget, forms.RadioSelect):
                campo.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(campo.widget, forms.Select):
                campo.widget.attrs.setdefault("class", "form-select")
            elif isinstance(campo.widget, forms.ClearableFileInput):
                campo.widget.attrs.setdefault("class", "form-control")
            else:
                campo.widget.attrs.setdefault("class", "form-control")


class VoceForm(ModuloBase):
    data = campo_data("Data")
    testo = forms.CharField(label="Annotazione", widget=forms.Textarea(attrs={"rows": 8}))
    riservatezza = forms.ChoiceField(label="Riservatezza", widget=forms.RadioSelect)

    def __init__(self, *args, livelli: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["riservatezza"].choices = _scelte_livelli(livelli)
        self.fields["riservatezza"].initial = Riservatezza.ORDINARIA
        self.fields["data"].initial = timezone.localdate()


class CorrezioneForm(ModuloBase):
    testo = forms.CharField(label="Testo corretto", widget=forms.Textarea(attrs={"rows": 8}))
    motivo = forms.CharField(label="Motivo della correzione", max_length=300)
    data = campo_data("Data", obbligatorio=False, aiuto="Lasciare vuoto per mantenere la data originale.")


class DocumentoForm(ModuloBase):
    tipo = forms.ChoiceField(label="Tipo di documento", choices=TipoDocumento.choices)
    titolo = forms.CharField(label="Titolo", max_length=200)
    file = forms.FileField(label="File")
    riservatezza = forms.ChoiceField(label="Riservatezza", widget=forms.RadioSelect)

    def __init__(self, *args, livelli: list[str], max_mb: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["riservatezza"].choices = _scelte_livelli(livelli)
        self.fields["riservatezza"].initial = Riservatezza.ORDINARIA
        self.fields["file"].help_text = f"PDF, PNG, JPEG, ODT, DOCX o testo; al massimo {max_mb} MB."


class MotivoForm(ModuloBase):
    motivo = forms.CharField(label="Motivo dell'annullamento", widget=forms.Textarea(attrs={"rows": 3}))


class MandatoForm(ModuloBase):
    autorita = forms.ChoiceField(label="Autorità giudiziaria", choices=AutoritaGiudiziaria.choices)
    numero_procedimento = forms.CharField(label="Numero del procedimento", max_length=60)
    data_provvedimento = campo_data("Data del provvedimento")
    oggetto = forms.CharField(label="Oggetto del mandato", widget=forms.Textarea(attrs={"rows": 4}))
    scadenza = campo_data("Scadenza (relazione o adempimento)", obbligatorio=False)


class DataForm(ModuloBase):
    data = campo_data("Data")

    def __init__(self, *args, etichetta: str = "Data", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["data"].label = etichetta
        self.fields["data"].initial = timezone.localdate()


class TutelaForm(ModuloBase):
    tipo = forms.ChoiceField(label="Tipo", choices=TipoTutela.choices)
    decreto_del = campo_data("Decreto di nomina del")
    tutore = forms.CharField(label="Tutore / amministratore nominato", max_length=200)
    operatore = forms.ModelChoiceField(
        label="Operatore che segue la pratica", queryset=None, required=False, empty_label="—"
    )
    rendiconto_entro = campo_data(
        "Primo rendiconto annuale entro",
        obbligatorio=False,
        aiuto="Se vuoto: un anno dopo il decreto.",
    )

    def __init__(self, *args, operatori, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operatore"].queryset = operatori
        self.fields["operatore"].label_from_instance = lambda u: u.get_full_name() or u.username
