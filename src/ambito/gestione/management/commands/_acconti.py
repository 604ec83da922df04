"""`ambito riparto acconti --esercizio AAAA [--emetti N|saldo]`: the advances/balance table.

Kept apart from riparto.py (a leading underscore: Django does not take it for a command).
"""

from __future__ import annotations

from django.core.management.base import CommandError


def aggiungi(sub) -> None:
    p = sub.add_parser(
        "acconti",
        help="acconti e saldo per Comune di un esercizio (ed emissione)",
        description="Stampa acconti, fatturato e saldo per Comune; con --emetti emette una rata "
        "(numero) o il saldo. Emettere due volte non duplica nulla.",
    )
    p.add_argument("--esercizio", required=True, type=int, metavar="AAAA", help="l'anno")
    p.add_argument("--emetti", metavar="RATA", help="numero della rata da emettere, oppure «saldo»")
    p.add_argument("--ambito", metavar="CODICE", help="codice dell'Ambito (se ce n'è più d'uno)")


def esegui(cmd, opts, euro) -> None:
    from django.core.exceptions import ValidationError

    from ambito.core.comandi import ambito_del_comando
    from ambito.gestione import acconti as a
    from ambito.gestione import selectors_acconti as sel
    from ambito.gestione import services_acconti as srv

    ambito = ambito_del_comando(opts.get("ambito"))
    anno = opts["esercizio"]
    es = sel.esercizio(ambito, anno)
    if es is None:
        raise CommandError(f"Esercizio {anno} inesistente.")
    cosa = opts.get("emetti")
    if cosa:
        try:
            if cosa.strip().lower() == "saldo":
                esito = srv.emetti_saldo(esercizio=es, attore=None)
            elif cosa.isdigit():
                esito = srv.emetti_acconto(esercizio=es, rata=int(cosa), attore=None)
            else:
                raise CommandError("--emetti: il numero della rata oppure «saldo».")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        cmd.stdout.write(esito.messaggio)
    p = sel.acconti(ambito, anno)
    for r in p.rate:
        base = r.base.nome if r.base else "versione non ancora approvata"
        cmd.stdout.write(
            f"{r.rata.nome}: {a.percento(r.rata.percentuale)} entro il {r.rata.scadenza:%d/%m/%Y} "
            f"su «{base}»; "
            f"fatturato {euro(r.fatturato)} €"
        )
    intest = ["Comune", "Preventivo", "Assestamento", "Consuntivo"]
    intest += [r.rata.nome for r in p.rate] + ["Fatturato", "Saldo"]
    larghezze = [24] + [15] * (len(intest) - 1)

    def riga(valori):
        return " ".join(
            (str(v)[:24].ljust(w) if i == 0 else str(v).rjust(w))
            for i, (v, w) in enumerate(zip(valori, larghezze, strict=True))
        )

    def num(x):
        return "–" if x is None else euro(x)

    cmd.stdout.write(riga(intest))
    for r in p.righe:
        cmd.stdout.write(
            riga(
                [
                    r.comune.nome if r.comune else "Totale",
                    num(r.preventivo),
                    num(r.assestamento),
                    num(r.consuntivo),
                ]
                + [num(x) for x in r.acconti]
                + [num(r.fatturato), num(r.saldo)]
            )
        )
    if p.totale.bozze:
        cmd.stdout.write(f"(da versioni in bozza: {', '.join(sorted(p.totale.bozze))})")
