import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from . import context


class RequestIdMiddleware:
    """Gives each request an id, echoed in the response and written in audit and access rows."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        rid = rid[:64]
        request.request_id = rid
        tok = context.request_id.set(rid)
        tok_ip = context.client_ip.set(request.META.get("REMOTE_ADDR"))
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(tok)
            context.client_ip.reset(tok_ip)
        response["X-Request-Id"] = rid
        return response


class OtpRequiredMiddleware:
    """When OTP_OBBLIGATORIO is on, staff users must pass a TOTP check before anything else.

    The check page (``utenti:otp_verifica``) sends users without a device on to set one up.
    """

    URL_VERIFICA = "utenti:otp_verifica"

    # /api/ answers 401 itself: its session auth refuses unverified staff (see ambito.api).
    ESENTI = ("/accesso/", "/esci/", "/static/", "/2fa/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            getattr(settings, "OTP_OBBLIGATORIO", False)
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not request.user.is_verified()
            and not request.path.startswith(self.ESENTI)
        ):
            return redirect(reverse(self.URL_VERIFICA) + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
