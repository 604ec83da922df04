"""Forms of the progetti pages: assessment (SINA / SINBA fields from the XSDs), plan with goal and
intervention formsets, signature. Field checks only; the rules live in services.progetti."""

from __future__ import annotations

from django import forms

from ambito.catalogo.models import Servizio
from ambito.territorio.models import Ente, TipoEnte

from .. import siuss_codici
from ..models import Firma, InterventoPianificato, TipoProgetto, TipoValutazione
from ..services.progetti import CAMPI_SINA

FORMATI_DATA = ["%Y-%m-%d", "%d/%m/%Y"]


def _data(label: str, required: bool = True, **kw) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=FORMATI_DATA,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": "Data non valida: usare il formato gg/mm/aaaa.",
            "required": "Campo obbligatorio.",
        },
        **kw,
    )


class _Stile:
    def _stile(self):
        for campo in self.fields.values():
            w = campo.widget
            if isinstance(w, (forms.CheckboxSelectMultiple, forms.CheckboxInput, forms.HiddenInput)):
                continue
            w.attrs.setdefault("class", "form-select" if isinstance(w, forms.Select) else "form-control")


def _scelte(a: siuss_codici.Attributo) -> list[tuple[str, str]]:
    return [("", "—")] + [(c, f"{c} · {e}" if e != c else c) for c, e in a.codici.items()]


def _campo_xsd(a: siuss_codici.Attributo, obbligatorio_in_form: bool) -> forms.Field:
    etichetta = a.etichetta + (" *" if obbligatorio_in_form else "")
    aiuto = f"{a.nome} (XSD INPS)"
    if a.multiplo and a.codici:
        return forms.MultipleChoiceField(
            label=etichetta,
            required=False,
            choices=list(a.codici.items()),
            widget=forms.CheckboxSelectMultiple,
            help_text=aiuto,
        )
    if a.codici:
        return forms.ChoiceField(label=etichetta, required=False, choices=_scelte(a), help_text=aiuto)
    if a.pattern and "[/]" in a.pattern:
        aiuto = f"{a.nome}: mese e anno, MM/AAAA"
    return forms.CharField(label=etichetta, required=False, max_length=20, help_text=aiuto)


def campi_sina_form() -> list[tuple[str, siuss_codici.Attributo]]:
    attr = siuss_codici.attributi("sina")
    return [(f"sina_{n}", attr[n]) for n in [*CAMPI_SINA, "InvCiv"]]


def campi_sinba_form() -> list[tuple[str, siuss_codici.Attributo]]:
    return [
        (f"sinba_{n}", a)
        for n, a in siuss_codici.attributi("sinba").items()
        if n not in siuss_codici.SINBA_DERIVATI
    ]


