from django import forms

from .models import TipoVersione


class ImportaForm(forms.Form):
    file = forms.FileField(
        label="Cartella del riparto (.xlsx)", help_text="Formato: docs/formats/riparto.md."
    )
    esercizio = forms.IntegerField(label="Esercizio", min_value=1990, max_value=2100)
    versione = forms.CharField(
        label="Versione",
        max_length=120,
        help_text="Nome della versione, es. «preventivo». Se esiste, è sostituita.",
    )
    tipo = forms.ChoiceField(label="Tipo", choices=TipoVersione.choices, initial=TipoVersione.PREVENTIVO)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("Caricare un file .xlsx.")
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError("Il file supera i 20 MB.")
        return f
