"""Forms of the casi pages, and the one-time token that stops a form from being submitted twice."""

from __future__ import annotations

import secrets

from django import forms
from django.utils import timezone

from ambito.catalogo.models import Servizio
from ambito.core.models import Utente
from ambito.territorio.models import Ente, TipoEnte
from ambito.utenti import ruoli as R
from ambito.utenti.models import Team

from ..models import CanaleAccesso, EsitoChiusura, EsitoTriage, MotivoChiusura, RuoloOperatore

FORMATI_DATA = ["%Y-%m-%d", "%d/%m/%Y"]
SESSIONE_MODULI = "cartella_moduli"
MAX_MODULI = 50


# --- one-time token ------------------------------------------------------------------------------


def nuovo_token(request) -> str:
    """A token for one form: stored in the session until the form succeeds."""
    moduli = dict(request.session.get(SESSIONE_MODULI, {}))
    token = secrets.token_urlsafe(16)
    moduli[token] = ""
    if len(moduli) > MAX_MODULI:
        moduli = dict(list(moduli.items())[-MAX_MODULI:])
    request.session[SESSIONE_MODULI] = moduli
    return token


def stato_token(request, token: str) -> tuple[bool, str]:
    """(still usable, where the first submission went) for a submitted token."""
    moduli = request.session.get(SESSIONE_MODULI, {})
    if not token or token not in moduli:
        return False, ""
    esito = moduli[token]
    return (esito == "", esito)


def consuma_token(request, token: str, esito_url: str) -> None:
    moduli = dict(request.session.get(SESSIONE_MODULI, {}))
    moduli[token] = esito_url or "-"
    request.session[SESSIONE_MODULI] = moduli


# --- forms ---------------------------------------------------------------------------------------


def _data(label, *, required=True, initial=None, help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        initial=initial,
        input_formats=FORMATI_DATA,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indicare la data.", "invalid": "Data non valida (gg/mm/aaaa)."},
    )


class _Modulo(forms.Form):
    token_modulo = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for campo in self.fields.values():
            if isinstance(campo.widget, forms.HiddenInput):
                continue
            if isinstance(campo.widget, forms.CheckboxInput):
                campo.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(campo.widget, forms.Select):
                campo.widget.attrs.setdefault("class", "form-select")
            else:
                campo.widget.attrs.setdefault("class", "form-control")


def comuni_di(ambito_id):
    return Ente.objects.filter(ambito_id=ambito_id, tipo=TipoEnte.COMUNE).order_by("nome")


