from django import forms

from ambito.gestione.models import TipoVersione


def _file(f):
    if not f.name.lower().endswith((".csv", ".xlsx", ".txt")):
        raise forms.ValidationError("Caricare un file .csv o .xlsx.")
    if f.size > 20 * 1024 * 1024:
        raise forms.ValidationError("Il file supera i 20 MB.")
    return f


class ImportaForm(forms.Form):
    file = forms.FileField(
        label="Righe contabili (.csv o .xlsx)", help_text="Formato: docs/formats/contabilita.md."
    )
    esercizio = forms.IntegerField(label="Esercizio", min_value=1990, max_value=2100)
    versione = forms.ChoiceField(
        label="Versione", choices=TipoVersione.choices, initial=TipoVersione.PREVENTIVO
    )

    def clean_file(self):
        return _file(self.cleaned_data["file"])


class FileForm(forms.Form):
    file = forms.FileField(label="File (.csv o .xlsx)")

    def clean_file(self):
        return _file(self.cleaned_data["file"])
