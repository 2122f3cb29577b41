social-title = Accedi con il tuo account
social-continue = Continua con { $provider }
social-notice = Continuando accetti le condizioni d'uso e l'informativa sulla privacy (in fondo a questa pagina).
error-social-invalid = Questo accesso non è valido qui o è scaduto; accedi di nuovo.
error-social-used = Questo accesso è già stato usato; accedi di nuovo.
error-social-other-device = Questo accesso è stato iniziato su un altro dispositivo; accedi di nuovo da questo.