def operatori_di(ambito_id):
    return (
        Utente.objects.filter(
            ambito_id=ambito_id, is_active=True, groups__name__in=[R.OPERATORE, R.COORDINATORE]
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class _SceltaUtente(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        nome = obj.get_full_name() or obj.username
        return f"{nome} ({obj.qualifica})" if obj.qualifica else nome


class AccessoForm(_Modulo):
    data = _data("Data dell'accesso")
    canale = forms.ChoiceField(label="Canale", choices=[("", "—")] + CanaleAccesso.choices)
    comune = forms.ModelChoiceField(label="Comune / sportello", queryset=Ente.objects.none())
    richiesta = forms.CharField(label="Richiesta", widget=forms.Textarea(attrs={"rows": 4}))
    esito_triage = forms.ChoiceField(label="Esito del triage", choices=[("", "—")] + EsitoTriage.choices)
    servizio_destinazione = forms.ModelChoiceField(
        label="Inviato al servizio", queryset=Servizio.objects.none(), required=False
    )
    comune_destinazione = forms.ModelChoiceField(
        label="Inviato al Comune", queryset=Ente.objects.none(), required=False
    )

    def __init__(self, *args, ambito_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comune"].queryset = comuni_di(ambito_id)
        self.fields["comune_destinazione"].queryset = comuni_di(ambito_id)
        self.fields["servizio_destinazione"].queryset = Servizio.objects.filter(ambito_id=ambito_id).order_by(
            "nome"
        )
        self.fields["data"].initial = timezone.localdate()


MINORI_SCELTE = [
    ("", "Automatico (età alla data di apertura o servizio dell'area minori)"),
    ("si", "Sì"),
    ("no", "No"),
]


class CasoForm(_Modulo):
    servizio = forms.ModelChoiceField(label="Servizio", queryset=Servizio.objects.none())
    data_apertura = _data("Data di apertura")
    comune_responsabile = forms.ModelChoiceField(
        label="Comune responsabile",
        queryset=Ente.objects.none(),
        required=False,
        help_text="Se non indicato: il Comune di residenza alla data di apertura.",
    )
    team = forms.ModelChoiceField(label="Équipe", queryset=Team.objects.none(), required=False)
    minori = forms.ChoiceField(label="Caso dell'area minori", choices=MINORI_SCELTE, required=False)
    motivo_apertura = forms.CharField(
        label="Motivo della presa in carico", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    operatore_1 = _SceltaUtente(label="Operatore referente", queryset=Utente.objects.none(), required=False)
    ruolo_1 = forms.ChoiceField(label="Ruolo", choices=RuoloOperatore.choices, required=False)
    operatore_2 = _SceltaUtente(label="Secondo operatore", queryset=Utente.objects.none(), required=False)
    ruolo_2 = forms.ChoiceField(label="Ruolo", choices=RuoloOperatore.choices, required=False)
    operatore_3 = _SceltaUtente(label="Terzo operatore", queryset=Utente.objects.none(), required=False)
    ruolo_3 = forms.ChoiceField(label="Ruolo", choices=RuoloOperatore.choices, required=False)

    def __init__(self, *args, ambito_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["servizio"].queryset = Servizio.objects.filter(ambito_id=ambito_id).order_by("nome")
        self.fields["comune_responsabile"].queryset = comuni_di(ambito_id)
        self.fields["team"].queryset = Team.objects.filter(ambito_id=ambito_id).order_by("nome")
        for i in (1, 2, 3):
            self.fields[f"operatore_{i}"].queryset = operatori_di(ambito_id)
        self.fields["data_apertura"].initial = timezone.localdate()

    def clean(self):
        dati = super().clean()
        operatori = []
        for i in (1, 2, 3):
            u = dati.get(f"operatore_{i}")
            if u is not None:
                operatori.append((u, dati.get(f"ruolo_{i}") or RuoloOperatore.ASSISTENTE_SOCIALE, i == 1))
        if len({u.pk for u, _r, _x in operatori}) != len(operatori):
            raise forms.ValidationError("Lo stesso operatore è indicato più volte.")
        dati["operatori"] = operatori
        dati["minori_bool"] = {"si": True, "no": False}.get(dati.get("minori") or "")
        return dati


class ChiusuraForm(_Modulo):
    revisione = forms.IntegerField(widget=forms.HiddenInput)
    data = _data("Data di chiusura")
    motivo = forms.ChoiceField(label="Motivo", choices=[("", "—")] + MotivoChiusura.choices)
    esito = forms.ChoiceField(label="Esito", choices=[("", "—")] + EsitoChiusura.choices)
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RiaperturaForm(_Modulo):
    revisione = forms.IntegerField(widget=forms.HiddenInput)
    data = _data("Data di riapertura")
    note = forms.CharField(
        label="Motivo della riapertura", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class OperatoreForm(_Modulo):
    revisione = forms.IntegerField(widget=forms.HiddenInput)
    utente = _SceltaUtente(label="Operatore", queryset=Utente.objects.none())
    ruolo = forms.ChoiceField(label="Ruolo", choices=RuoloOperatore.choices)
    referente = forms.BooleanField(label="Operatore referente (case manager)", required=False)
    dal = _data("Dal")

    def __init__(self, *args, ambito_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["utente"].queryset = operatori_di(ambito_id)
        self.fields["dal"].initial = timezone.localdate()


class TerminaOperatoreForm(_Modulo):
    revisione = forms.IntegerField(widget=forms.HiddenInput)
    al = _data("Fine dell'incarico")


class StraordinarioForm(_Modulo):
    motivo = forms.CharField(
        label="Motivo dell'accesso straordinario",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Obbligatorio, almeno 20 caratteri. Sarà segnalato al coordinatore del servizio.",
    )
    ore = forms.IntegerField(label="Durata (ore)", min_value=1, max_value=24, initial=4)


class FiltroScadenzeForm(forms.Form):
    entro = forms.TypedChoiceField(
        label="Entro",
        coerce=int,
        choices=[(30, "30 giorni"), (60, "60 giorni"), (90, "90 giorni"), (180, "180 giorni")],
        required=False,
        initial=60,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    operatore = _SceltaUtente(
        label="Operatore",
        queryset=Utente.objects.none(),
        required=False,
        empty_label="Tutti",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
