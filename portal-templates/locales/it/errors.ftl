error-unknown-device = non è stato possibile identificare il tuo dispositivo sulla rete ospiti; riconnettiti al Wi-Fi e riprova
error-address-conflict = il tuo dispositivo usa un indirizzo che appartiene a un altro dispositivo; riconnettiti al Wi-Fi
error-throttled = troppi tentativi errati; attendi { $seconds } secondi e riprova
error-code-length = un codice voucher ha { $length } lettere e cifre
error-code-character = { $character } non è usato nei codici voucher (non contengono 0, 1, I, L né O); controlla il codice
error-wrong-code = questo codice non è valido; controllalo e riprova
error-wrong-password = nome utente o password errati
error-internal = l'hotspot non è riuscito a connetterti per un errore interno; rivolgiti al personale
error-expired = Questa pagina era scaduta; riprova.
refused-disabled = questo voucher o account è stato revocato
refused-expired = questo voucher o account è scaduto
refused-used-up = questo voucher è già stato usato
refused-too-many-devices = questo voucher o account è già in uso su { $devices ->
    [one] { $devices } dispositivo
   *[other] { $devices } dispositivi
}, il massimo consentito
refused-in-use-elsewhere = questo voucher o account è già in uso su un altro punto di accesso di questo hotspot, su tutti i dispositivi consentiti; esci prima da lì
refused-outside-window = l'accesso non è disponibile a quest'ora del giorno
refused-uptime = il tuo tempo online è esaurito
refused-transfer = il tuo traffico dati è esaurito
order-unknown-device = non è stato possibile identificare il tuo dispositivo sulla rete ospiti
order-no-such-offer = questa offerta non è disponibile
order-not-found = nessun ordine di questo tipo per questo dispositivo (gli ordini non pagati scadono dopo un'ora)
order-too-many = questo dispositivo ha già il numero massimo di ordini in attesa di pagamento; paga o attendi che scadano
order-busy = l'hotspot non può accettare altri ordini in questo momento; rivolgiti al personale
order-internal = l'hotspot non è riuscito a gestire l'ordine; rivolgiti al personale
