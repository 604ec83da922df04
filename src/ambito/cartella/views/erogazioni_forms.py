"""Forms of the erogazioni pages. They parse and give Italian messages for malformed input; the
rules (periods, quotas, funds, 24 hours) live in services.erogazioni, the single authority."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from ambito.catalogo.models import Servizio
from ambito.core.formats import numero_it
from ambito.fondi.models import Fondo
from ambito.territorio.models import Ente, TipoEnte

from ..models import Isee, TipoAttivita
from ..services.erogazioni import CARATTERE_PRESTAZIONE, PRESENZA_PROVA_MEZZI

FORMATI_DATA = ["%Y-%m-%d", "%d/%m/%Y"]


class DataInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def campo_data(etichetta: str, *, obbligatorio: bool = True, **kw) -> forms.DateField:
    return forms.DateField(
        label=etichetta, required=obbligatorio, widget=DataInput(), input_formats=FORMATI_DATA, **kw
    )


def campo_euro(etichetta: str, *, obbligatorio: bool = True, **kw) -> forms.DecimalField:
    return forms.DecimalField(
        label=etichetta,
        required=obbligatorio,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        **kw,
    )


class StileBootstrapItalia:
    """Bootstrap Italia classes on the widgets, and `is-invalid` on fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for campo in self.fields.values():
            w = campo.widget
            if isinstance(w, forms.Select):
                w.attrs.setdefault("class", "form-select")
            elif not isinstance(w, forms.CheckboxInput):
                w.attrs.setdefault("class", "form-control")

    def full_clean(self):
        super().full_clean()
        for nome in self.errors:
            if nome in self.fields:
                w = self.fields[nome].widget
                w.attrs["class"] = (w.attrs.get("class", "") + " is-invalid").strip()


