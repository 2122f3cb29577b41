social-title = Mit Ihrem Konto anmelden
social-continue = Weiter mit { $provider }
social-notice = Wenn Sie fortfahren, akzeptieren Sie die Nutzungsbedingungen und die Datenschutzhinweise (unten auf dieser Seite).
error-social-invalid = Diese Anmeldung ist hier nicht gültig oder abgelaufen; bitte melden Sie sich erneut an.
error-social-used = Diese Anmeldung wurde bereits verwendet; bitte melden Sie sich erneut an.
error-social-other-device = Diese Anmeldung wurde auf einem anderen Gerät begonnen; bitte melden Sie sich auf diesem Gerät erneut an.
