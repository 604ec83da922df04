from django.db import connection
from django.http import JsonResponse


def salute(request):
    """Liveness probe: the process answers and the database responds."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"stato": "ok"})