class InterventoForm(StileBootstrapItalia, forms.Form):
    servizio = forms.ModelChoiceField(label="Servizio", queryset=Servizio.objects.none())
    erogatore = forms.ModelChoiceField(
        label="Ente erogatore",
        queryset=Ente.objects.none(),
        required=False,
        empty_label="Gestione diretta (nessun ente erogatore)",
    )
    dal = campo_data("Dal")
    al = campo_data("Al", obbligatorio=False, help_text="Vuoto se a tempo indeterminato.")
    quantita_prevista = forms.DecimalField(
        label="Quantità prevista",
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=0,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text="Nell'unità di misura del servizio.",
    )
    presenza_prova_mezzi = forms.ChoiceField(
        label="Prova dei mezzi (SIUSS)",
        required=False,
        choices=[("", "Come da catalogo del servizio")]
        + [(k, f"{k} – {v}") for k, v in PRESENZA_PROVA_MEZZI.items()],
    )
    carattere_prestazione = forms.ChoiceField(
        label="Carattere della prestazione (SIUSS)",
        required=False,
        choices=[("", "Come da catalogo del servizio")]
        + [(k, f"{k} – {v}") for k, v in CARATTERE_PRESTAZIONE.items()],
    )
    isee = forms.ModelChoiceField(
        label="Attestazione ISEE",
        queryset=Isee.objects.none(),
        required=False,
        empty_label="La più recente valida all'inizio (se richiesta)",
    )
    protocollo_domanda = forms.CharField(label="Protocollo della domanda", required=False, max_length=32)

    def __init__(self, *args, caso, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["servizio"].queryset = Servizio.objects.filter(ambito_id=caso.ambito_id, attivo=True)
        self.fields["erogatore"].queryset = Ente.objects.filter(
            ambito_id=caso.ambito_id, tipo=TipoEnte.EROGATORE
        ).order_by("nome")
        self.fields["isee"].queryset = Isee.objects.filter(
            persona_id=caso.persona_id, annullato_il__isnull=True
        ).order_by("-data_dsu")
        self.fields["isee"].label_from_instance = lambda i: (
            f"{i.get_tipo_display()} · {numero_it(i.valore)} € · DSU {i.data_dsu:%d/%m/%Y} "
            f"· scade {i.scadenza:%d/%m/%Y}"
        )
        if not self.is_bound:
            self.initial.setdefault("servizio", caso.servizio_id)
            self.initial.setdefault("dal", max(caso.data_apertura, timezone.localdate()))


class ErogazioneForm(StileBootstrapItalia, forms.Form):
    dal = campo_data("Periodo dal")
    al = campo_data("Periodo al")
    data_erogazione = campo_data("Data di erogazione")
    quantita = forms.DecimalField(
        label="Quantità erogata",
        max_digits=10,
        decimal_places=2,
        min_value=0,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    importo = campo_euro("Importo (€)")
    quota_ente = campo_euro("Quota ente (€)")
    quota_utente = campo_euro("Quota utente (€)", obbligatorio=False)
    quota_ssn = campo_euro("Quota SSN (€)", obbligatorio=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("data_erogazione", timezone.localdate())
            self.initial.setdefault("quota_utente", 0)
            self.initial.setdefault("quota_ssn", 0)


class CorrezioneForm(ErogazioneForm):
    motivo = forms.CharField(label="Motivo della correzione", widget=forms.Textarea(attrs={"rows": 2}))


class FinanziamentoForm(StileBootstrapItalia, forms.Form):
    fondo = forms.ModelChoiceField(label="Fondo", queryset=Fondo.objects.none(), required=False)
    importo = campo_euro("Importo (€)", obbligatorio=False)

    def __init__(self, *args, fondi=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fondi is not None:
            self.fields["fondo"].queryset = fondi

    def clean(self):
        dati = super().clean()
        fondo, importo = dati.get("fondo"), dati.get("importo")
        if fondo is None and importo not in (None, 0):
            raise forms.ValidationError("Scegliere il fondo per questo importo.")
        if fondo is not None and importo is None:
            raise forms.ValidationError(f"Indicare l'importo del fondo «{fondo.codice}».")
        return dati


def fondi_ammessi(ambito_id: int, gia_usati=()):
    """Funds selectable for a delivery: the Ambito's active ones, plus those already on the row
    being corrected."""
    from django.db.models import Q

    return Fondo.objects.filter(Q(attivo=True) | Q(pk__in=list(gia_usati)), ambito_id=ambito_id).order_by(
        "codice"
    )


def finanziamenti_formset(data=None, *, ambito_id: int, iniziali=None, gia_usati=()):
    iniziali = list(iniziali or [])
    fondi = fondi_ammessi(ambito_id, gia_usati)
    # Always three blank rows to fill in below the rows already present.
    formset_cls = forms.formset_factory(FinanziamentoForm, extra=3, max_num=20, absolute_max=20)
    return formset_cls(data, initial=iniziali, prefix="fondi", form_kwargs={"fondi": fondi})


def parti_del_formset(formset) -> list:
    return [
        (f.cleaned_data["fondo"], f.cleaned_data["importo"])
        for f in formset.forms
        if f.cleaned_data.get("fondo") is not None
    ]


class MotivoForm(StileBootstrapItalia, forms.Form):
    motivo = forms.CharField(label="Motivo", widget=forms.Textarea(attrs={"rows": 3}))


class ChiusuraForm(StileBootstrapItalia, forms.Form):
    al = campo_data("Data di fine dell'intervento")


class AttivitaForm(StileBootstrapItalia, forms.Form):
    intervento = forms.ModelChoiceField(label="Intervento", queryset=None)
    data = campo_data("Data")
    tipo = forms.ChoiceField(label="Tipo di attività", choices=[("", "—")] + list(TipoAttivita.choices))
    ore = forms.DecimalField(
        label="Ore",
        required=False,
        max_digits=4,
        decimal_places=2,
        min_value=0,
        max_value=24,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text="Al quarto d'ora: 1,25 = un'ora e un quarto.",
    )
    accessi = forms.IntegerField(label="Accessi / visite", required=False, min_value=0, max_value=1000)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, interventi, **kwargs):
        super().__init__(*args, **kwargs)
        campo = self.fields["intervento"]
        campo.queryset = interventi
        # The person by name only, and the service: nothing else of the case.
        campo.label_from_instance = lambda i: (
            f"{i.caso.persona.cognome} {i.caso.persona.nome} – {i.servizio.nome} (dal {i.dal:%d/%m/%Y})"
        )
        if not self.is_bound:
            self.initial.setdefault("data", timezone.localdate())
