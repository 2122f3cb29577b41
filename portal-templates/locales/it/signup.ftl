signup-title = Acquista l'accesso
signup-valid = Valido { $validity } dal primo utilizzo; fino a { $devices ->
    [one] { $devices } dispositivo
   *[other] { $devices } dispositivi
}.
signup-devices = Fino a { $devices ->
    [one] { $devices } dispositivo
   *[other] { $devices } dispositivi
}.
signup-order-for = Ordina per { $price }
signup-nothing = Al momento non c'è nulla in vendita.
back = Indietro
order-title = Il tuo ordine
order-heading = Il tuo ordine { $reference }
order-checking = Questa pagina si aggiorna ogni pochi secondi.
order-cancelled = Questo ordine è stato annullato.
order-pay-at-desk = Paga { $price } per "{ $profile }" alla reception e mostra questo riferimento: { $reference }. Questa pagina ti connette appena il personale conferma.
