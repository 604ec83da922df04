"""`ambito riparto consumi`: the consumption of a version's services from the case record.

Prints, per consumption service linked to the catalogue, each conferring Comune's units now in
the version and from the CSI, then the anomalies (Comuni that do not confer the service) and the
services without a catalogue link. With `--applica` it writes them into the draft version and
recomputes it (audited, attore None = command line), as the page does.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from ambito.core.comandi import data_iso
from ambito.gestione import consumi as C


def aggiungi(sub) -> None:
    p = sub.add_parser(
        "consumi",
        help="consumi dei servizi a consumo dalla cartella sociale (anteprima; --applica per ricalcolare)",
        description="Legge dalla cartella sociale i consumi per Comune dei servizi a consumo della versione; "
        "con --applica li scrive nella versione in bozza e ricalcola il riparto.",
    )
    p.add_argument("--esercizio", required=True, type=int, metavar="AAAA", help="l'anno")
    p.add_argument("--versione", required=True, metavar="NOME", help="nome della versione")
    p.add_argument("--dal", type=data_iso, metavar="AAAA-MM-GG", help="inizio del periodo (predefinito 1/1)")
    p.add_argument("--al", type=data_iso, metavar="AAAA-MM-GG", help="fine del periodo (predefinito 31/12)")
    p.add_argument("--fonte", choices=list(C.FONTI), default=C.EROGAZIONI, help="misura del consumo")
    p.add_argument("--applica", action="store_true", help="scrive i consumi nella versione e ricalcola")
    p.add_argument(
        "--escludi-non-conferenti",
        action="store_true",
        help="con --applica: esclude (e registra) i consumi dei Comuni che non conferiscono il servizio",
    )
    p.add_argument("--ambito", metavar="CODICE", help="codice dell'Ambito (se ce n'è più d'uno)")


def _n(x) -> str:
    return C._it(x)


def esegui(cmd, opts) -> None:
    from ambito.core.comandi import ambito_del_comando
    from ambito.gestione.models import VersioneBilancio

    ambito = ambito_del_comando(opts.get("ambito"))
    anno = opts["esercizio"]
    v = VersioneBilancio.objects.filter(ambito=ambito, esercizio__anno=anno, nome=opts["versione"]).first()
    if v is None:
        raise CommandError(f"Versione «{opts['versione']}» dell'esercizio {anno} inesistente.")
    dal = opts.get("dal") or dt.date(anno, 1, 1)
    al = opts.get("al") or dt.date(anno, 12, 31)
    try:
        a = C.consumi_dalla_cartella(ambito, v, dal, al, fonte=opts["fonte"])
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from None
    out = [f"Consumi dalla cartella sociale, {dal:%d/%m/%Y}–{al:%d/%m/%Y} ({C.FONTI[a.fonte]})"]
    for s in a.servizi:
        out.append(
            f"{s.codice} – {s.nome} ({s.metodo}; {s.unita}): ora {_n(s.totale_attuale)}, "
            f"dalla cartella {_n(s.totale_cartella)}"
        )
        for c in s.celle:
            attuale = "–" if c.attuale is None else _n(c.attuale)
            out.append(
                f"  {c.comune} {c.nome_comune}: ora {attuale}, dalla cartella {_n(c.cartella)} "
                f"({c.righe} registrazioni)"
            )
    for x in a.a_tariffa:
        out.append(f"A TARIFFA: {x.messaggio(a.fonte)}")
    for x in a.anomalie:
        out.append(f"ANOMALIA: {x.messaggio(a.fonte)}")
    if a.senza_catalogo:
        out.append(
            "Senza collegamento al catalogo (consumi invariati): "
            + ", ".join(x.codice for x in a.senza_catalogo)
        )
    cmd.stdout.write("\n".join(out))
    if not opts["applica"]:
        return
    try:
        esito = C.applica_consumi(
            versione=v,
            dal=dal,
            al=al,
            fonte=a.fonte,
            attore=None,
            escludi_non_conferenti=opts["escludi_non_conferenti"],
            firma=a.firma,
        )
    except ValidationError as exc:
        for m in exc.messages:
            cmd.stderr.write(m)
        raise CommandError(f"Consumi non applicati alla versione «{v.nome}»: nulla è cambiato.") from None
    if esito.cambiata:
        cmd.stdout.write(f"Consumi applicati: riparto della versione «{v.nome}» {anno} ricalcolato.")
    else:
        cmd.stdout.write("Nessuna modifica: la versione ha già i consumi della cartella sociale.")
