"""The cards of the home page, per role. Pure: takes the scope and its names, returns data."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from . import ruoli as R


@dataclass(frozen=True)
class Carta:
    titolo: str
    testo: str
    url_name: str = ""

    @property
    def url(self) -> str:
        if not self.url_name:
            return ""
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return ""


@dataclass
class Sezione:
    ruolo: str
    descrizione: str
    carte: list[Carta] = field(default_factory=list)


_TERRITORIO = Carta("Territorio", "Comuni, popolazione e indici demografici.", "territorio:comuni")
_CATALOGO = Carta("Catalogo dei servizi", "Aree, servizi e codifiche nazionali.", "catalogo:servizi")
_CONTRATTI = Carta("Contratti di servizio", "Matrice Comuni × servizi conferiti.", "catalogo:matrice")
_ACCESSI = Carta(
    "Registro accessi", "Chi ha aperto quali dati personali, e quando.", "utenti:registro_accessi"
)
_MODIFICHE = Carta(
    "Registro modifiche", "Chi ha modificato cosa, con lo stato prima e dopo.", "utenti:registro_audit"
)
_TEAM = Carta("Team", "Team dell'Ambito e loro componenti.", "utenti:team")
_SCADENZE = Carta(
    "Scadenze", "Verifiche dei progetti, ISEE, adempimenti giudiziari e rendiconti.", "cartella:scadenze"
)
_CARICHI = Carta("Carichi di lavoro", "Casi aperti per operatore e servizio.", "cartella:carichi")


def _nomi(oggetti) -> str:
    return ", ".join(str(o) for o in oggetti) or "nessuno assegnato"


def sezioni(ruoli, nomi: dict) -> list[Sezione]:
    """One section per role the user holds, in the order of RUOLI."""
    out = []
    for nome, ruolo in R.RUOLI.items():
        if nome not in ruoli:
            continue
        s = Sezione(nome, ruolo.descrizione)
        if nome in (R.DIREZIONE, R.AMMINISTRAZIONE, R.UFFICIO_DI_PIANO):
            s.carte = [_TERRITORIO, _CATALOGO, _CONTRATTI]
        elif nome in (R.COORDINATORE, R.OPERATORE):
            s.carte = [
                Carta("I miei team", _nomi(nomi["team"]), "utenti:team"),
                Carta("I miei servizi", _nomi(nomi["servizi"])),
                _CATALOGO,
                _TERRITORIO,
            ]
            s.carte.insert(0, _SCADENZE)
            if nome == R.COORDINATORE:
                s.carte.insert(1, _CARICHI)
                s.carte.append(_CONTRATTI)
        elif nome == R.OPERATORE_COMUNALE:
            s.carte = [
                Carta("Il mio Comune", _nomi(nomi["enti"]), "territorio:comuni"),
                Carta(
                    "Servizi conferiti", "I servizi che il Comune conferisce all'Ambito.", "catalogo:matrice"
                ),
                _CATALOGO,
            ]
        elif nome == R.ENTE_EROGATORE:
            s.carte = [Carta("Il mio ente", _nomi(nomi["enti"])), _CATALOGO]
        elif nome == R.CITTADINO:
            s.carte = [
                Carta("Il territorio", "I Comuni dell'Ambito e la loro popolazione.", "territorio:comuni"),
                Carta("I servizi", "Il catalogo dei servizi sociali dell'Ambito.", "catalogo:servizi"),
                Carta("Bandi", "Bandi: presto disponibili."),
            ]
        elif nome == R.DPO:
            s.carte = [_ACCESSI, _MODIFICHE]
        elif nome == R.AMMINISTRATORE:
            s.carte = [
                _ACCESSI,
                _MODIFICHE,
                _TEAM,
                Carta("Amministrazione", "Utenti e configurazione.", "admin:index"),
            ]
        out.append(s)
    return out
