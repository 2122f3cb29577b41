error-unknown-device = Ihr Gerät konnte im Gästenetz nicht erkannt werden; verbinden Sie sich erneut mit dem WLAN und versuchen Sie es noch einmal
error-address-conflict = Ihr Gerät verwendet eine Adresse, die einem anderen Gerät gehört; verbinden Sie sich erneut mit dem WLAN
error-throttled = zu viele falsche Versuche; bitte warten Sie { $seconds } Sekunden und versuchen Sie es erneut
error-code-length = ein Gutscheincode hat { $length } Buchstaben und Ziffern
error-code-character = { $character } kommt in Gutscheincodes nicht vor (sie enthalten kein 0, 1, I, L oder O); prüfen Sie den Code
error-wrong-code = dieser Code ist ungültig; prüfen Sie ihn und versuchen Sie es erneut
error-wrong-password = falscher Benutzername oder falsches Passwort
error-internal = der Hotspot konnte Sie wegen eines internen Fehlers nicht anmelden; bitte wenden Sie sich an das Personal
error-expired = Diese Seite war abgelaufen; bitte versuchen Sie es erneut.
refused-disabled = dieser Gutschein oder dieses Konto wurde gesperrt
refused-expired = dieser Gutschein oder dieses Konto ist abgelaufen
refused-used-up = dieser Gutschein wurde bereits verwendet
refused-too-many-devices = dieser Gutschein oder dieses Konto wird bereits auf { $devices ->
    [one] { $devices } Gerät
   *[other] { $devices } Geräten
} verwendet, dem erlaubten Höchstwert
refused-in-use-elsewhere = dieser Gutschein oder dieses Konto wird bereits an einem anderen Zugangspunkt dieses Hotspots auf so vielen Geräten verwendet, wie erlaubt; melden Sie sich dort zuerst ab
refused-outside-window = der Zugang ist zu dieser Tageszeit nicht verfügbar
refused-uptime = Ihre Online-Zeit ist aufgebraucht
refused-transfer = Ihr Datenvolumen ist aufgebraucht
order-unknown-device = Ihr Gerät konnte im Gästenetz nicht erkannt werden
order-no-such-offer = dieses Angebot ist nicht verfügbar
order-not-found = keine solche Bestellung für dieses Gerät (unbezahlte Bestellungen verfallen nach einer Stunde)
order-too-many = dieses Gerät hat bereits die Höchstzahl an Bestellungen, die auf Zahlung warten; bezahlen Sie oder warten Sie, bis sie verfallen
order-busy = der Hotspot kann gerade keine weiteren Bestellungen annehmen; bitte wenden Sie sich an das Personal
order-internal = der Hotspot konnte die Bestellung nicht bearbeiten; bitte wenden Sie sich an das Personal
