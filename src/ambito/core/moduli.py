"""Forms and services: where a service's refusal goes on the page."""


def errori_su_form(form, errore) -> None:
    """Put a service's ValidationError on the form: each message on its field when the form has
    that field, otherwise above the form (Italian messages, as the service wrote them)."""
    if hasattr(errore, "error_dict"):
        for campo, messaggi in errore.message_dict.items():
            form.add_error(campo if campo in form.fields else None, messaggi)
    else:
        form.add_error(None, errore.messages)
