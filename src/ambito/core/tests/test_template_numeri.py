"""Ids and years printed by templates must not get the Italian thousands separator.

With USE_THOUSAND_SEPARATOR on, `{{ caso.pk }}` renders 1815 as "1.815": a link such as
"?persona={{ p.pk }}" then points to the wrong record, and "riparto 2.023" reads as a quantity.
"""

import re
from pathlib import Path

from django.template import Context, Template
from django.utils import translation

SRC = Path(__file__).resolve().parents[2]
RISCHIOSI = re.compile(r"\{\{\s*[\w.]*(?:\.pk|\.id|_id|\bpk|anno\w*)\s*\}\}")


def test_no_template_prints_an_id_or_a_year_with_grouping():
    trovati = []
    for file in SRC.glob("*/templates/**/*.html"):
        for numero, riga in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if RISCHIOSI.search(riga):
                trovati.append(f"{file.relative_to(SRC)}:{numero}: {riga.strip()[:120]}")
    assert trovati == []


def test_unlocalize_keeps_ids_plain_while_amounts_are_grouped():
    with translation.override("it"):
        html = Template(
            '{% load l10n %}<a href="?persona={{ pk|unlocalize }}">{{ importo|floatformat:"2g" }} €</a>'
        ).render(Context({"pk": 1815, "importo": 1234.5}))
    assert html == '<a href="?persona=1815">1.234,50 €</a>'
