"""Reads of the case record: diario, always scoped through selectors.visibilita."""


def sezione_caso(vis, caso) -> dict:
    """Context for this area's section of the case page (constant number of queries).

    Placeholder until the area is built: the case page includes the section template with this.
    """
    return {}