class ValutazioneForm(_Stile, forms.Form):
    tipo = forms.ChoiceField(label="Tipo di valutazione", choices=TipoValutazione.choices)
    data = _data("Data della valutazione")
    testo = forms.CharField(
        label="Valutazione professionale", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    necessita_interventi = forms.CharField(
        label="Interventi sociali necessari (SINA)",
        required=False,
        max_length=500,
        help_text="Codici prestazione SIUSS separati da virgola (es. A1.01, B2.03).",
    )

    def __init__(self, *args, tipo_bloccato: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for nome, a in campi_sina_form():
            self.fields[nome] = _campo_xsd(a, a.obbligatorio)
        for nome, a in campi_sinba_form():
            self.fields[nome] = _campo_xsd(a, a.obbligatorio)
        if tipo_bloccato:
            self.fields["tipo"].disabled = True
        self.fields["tipo"].widget.attrs.update(
            {"hx-get": "", "hx-target": "#campi-siuss", "hx-select": "#campi-siuss", "hx-swap": "outerHTML"}
        )
        self._stile()

    def campi_sina(self):
        return [self[n] for n, _ in campi_sina_form()]

    def campi_sinba(self):
        return [self[n] for n, _ in campi_sinba_form()]

    def dati_servizio(self) -> dict:
        d = self.cleaned_data
        tipo = d["tipo"]
        out = {"data": d["data"], "testo": d.get("testo", "")}
        if tipo == TipoValutazione.UVM:
            out["sina"] = {n[5:]: d.get(n) or "" for n, _ in campi_sina_form() if n != "sina_InvCiv"}
            out["invalidita_civile"] = d.get("sina_InvCiv") or []
            out["necessita_interventi"] = [
                c.strip() for c in (d.get("necessita_interventi") or "").split(",") if c.strip()
            ]
        elif tipo == TipoValutazione.MINORI:
            out["sinba"] = {n[6:]: d.get(n) for n, _ in campi_sinba_form() if d.get(n) not in (None, "", [])}
        return out

    @classmethod
    def iniziale_da(cls, v) -> dict:
        iniziale = {
            "tipo": v.tipo,
            "data": v.data,
            "testo": v.testo,
            "necessita_interventi": ", ".join(v.necessita_interventi),
            "sina_InvCiv": v.invalidita_civile,
        }
        for attr, campo in CAMPI_SINA.items():
            iniziale[f"sina_{attr}"] = getattr(v, campo)
        for nome, valore in (v.dati_sinba or {}).items():
            iniziale[f"sinba_{nome}"] = valore
        return iniziale


class ProgettoForm(_Stile, forms.Form):
    tipo = forms.ChoiceField(label="Tipo di progetto", choices=TipoProgetto.choices)
    sintesi = forms.CharField(
        label="Sintesi del bisogno e del progetto",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Scrivere la sintesi del bisogno e del progetto."},
    )
    data_inizio = _data("Inizio")
    data_fine = _data("Fine", required=False)
    revisione_ogni_mesi = forms.IntegerField(
        label="Verifica ogni (mesi)",
        min_value=1,
        max_value=36,
        initial=6,
        error_messages={
            "min_value": "La verifica si fa ogni 1-36 mesi.",
            "max_value": "La verifica si fa ogni 1-36 mesi.",
            "required": "Indicare ogni quanti mesi si verifica il progetto.",
        },
    )
    prossima_verifica = _data(
        "Prossima verifica", required=False, help_text="Se vuota: inizio + mesi indicati."
    )
    revisione = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stile()


class ObiettivoForm(_Stile, forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    descrizione = forms.CharField(label="Obiettivo", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    indicatore = forms.CharField(label="Indicatore di risultato", required=False, max_length=300)
    esito = forms.CharField(label="Esito alla verifica", required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stile()


class InterventoForm(_Stile, forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    servizio = forms.ModelChoiceField(label="Servizio", queryset=Servizio.objects.none(), required=False)
    erogatore = forms.ModelChoiceField(
        label="Erogatore", queryset=Ente.objects.none(), required=False, empty_label="— gestione diretta —"
    )
    quantita = forms.DecimalField(
        label="Quantità",
        required=False,
        max_digits=10,
        decimal_places=2,
        error_messages={"invalid": "Quantità non valida.", "max_decimal_places": "Al massimo due decimali."},
    )
    periodicita = forms.ChoiceField(
        label="Periodicità",
        choices=InterventoPianificato._meta.get_field("periodicita").choices,
        initial="totale",
        required=False,
    )
    dal = _data("Dal", required=False)
    al = _data("Al", required=False)

    def __init__(self, *args, ambito_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["servizio"].queryset = Servizio.objects.filter(ambito_id=ambito_id, attivo=True).order_by(
            "nome"
        )
        self.fields["erogatore"].queryset = Ente.objects.filter(
            ambito_id=ambito_id, tipo=TipoEnte.EROGATORE
        ).order_by("nome")
        self._stile()

    def vuoto(self) -> bool:
        d = getattr(self, "cleaned_data", {}) or {}
        return not any(d.get(k) for k in ("servizio", "erogatore", "quantita", "dal", "al"))

    def clean(self):
        d = super().clean()
        if d.get("DELETE") or self.vuoto():
            return d
        if not d.get("servizio"):
            self.add_error("servizio", "Indicare il servizio.")
        if d.get("quantita") is None:
            self.add_error("quantita", "Indicare la quantità prevista.")
        elif d["quantita"] <= 0:
            self.add_error("quantita", "La quantità deve essere maggiore di zero.")
        if not d.get("dal"):
            self.add_error("dal", "Indicare la data di inizio.")
        return d


ObiettiviFormSet = forms.formset_factory(ObiettivoForm, extra=2, can_delete=True)
InterventiFormSet = forms.formset_factory(InterventoForm, extra=2, can_delete=True)


class FirmaForm(_Stile, forms.Form):
    firmatario = forms.CharField(
        label="Firmatario", max_length=200, error_messages={"required": "Indicare chi ha firmato."}
    )
    qualita = forms.ChoiceField(label="In qualità di", choices=Firma._meta.get_field("qualita").choices)
    data = _data("Data della firma")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stile()
