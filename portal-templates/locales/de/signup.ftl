signup-title = Zugang kaufen
signup-valid = Gültig { $validity } ab der ersten Nutzung; bis zu { $devices ->
    [one] { $devices } Gerät
   *[other] { $devices } Geräte
}.
signup-devices = Bis zu { $devices ->
    [one] { $devices } Gerät
   *[other] { $devices } Geräte
}.
signup-order-for = Bestellen für { $price }
signup-nothing = Zurzeit wird nichts angeboten.
back = Zurück
order-title = Ihre Bestellung
order-heading = Ihre Bestellung { $reference }
order-checking = Diese Seite prüft alle paar Sekunden.
order-cancelled = Diese Bestellung wurde storniert.
order-pay-at-desk = Bitte bezahlen Sie { $price } für „{ $profile }“ an der Rezeption und zeigen Sie diese Referenz: { $reference }. Diese Seite meldet Sie an, sobald das Personal bestätigt.
