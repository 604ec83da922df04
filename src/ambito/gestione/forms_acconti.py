from django import forms

from .models import BaseAcconto


class RataForm(forms.Form):
    nome = forms.CharField(
        label="Rata", max_length=60, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    scadenza = forms.DateField(
        label="Scadenza",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    percentuale = forms.DecimalField(
        label="%",
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    base = forms.ChoiceField(
        label="Calcolata su", choices=BaseAcconto.choices, widget=forms.Select(attrs={"class": "form-select"})
    )


RateFormSet = forms.formset_factory(RataForm, extra=1, can_delete=True, max_num=12)


class StornaForm(forms.Form):
    motivo = forms.CharField(label="Motivo dello storno", max_length=300)
