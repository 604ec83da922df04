"""The shared world itself: two Ambiti, scoped users, and the scoping selector on it."""

from ambito.cartella.selectors.visibilita import casi_visibili, interventi_visibili, riservatezze_leggibili
from ambito.utenti.selectors import ambito_visibilita


def test_the_scoping_selector_on_the_shared_world(mondo, altro_mondo):
    caso_minori = mondo.caso()
    caso_sad = mondo.caso(servizio=mondo.sad, comune=mondo.altro_comune)
    caso_altro_ambito = altro_mondo.caso()
    intervento = mondo.intervento(caso_sad, erogatore=mondo.coop)

    def vede(utente):
        return set(casi_visibili(ambito_visibilita(utente)).values_list("pk", flat=True))

    assert vede(mondo.direzione) == {caso_minori.pk, caso_sad.pk}
    assert vede(mondo.operatore) == {caso_minori.pk}
    assert vede(mondo.operatore_sad) == {caso_sad.pk}
    assert vede(mondo.coordinatore) == {caso_minori.pk}
    assert vede(mondo.comunale) == {caso_minori.pk}  # responsible Comune = theirs
    for nessuno in (
        mondo.erogatore,
        mondo.amministrazione,
        mondo.sistema,
        mondo.cittadino,
        mondo.ufficiodipiano,
    ):
        assert vede(nessuno) == set()
    assert vede(altro_mondo.direzione) == {caso_altro_ambito.pk}
    assert list(interventi_visibili(ambito_visibilita(mondo.erogatore))) == [intervento]
    assert list(interventi_visibili(ambito_visibilita(altro_mondo.erogatore))) == []

    # An operator of the case who is not in any team/service still sees it.
    mondo.operatore_del_caso(caso_sad, mondo.operatore)
    assert vede(mondo.operatore) == {caso_minori.pk, caso_sad.pk}

    assert riservatezze_leggibili(ambito_visibilita(mondo.operatore), caso_minori) == {
        "ordinaria",
        "team",
        "giudiziaria",
    }
    assert riservatezze_leggibili(ambito_visibilita(mondo.comunale), caso_minori) == {"ordinaria"}
    assert riservatezze_leggibili(ambito_visibilita(mondo.direzione), caso_minori) == {"ordinaria", "team"}
