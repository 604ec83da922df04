import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ambito.core.models import EventoAudit
from ambito.utenti import ruoli as R


def _codice(device, scarto=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=scarto):06d}"


@pytest.mark.django_db
def test_enable_totp_happy_path(client, mondo):
    u = mondo[R.OPERATORE]
    client.force_login(u)
    r = client.get(reverse("utenti:otp_attiva"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "<svg" in html and "<?xml" not in html
    device = TOTPDevice.objects.get(user=u, confirmed=False)
    assert r.context["segreto"] in html
    r = client.post(reverse("utenti:otp_attiva"), {"codice": _codice(device)})
    assert r.status_code == 302 and r["Location"] == reverse("home")
    device.refresh_from_db()
    assert device.confirmed
    assert EventoAudit.objects.filter(azione="2fa.attivata", attore=u).exists()
    # Verified in this session: the home page does not ask again even when mandatory.
    assert client.get(reverse("utenti:otp_attiva")).context["attivo"] is True


@pytest.mark.django_db
def test_enable_totp_wrong_code_changes_nothing(client, mondo):
    u = mondo[R.OPERATORE]
    client.force_login(u)
    client.get(reverse("utenti:otp_attiva"))
    device = TOTPDevice.objects.get(user=u)
    sbagliato = f"{(int(_codice(device)) + 1) % 1_000_000:06d}"
    r = client.post(reverse("utenti:otp_attiva"), {"codice": sbagliato})
    assert r.status_code == 200
    assert "Codice non valido" in r.content.decode()
    r = client.post(reverse("utenti:otp_attiva"), {"codice": "12ab"})
    assert "Il codice è formato da 6 cifre." in r.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not EventoAudit.objects.filter(azione="2fa.attivata").exists()


def _device_confermato(u):
    return TOTPDevice.objects.create(user=u, name="Autenticatore", confirmed=True)


@pytest.mark.django_db
def test_mandatory_otp_sends_to_verify_then_to_next(client, mondo, settings):
    settings.OTP_OBBLIGATORIO = True
    u = mondo[R.DPO]
    device = _device_confermato(u)
    client.force_login(u)
    dest = reverse("utenti:registro_accessi") + "?esito=negato"
    r = client.get(dest)
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("utenti:otp_verifica") + "?next=")
    r = client.get(r["Location"])
    assert r.status_code == 200
    r = client.post(reverse("utenti:otp_verifica") + "?next=x", {"codice": "000000", "next": dest})
    assert r.status_code == 200 and "Codice non valido" in r.content.decode()
    assert client.get(dest).status_code == 302
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    r = client.post(reverse("utenti:otp_verifica"), {"codice": _codice(device), "next": dest})
    assert r.status_code == 302 and r["Location"] == dest
    assert client.get(dest).status_code == 200


@pytest.mark.django_db
def test_mandatory_otp_without_device_goes_to_setup(client, mondo, settings):
    settings.OTP_OBBLIGATORIO = True
    client.force_login(mondo[R.DIREZIONE])
    r = client.get(reverse("home"), follow=True)
    assert r.redirect_chain[-1][0].startswith(reverse("utenti:otp_attiva"))
    assert "<svg" in r.content.decode()


@pytest.mark.django_db
def test_mandatory_otp_does_not_apply_to_citizens(client, mondo, settings):
    settings.OTP_OBBLIGATORIO = True
    client.force_login(mondo[R.CITTADINO])
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_open_redirect_is_refused(client, mondo):
    u = mondo[R.OPERATORE]
    device = _device_confermato(u)
    client.force_login(u)
    r = client.post(
        reverse("utenti:otp_verifica"), {"codice": _codice(device), "next": "https://evil.example/"}
    )
    assert r["Location"] == reverse("home")


@pytest.mark.django_db
def test_disable_refused_when_mandatory(client, mondo, settings):
    u = mondo[R.OPERATORE]
    device = _device_confermato(u)
    client.force_login(u)
    client.post(reverse("utenti:otp_verifica"), {"codice": _codice(device)})
    settings.OTP_OBBLIGATORIO = True
    r = client.post(reverse("utenti:otp_disattiva"), follow=True)
    assert "obbligatoria" in r.content.decode()
    assert TOTPDevice.objects.filter(user=u).exists()
    settings.OTP_OBBLIGATORIO = False
    client.post(reverse("utenti:otp_disattiva"))
    assert not TOTPDevice.objects.filter(user=u).exists()
    assert EventoAudit.objects.filter(azione="2fa.disattivata", attore=u).exists()
