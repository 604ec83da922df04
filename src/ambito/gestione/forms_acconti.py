from django import forms

from .models import BaseAcconto


class RataForm(forms.Form):
    nome = forms.CharField(
        label="Rata", max_length=60, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    scadenza = forms.DateField(
        label="Scadenza",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    percentuale = forms.DecimalField(
        label="%",
        required=False,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    base = forms.ChoiceField(
        label="Calcolata su",
        required=False,
        choices=BaseAcconto.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean(self):
        """A tranche with no name is dropped; otherwise every field is required."""
        d = super().clean()
        if (d.get("nome") or "").strip():
            for campo in ("scadenza", "percentuale", "base"):
                if d.get(campo) in (None, ""):
                    self.add_error(campo, "Campo obbligatorio.")
        return d


RateFormSet = forms.formset_factory(RataForm, extra=1, can_delete=False, max_num=12)


class StornaForm(forms.Form):
    motivo = forms.CharField(label="Motivo dello storno", max_length=300)
