"""Forms of the fund pages: they parse the input and give Italian messages; the rules live in
services.py (the single authority)."""

from __future__ import annotations

from django import forms

from ambito.catalogo.models import Servizio
from ambito.territorio.models import Ente, TipoEnte

from .models import TipoAtto, TipoFondo, TipoMovimento

FORMATI_DATA = ["%Y-%m-%d", "%d/%m/%Y"]


class DataInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def campo_data(etichetta: str, **kw) -> forms.DateField:
    return forms.DateField(label=etichetta, widget=DataInput(), input_formats=FORMATI_DATA, **kw)


def campo_euro(etichetta: str, **kw) -> forms.DecimalField:
    return forms.DecimalField(
        label=etichetta,
        max_digits=14,
        decimal_places=2,
        min_value=0.01,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": "Inserire un importo valido, es. 1.234,56.",
            "max_decimal_places": "Al massimo due decimali (centesimi).",
            "min_value": "L'importo deve essere maggiore di zero.",
        },
        **kw,
    )


def campo_anno(etichetta: str = "Esercizio", **kw) -> forms.IntegerField:
    return forms.IntegerField(
        label=etichetta,
        min_value=1990,
        max_value=2100,
        error_messages={"invalid": "Indicare un anno, es. 2023."},
        **kw,
    )


class Stile:
    """Bootstrap Italia classes on the widgets and `is-invalid` on fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for campo in self.fields.values():
            w = campo.widget
            if isinstance(w, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                continue
            w.attrs.setdefault("class", "form-select" if isinstance(w, forms.Select) else "form-control")

    def full_clean(self):
        super().full_clean()
        for nome in self.errors:
            if nome in self.fields:
                w = self.fields[nome].widget
                w.attrs["class"] = (w.attrs.get("class", "") + " is-invalid").strip()


class FondoForm(Stile, forms.Form):
    codice = forms.CharField(label="Codice", max_length=30, help_text="Es. FNPS, FSR, DOPO_DI_NOI.")
    nome = forms.CharField(label="Denominazione", max_length=200)
    tipo = forms.ChoiceField(label="Tipo", choices=TipoFondo.choices)


class AssegnazioneForm(Stile, forms.Form):
    tipo_atto = forms.ChoiceField(label="Tipo di atto", choices=TipoAtto.choices)
    numero = forms.CharField(label="Numero dell'atto", max_length=80, help_text="Es. XI/6573.")
    data = campo_data("Data dell'atto")
    annualita = campo_anno("Annualità del fondo")
    importo = campo_euro("Importo assegnato (€)")
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuotaForm(Stile, forms.Form):
    esercizio = campo_anno("Esercizio")
    importo = campo_euro("Quota (€)")


class QuoteBase(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]:
            raise forms.ValidationError("Indicare almeno una quota per esercizio.")


QuoteFormSet = forms.formset_factory(QuotaForm, formset=QuoteBase, extra=3, max_num=10, validate_max=True)


class AccantonamentoForm(Stile, forms.Form):
    esercizio = campo_anno()
    importo = campo_euro("Importo da accantonare (€)")
    motivo = forms.CharField(label="Motivo / destinazione prevista", widget=forms.Textarea(attrs={"rows": 2}))


class UtilizzoForm(Stile, forms.Form):
    esercizio = campo_anno("Esercizio dell'utilizzo")
    importo = campo_euro("Importo utilizzato (€)")
    motivo = forms.CharField(label="Motivo", required=False)


class DestinazioneForm(Stile, forms.Form):
    esercizio = campo_anno()
    servizio = forms.ModelChoiceField(label="Servizio", queryset=Servizio.objects.none())
    importo = campo_euro("Importo destinato (€)")
    comuni = forms.ModelMultipleChoiceField(
        label="Comuni beneficiari",
        queryset=Ente.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Nessuno selezionato = tutti i Comuni.",
    )
    note = forms.CharField(label="Note", required=False, max_length=300)

    def __init__(self, *args, ambito, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["servizio"].queryset = Servizio.objects.filter(ambito=ambito).order_by("codice")
        self.fields["servizio"].label_from_instance = lambda s: f"{s.codice} – {s.nome}"
        self.fields["comuni"].queryset = Ente.objects.filter(ambito=ambito, tipo=TipoEnte.COMUNE).order_by(
            "nome"
        )


class MovimentoForm(Stile, forms.Form):
    tipo = forms.ChoiceField(label="Tipo", choices=TipoMovimento.choices)
    esercizio = campo_anno()
    data = campo_data("Data")
    importo = campo_euro("Importo (€)", help_text="Sempre positivo: le riduzioni sono disimpegni o storni.")
    riferimento = forms.CharField(
        label="Atto / riferimento", max_length=200, help_text="Es. determina n. 12/2023."
    )
    motivo = forms.CharField(
        label="Motivo / note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Obbligatorio per disimpegni, storni e date fuori dall'esercizio.",
    )


class AnnullamentoForm(Stile, forms.Form):
    motivo = forms.CharField(label="Motivo dell'annullamento", widget=forms.Textarea(attrs={"rows": 2}))
