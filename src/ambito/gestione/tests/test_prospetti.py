"""The riparto's output tables on the 2023 example: pages, XLSX and CSV read back and compared
with the database, the identities, the delta against a previous year, break-even, permissions."""

import csv
import io
from collections import defaultdict
from decimal import Decimal as D

import openpyxl
import pytest
from django.db.models import F, Sum
from django.urls import reverse

from ambito.gestione import prospetti, services
from ambito.gestione.models import QuotaRiparto, TipoVersione, VoceRiparto
from ambito.utenti import ruoli as R

from .conftest import ESEMPIO, entra, utente

C = D("0.01")


def libro(risposta) -> openpyxl.Workbook:
    assert risposta.status_code == 200
    assert risposta["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(risposta.content), data_only=False)


def righe_csv(risposta) -> list[list[str]]:
    assert risposta.status_code == 200
    assert risposta.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    return list(csv.reader(io.StringIO(risposta.content.decode("utf-8-sig")), delimiter=";"))


def it(x: str) -> D:
    """A CSV number with decimal comma back to Decimal."""
    assert "." not in x, x  # no thousands separator
    return D(x.replace(",", "."))


def dec(v) -> D:
    return D(str(v)).quantize(C)


def intestazioni(ws) -> list:
    return [c.value for c in ws[1]]


def per_titolo(ws, col: str) -> int:
    return intestazioni(ws).index(col) + 1


# --- Allegato 7 ----------------------------------------------------------------------------------


def test_allegato7_identita_e_totali_dal_db(versione):
    a = prospetti.allegato7(versione)
    assert a.quadra, a.errori
    voci = VoceRiparto.objects.filter(versione=versione)
    assert [r.voce.codice for r in a.righe] == list(voci.order_by("ordine").values_list("codice", flat=True))
    assert a.totali["diretti"] == voci.aggregate(t=Sum("costi_diretti"))["t"]
    totale_quote = QuotaRiparto.objects.filter(versione=versione).aggregate(t=Sum("importo"))["t"]
    assert a.totali["comuni_arrotondato"] == totale_quote == voci.aggregate(t=Sum("comuni_arrotondato"))["t"]
    for r in a.righe:
        assert r.diretti + r.indiretti == r.totale
        assert sum((x or 0 for x in r.fondi), D(0)) + r.comuni == r.totale
    # fund columns in the order of the workbook's funds sheet
    ordine = list(dict.fromkeys(f.codice for f in services.dati_versione(versione).fondi))
    assert a.codici_fondi == ordine
    # each fund column sums the JSON of the services
    for i, codice in enumerate(a.codici_fondi):
        atteso = sum((D(x) for v in voci for f, x in v.fondi if f == codice), D(0))
        assert a.totali["fondi"][i] == atteso.quantize(C)


def test_allegato7_pagina_e_xlsx(client, amministrazione, versione):
    c = entra(client, amministrazione)
    html = c.get(reverse("gestione:allegato7", args=[versione.pk])).content.decode()
    assert 'class="alert alert-success"' in html and "FNPS" in html
    assert "4.894.517" in html  # the Comuni's total of the example, as published
    wb = libro(c.get(reverse("gestione:allegato7_esporta", args=[versione.pk, "xlsx"])))
    assert wb.sheetnames == ["Allegato 7", "Note"]
    ws = wb["Allegato 7"]
    assert ws.freeze_panes == "B2"
    assert ws["A1"].font.bold
    voci = list(VoceRiparto.objects.filter(versione=versione).order_by("ordine"))
    n = len(voci)
    col_dir, col_arr = per_titolo(ws, "Costi diretti"), per_titolo(ws, "Quota Comuni arrotondata")
    for i, v in enumerate(voci, start=2):
        assert ws.cell(i, 1).value == v.codice
        assert dec(ws.cell(i, col_dir).value) == v.costi_diretti
        assert dec(ws.cell(i, col_arr).value) == v.comuni_arrotondato
        assert ws.cell(i, col_dir).number_format == "#,##0.00"
        assert ws.cell(i, col_arr).number_format == "#,##0"
    totale = ws.cell(n + 2, col_arr)
    lettera = totale.column_letter
    assert ws.cell(n + 2, 1).value == "Totale"
    assert totale.value == f"=SUM({lettera}2:{lettera}{n + 1})"
    assert (
        sum(D(str(ws.cell(i, col_arr).value)) for i in range(2, n + 2))
        == (QuotaRiparto.objects.filter(versione=versione).aggregate(t=Sum("importo"))["t"])
    )
    fnps = per_titolo(ws, "FNPS")
    somma_fnps = sum(D(str(ws.cell(i, fnps).value or 0)) for i in range(2, n + 2))
    assert somma_fnps == sum((D(x) for v in voci for f, x in v.fondi if f == "FNPS"), D(0))
    note = dict((r[0].value, r[1].value) for r in wb["Note"].iter_rows(min_row=2))
    assert note["Esito verifiche"] == "tutte rispettate" and "Hamilton" in note["Arrotondamento"]


def test_allegato7_csv(client, amministrazione, versione):
    c = entra(client, amministrazione)
    righe = righe_csv(c.get(reverse("gestione:allegato7_esporta", args=[versione.pk, "csv"])))
    testa, corpo, totale = righe[0], righe[1:-1], righe[-1]
    assert testa[:5] == ["Codice", "Servizio", "Costi diretti", "Costi indiretti", "Costo totale"]
    i = testa.index("Quota Comuni arrotondata")
    per_codice = {r[0]: r for r in corpo}
    for v in VoceRiparto.objects.filter(versione=versione):
        assert it(per_codice[v.codice][i]) == v.comuni_arrotondato
        assert it(per_codice[v.codice][testa.index("Costo totale")]) == v.costo_totale.quantize(C)
    assert totale[0] == "Totale"
    assert it(totale[i]) == QuotaRiparto.objects.filter(versione=versione).aggregate(t=Sum("importo"))["t"]


def test_allegato7_identita_violata_in_rosso(client, amministrazione, versione):
    VoceRiparto.objects.filter(versione=versione, codice="CAT").update(costi_diretti=F("costi_diretti") + 1)
    q = QuotaRiparto.objects.filter(versione=versione, voce__codice="SAD").first()
    q.importo += 1
    q.save()
    a = prospetti.allegato7(versione)
    assert not a.quadra
    assert "CAT: costi diretti + costi indiretti ≠ costo totale" in a.errori
    assert "SAD: la somma delle quote dei Comuni ≠ quota dei Comuni arrotondata" in a.errori
    html = (
        entra(client, amministrazione).get(reverse("gestione:allegato7", args=[versione.pk])).content.decode()
    )
    assert 'class="alert alert-danger"' in html and "CAT: costi diretti" in html


# --- Comune × service, totals, delta, overhead ---------------------------------------------------


def totali_db(versione) -> dict[int, D]:
    return dict(
        QuotaRiparto.objects.filter(versione=versione)
        .values_list("comune_id")
        .annotate(t=Sum("importo"))
        .values_list("comune_id", "t")
    )


def indiretti_db(versione) -> dict[int, D]:
    """Σ share × indirect / total per Comune, straight from the rows."""
    out: dict[int, D] = defaultdict(D)
    for q in QuotaRiparto.objects.filter(versione=versione).select_related("voce"):
        if q.voce.costo_totale:
            out[q.comune_id] += q.importo * q.voce.costi_indiretti / q.voce.costo_totale
    return {k: v.quantize(C) for k, v in out.items()}


def test_prospetto_comuni_arrotondamento_e_indiretti(versione):
    p = prospetti.comuni(versione)
    assert p.precedente is None and p.delta.assoluto is None
    db = totali_db(versione)
    assert {r.comune.pk: r.totale for r in p.righe} == db
    assert p.totale == sum(db.values())
    for v, tot, non_arr, arr in p.colonne_totali:
        somma = QuotaRiparto.objects.filter(voce=v).aggregate(t=Sum("importo"), n=Sum("non_arrotondato"))
        assert tot == (somma["t"] or 0) == v.comuni_arrotondato  # 0: a service wholly funded
        assert non_arr == (somma["n"] or D(0)).quantize(C)
        assert arr == tot - non_arr and abs(arr) < 1
    assert {r.comune.pk: r.indiretti for r in p.righe} == indiretti_db(versione)
    # the Piano Programma's reading: the whole overhead of the services the Comuni pay for
    voci = VoceRiparto.objects.filter(versione=versione, comuni_arrotondato__gt=0)
    tutti = sum(v.costi_indiretti for v in voci)
    assert abs(p.indiretti_interi - tutti) <= D("0.005") * len(p.righe)
    assert round(tutti) == 607216  # the 2023 document's total of indirect costs per Comune (§5.11)
    assert sum(r.percentuale for r in p.righe) == pytest.approx(100, abs=0.1)


def test_prospetto_comuni_xlsx_e_csv(client, amministrazione, versione, comuni):
    c = entra(client, amministrazione)
    db, ind = totali_db(versione), indiretti_db(versione)
    nomi = {e.nome: e.pk for e in comuni.values()}
    wb = libro(c.get(reverse("gestione:prospetto_comuni_esporta", args=[versione.pk, "xlsx"])))
    assert wb.sheetnames == ["Comuni per servizio", "Totali per Comune", "Note"]
    ws = wb["Comuni per servizio"]
    col_tot = per_titolo(ws, "Totale")
    righe = {ws.cell(i, 1).value: i for i in range(2, ws.max_row + 1)}
    n = len(db)
    assert ws.cell(n + 2, 1).value == "Totale"
    lettera = ws.cell(1, col_tot).column_letter
    assert ws.cell(n + 2, col_tot).value == f"=SUM({lettera}2:{lettera}{n + 1})"
    for nome, riga in righe.items():
        if nome in nomi:
            assert dec(ws.cell(riga, col_tot).value) == db[nomi[nome]]
    arr = righe["Arrotondamento"]
    non_arr = QuotaRiparto.objects.filter(versione=versione).aggregate(n=Sum("non_arrotondato"))["n"]
    per_voce = (
        QuotaRiparto.objects.filter(versione=versione).values("voce_id").annotate(n=Sum("non_arrotondato"))
    )
    atteso = sum(db.values()) - sum(x["n"].quantize(C) for x in per_voce)
    assert dec(ws.cell(arr, col_tot).value) == atteso
    assert abs(sum(db.values()) - non_arr) < 1 * len(per_voce)
    t = wb["Totali per Comune"]
    col_ind, col_pct = per_titolo(t, "di cui costi indiretti"), per_titolo(t, "% del totale")
    for i in range(2, n + 2):
        pk = nomi[t.cell(i, 1).value]
        assert dec(t.cell(i, per_titolo(t, "Totale")).value) == db[pk]
        assert dec(t.cell(i, col_ind).value) == ind[pk]
        assert t.cell(i, col_pct).number_format == "0.00%"
        assert D(str(t.cell(i, col_pct).value)) == (db[pk] * 100 / sum(db.values())).quantize(C) / 100
    col_int = per_titolo(t, "Costi indiretti se tutti a carico dei Comuni")
    p = prospetti.comuni(versione)
    interi = {r.comune.pk: r.indiretti_interi for r in p.righe}
    assert {nomi[t.cell(i, 1).value]: dec(t.cell(i, col_int).value) for i in range(2, n + 2)} == interi
    assert t.cell(n + 2, col_int).value.startswith("=SUM(")
    # CSV of the second table
    r = c.get(reverse("gestione:prospetto_comuni_esporta", args=[versione.pk, "csv"]) + "?foglio=1")
    righe_c = righe_csv(r)
    i_tot, i_ind = righe_c[0].index("Totale"), righe_c[0].index("di cui costi indiretti")
    for riga in righe_c[1 : n + 1]:
        assert it(riga[i_tot]) == db[nomi[riga[0]]]
        assert it(riga[i_ind]) == ind[nomi[riga[0]]]
    assert righe_c[n + 1][0] == "Totale" and it(righe_c[n + 1][i_tot]) == sum(db.values())
    assert r["Content-Disposition"].endswith('.csv"')
    c_bad = c.get(reverse("gestione:prospetto_comuni_esporta", args=[versione.pk, "csv"]) + "?foglio=9")
    assert c_bad.status_code == 404
    assert c.get(reverse("gestione:prospetto_comuni_esporta", args=[versione.pk, "pdf"])).status_code == 404


def test_delta_rispetto_all_anno_precedente(client, amministrazione, versione, comuni, ambito):
    prima = services.importa_riparto(
        ambito=ambito, file=ESEMPIO, esercizio=2022, versione="preventivo", attore=None
    )
    sgm = comuni["015195"]
    # last year San Giuliano paid 1.000 € less on one service, Paullo 250 € more on another
    QuotaRiparto.objects.filter(versione=prima, comune=sgm, voce__codice="CAT").update(
        importo=F("importo") - 1000
    )
    QuotaRiparto.objects.filter(versione=prima, comune=comuni["015169"], voce__codice="CAT").update(
        importo=F("importo") + 250
    )
    p = prospetti.comuni(versione)
    assert p.precedente == prima
    ora, allora = totali_db(versione), totali_db(prima)
    for r in p.righe:
        assert r.delta.precedente == allora[r.comune.pk]
        assert r.delta.assoluto == ora[r.comune.pk] - allora[r.comune.pk]
        if allora[r.comune.pk]:
            atteso = ((ora[r.comune.pk] - allora[r.comune.pk]) * 100 / allora[r.comune.pk]).quantize(C)
            assert r.delta.percentuale == atteso
    per_pk = {r.comune.pk: r for r in p.righe}
    assert per_pk[sgm.pk].delta.assoluto == 1000
    assert per_pk[comuni["015169"].pk].delta.assoluto == -250
    assert p.delta.assoluto == sum(ora.values()) - sum(allora.values()) == 750
    html = entra(client, amministrazione).get(reverse("gestione:prospetto_comuni", args=[versione.pk]))
    assert "+1.000 €" in html.content.decode() and "-250 €" in html.content.decode()
    wb = libro(client.get(reverse("gestione:prospetto_comuni_esporta", args=[versione.pk, "xlsx"])))
    t = wb["Totali per Comune"]
    riga = next(i for i in range(2, t.max_row + 1) if t.cell(i, 1).value == sgm.nome)
    assert dec(t.cell(riga, per_titolo(t, "Differenza €")).value) == 1000


def test_anno_precedente_senza_stesso_tipo_prende_l_ultima_approvata(versione, ambito, comuni):
    assert prospetti.versione_precedente(versione) is None
    bozza = services.importa_riparto(
        ambito=ambito, file=ESEMPIO, esercizio=2022, versione="assestamento", attore=None
    )
    assert bozza.tipo == TipoVersione.ASSESTAMENTO
    assert prospetti.versione_precedente(versione) is None  # a draft of another type is not used
    services.approva_versione(versione=bozza, attore=None)
    assert prospetti.versione_precedente(versione) == bozza


def test_pagina_comuni_senza_anno_precedente(client, amministrazione, versione):
    html = entra(client, amministrazione).get(reverse("gestione:prospetto_comuni", args=[versione.pk]))
    testo = html.content.decode()
    assert "Nessuna versione dell'esercizio 2022" in testo and "—" in testo
    assert "Arrotondamento" in testo and "Costi indiretti se tutti a carico dei Comuni" in testo


# --- break-even ----------------------------------------------------------------------------------


def test_pareggio_per_servizio(versione, comuni):
    p = prospetti.pareggio(versione)
    dati = services.dati_versione(versione)
    for r in p.righe:
        v = r.voce
        assert r.costo == v.costo_totale.quantize(C)
        assert r.ricavi == r.fondi + r.quote_comuni + r.tariffe
        assert r.risultato == r.ricavi - r.costo
        assert abs(r.risultato) < 1 and r.in_pareggio  # only the rounding to the euro
        conferenti = dati.conferimenti.get(v.codice, frozenset())
        altri = QuotaRiparto.objects.filter(voce=v).exclude(comune__codice_istat__in=conferenti)
        assert r.tariffe == (altri.aggregate(t=Sum("importo"))["t"] or 0)
    cdd = next(r for r in p.righe if r.voce.codice == "CDD")
    assert cdd.tariffe > 0  # the four non-member Comuni buy CDD places
    # as the Piano Programma 2023 splits CDD's 726.943: 648.050 from members + 78.893 (§5.12)
    assert (cdd.quote_comuni, cdd.tariffe) == (D("648050"), D("78893"))
    assert p.confronto == [] and p.consuntivo is None


def test_pareggio_rileva_un_disavanzo_e_confronta_il_consuntivo(client, amministrazione, versione, ambito):
    cons = services.importa_riparto(
        ambito=ambito, file=ESEMPIO, esercizio=2023, versione="consuntivo", attore=None
    )
    VoceRiparto.objects.filter(versione=cons, codice="SAD").update(costo_totale=F("costo_totale") + 500)
    p = prospetti.pareggio(versione)
    assert p.consuntivo == cons and len(p.confronto) == VoceRiparto.objects.filter(versione=versione).count()
    sad = next(x for x in p.confronto if x.codice == "SAD")
    assert sad.delta_costo.assoluto == 500
    assert all(x.delta_costo.assoluto == 0 for x in p.confronto if x.codice != "SAD")
    pc = prospetti.pareggio(cons)
    assert pc.preventivo == versione
    r = next(x for x in pc.righe if x.voce.codice == "SAD")
    assert r.esito == "disavanzo" and r.risultato < -499
    assert [x.voce.codice for x in pc.non_in_pareggio if not x.in_pareggio] == ["SAD"]
    c = entra(client, amministrazione)
    html = c.get(reverse("gestione:pareggio", args=[cons.pk])).content.decode()
    assert "disavanzo" in html and 'id="preventivo-consuntivo"' in html
    wb = libro(c.get(reverse("gestione:pareggio_esporta", args=[cons.pk, "xlsx"])))
    assert wb.sheetnames == ["Risultato per servizio", "Preventivo e consuntivo", "Note"]
    ws = wb["Risultato per servizio"]
    riga = next(i for i in range(2, ws.max_row + 1) if ws.cell(i, 1).value == "SAD")
    assert dec(ws.cell(riga, per_titolo(ws, "Risultato")).value) == r.risultato


# --- links and permissions --------------------------------------------------------------------


def test_link_dalla_versione(client, amministrazione, versione):
    html = (
        entra(client, amministrazione).get(reverse("gestione:versione", args=[versione.pk])).content.decode()
    )
    for nome in ("allegato7", "prospetto_comuni", "pareggio", "indicatori"):
        url = reverse(f"gestione:{nome}", args=[versione.pk])
        assert url in html
        assert client.get(url).status_code == 200


def test_operatore_comunale_solo_la_sua_bolletta(client, comunale, versione, comuni):
    c = entra(client, comunale)
    for nome in ("allegato7", "prospetto_comuni", "pareggio", "indicatori"):
        assert c.get(reverse(f"gestione:{nome}", args=[versione.pk])).status_code == 404
        assert c.get(reverse(f"gestione:{nome}_esporta", args=[versione.pk, "xlsx"])).status_code == 404
        assert c.get(reverse(f"gestione:{nome}_esporta", args=[versione.pk, "csv"])).status_code == 404
    sgm, paullo = comuni["015195"], comuni["015169"]
    assert (
        c.get(reverse("gestione:bolletta_esporta", args=[versione.pk, paullo.pk, "xlsx"])).status_code == 404
    )
    wb = libro(c.get(reverse("gestione:bolletta_esporta", args=[versione.pk, sgm.pk, "xlsx"])))
    ws = wb.worksheets[0]
    quote = {
        q.voce.codice: q.importo
        for q in QuotaRiparto.objects.filter(versione=versione, comune=sgm).select_related("voce")
    }
    col = per_titolo(ws, "Importo")
    n = len(quote)
    assert {ws.cell(i, 1).value: dec(ws.cell(i, col).value) for i in range(2, n + 2)} == quote
    assert ws.cell(n + 2, col).value.startswith("=SUM(")
    assert ws.cell(n + 2, 1).value == "Totale"
    righe = righe_csv(c.get(reverse("gestione:bolletta_esporta", args=[versione.pk, sgm.pk, "csv"])))
    assert it(righe[n + 1][righe[0].index("Importo")]) == sum(quote.values())
    assert it(righe[n + 1][righe[0].index("di cui costi indiretti")]) == sum(
        (q.importo * q.voce.costi_indiretti / q.voce.costo_totale).quantize(C)
        for q in QuotaRiparto.objects.filter(versione=versione, comune=sgm).select_related("voce")
    )
    html = c.get(reverse("gestione:bolletta", args=[versione.pk, sgm.pk])).content.decode()
    assert reverse("gestione:bolletta_esporta", args=[versione.pk, sgm.pk, "xlsx"]) in html


def test_pagine_con_query_costanti(client, amministrazione, versione, django_assert_max_num_queries):
    """Session, user, permissions, visibility, menu, version, then a fixed handful per table: never
    one query per Comune or per service (the example has 14 Comuni and 29 services)."""
    c = entra(client, amministrazione)
    c.get(reverse("gestione:versione", args=[versione.pk]))  # warm the session and the permissions
    for nome in ("allegato7", "prospetto_comuni", "pareggio", "indicatori"):
        with django_assert_max_num_queries(16):
            assert c.get(reverse(f"gestione:{nome}", args=[versione.pk])).status_code == 200
        with django_assert_max_num_queries(16):
            assert c.get(reverse(f"gestione:{nome}_esporta", args=[versione.pk, "xlsx"])).status_code == 200


def test_altro_ambito_404(client, versione, comuni):
    from ambito.core.models import Ambito

    altro = Ambito.objects.create(codice="ALTRO", nome="Altro")
    R.assicura_ruoli()
    c = entra(client, utente(altro, "amm.altro", R.AMMINISTRAZIONE))
    for nome in ("allegato7", "prospetto_comuni", "pareggio", "indicatori"):
        assert c.get(reverse(f"gestione:{nome}", args=[versione.pk])).status_code == 404
    sgm = comuni["015195"]
    assert c.get(reverse("gestione:bolletta_esporta", args=[versione.pk, sgm.pk, "csv"])).status_code == 404


def test_versione_senza_riparto(client, amministrazione, ambito):
    from ambito.gestione.models import Esercizio, VersioneBilancio

    es = Esercizio.objects.create(ambito=ambito, anno=2024)
    v = VersioneBilancio.objects.create(ambito=ambito, esercizio=es, tipo="preventivo", nome="vuota")
    c = entra(client, amministrazione)
    for nome in ("allegato7", "prospetto_comuni", "pareggio", "indicatori"):
        assert c.get(reverse(f"gestione:{nome}", args=[v.pk])).status_code == 200
        for formato in ("xlsx", "csv"):
            assert c.get(reverse(f"gestione:{nome}_esporta", args=[v.pk, formato])).status_code == 200


def test_comune_presente_solo_l_anno_prima(versione, ambito, comuni):
    prima = services.importa_riparto(
        ambito=ambito, file=ESEMPIO, esercizio=2022, versione="preventivo", attore=None
    )
    tribiano = next(e for e in comuni.values() if e.nome == "Tribiano")
    allora = QuotaRiparto.objects.filter(versione=prima, comune=tribiano).aggregate(t=Sum("importo"))["t"]
    assert allora
    QuotaRiparto.objects.filter(versione=versione, comune=tribiano).delete()
    p = prospetti.comuni(versione)
    r = next(r for r in p.righe if r.comune.pk == tribiano.pk)
    assert r.totale == 0 and all(x is None for x in r.celle)
    assert r.delta.assoluto == -allora and r.delta.percentuale == D("-100.00")
