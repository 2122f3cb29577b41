social-title = Se connecter avec votre compte
social-continue = Continuer avec { $provider }
social-notice = En continuant, vous acceptez les conditions d'utilisation et la politique de confidentialité (en bas de cette page).
error-social-invalid = Cette connexion n'est pas valable ici ou a expiré ; veuillez vous reconnecter.
error-social-used = Cette connexion a déjà été utilisée ; veuillez vous reconnecter.
error-social-other-device = Cette connexion a été commencée sur un autre appareil ; veuillez vous reconnecter depuis celui-ci.
