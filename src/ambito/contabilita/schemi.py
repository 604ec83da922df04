"""The category schemes seeded into every installation (migration 0002 reads this module).

- `sole`: the 11 cost categories of So.Le.'s Programma di gestione 2025-2027 (each cost centre's
  costs are broken down by them, domain note 003 §2.2), with its 3 revenue macro-classes.
- `cc`: the income statement of the Italian civil code (art. 2425 c.c.), as in the Relazione
  sulla gestione 2021 (domain note 002): A value of production, B costs of production, C
  financial items, 20 taxes.

No Django import: plain data.
"""

COSTO, RICAVO = "costo", "ricavo"

SCHEMI = {
    "sole": (
        "Categorie So.Le. (Programma di gestione 2025-2027)",
        "Azienda Sociale del Legnanese, Programma di gestione 2025-2027, §2.2",
        [
            ("C01", "Costi delle risorse umane", COSTO),
            ("C02", "Servizi per le risorse umane", COSTO),
            ("C03", "Acquisto beni e servizi per l'utenza (appalti, convenzioni e co-progettazioni)", COSTO),
            ("C04", "Servizi in accreditamento per l'utenza", COSTO),
            ("C05", "Costi di gestione delle sedi", COSTO),
            ("C06", "Servizi generali", COSTO),
            ("C07", "Organi istituzionali e commissioni di gara", COSTO),
            ("C08", "Altri costi amministrativi", COSTO),
            ("C09", "Ammortamenti", COSTO),
            ("C10", "Accantonamenti ed altri oneri pluriennali", COSTO),
            ("C11", "Imposte", COSTO),
            ("R01", "Ricavi da Comuni soci per servizi (contratti di servizio)", RICAVO),
            ("R02", "Ricavi da fondi d'Ambito", RICAVO),
            ("R03", "Contributi e ricavi da terzi e utenza", RICAVO),
        ],
    ),
    "cc": (
        "Conto economico civilistico (art. 2425 c.c.)",
        "Codice civile, art. 2425; Relazione sulla gestione 2021",
        [
            ("A1", "Ricavi delle vendite e delle prestazioni", RICAVO),
            ("A5", "Altri ricavi e proventi (contributi in conto esercizio)", RICAVO),
            ("B6", "Materie prime, sussidiarie, di consumo e merci", COSTO),
            ("B7", "Servizi", COSTO),
            ("B8", "Godimento di beni di terzi", COSTO),
            ("B9", "Personale", COSTO),
            ("B10", "Ammortamenti e svalutazioni", COSTO),
            ("B11", "Variazione delle rimanenze", COSTO),
            ("B12", "Accantonamenti per rischi", COSTO),
            ("B13", "Altri accantonamenti", COSTO),
            ("B14", "Oneri diversi di gestione", COSTO),
            ("C16", "Altri proventi finanziari", RICAVO),
            ("C17", "Interessi e altri oneri finanziari", COSTO),
            ("20", "Imposte sul reddito dell'esercizio", COSTO),
        ],
    ),
}
