"""errori_su_form: a service's refusal on the form, on its field when the form has it."""

from django import forms
from django.core.exceptions import ValidationError

from ambito.core.moduli import errori_su_form


class Modulo(forms.Form):
    importo = forms.CharField()


def test_field_errors_on_their_field_the_rest_above():
    f = Modulo({"importo": "x"})
    assert f.is_valid()
    errori_su_form(f, ValidationError({"importo": ["Importo negativo."], "altro": ["Servizio chiuso."]}))
    assert f.errors["importo"] == ["Importo negativo."]
    assert f.non_field_errors() == ["Servizio chiuso."]


def test_plain_messages_above_the_form():
    f = Modulo({"importo": "x"})
    assert f.is_valid()
    errori_su_form(f, ValidationError(["Riga 3: data non valida.", "Riga 5: comune sconosciuto."]))
    assert f.non_field_errors() == ["Riga 3: data non valida.", "Riga 5: comune sconosciuto."]
    assert "importo" not in f.errors
