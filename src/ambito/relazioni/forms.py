from django import forms


class EventoRilevanteForm(forms.Form):
    anno = forms.IntegerField(label="Esercizio", min_value=1990, max_value=2100)
    data = forms.DateField(label="Data", widget=forms.DateInput(attrs={"type": "date"}))
    titolo = forms.CharField(label="Titolo", max_length=200)
    testo = forms.CharField(label="Descrizione", required=False, widget=forms.Textarea(attrs={"rows": 4}))
