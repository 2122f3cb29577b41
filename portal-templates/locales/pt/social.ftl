social-title = Entre com a sua conta
social-continue = Continuar com { $provider }
social-notice = Ao continuar aceita os termos de utilização e o aviso de privacidade (no fim desta página).
error-social-invalid = Este início de sessão não é válido aqui ou expirou; entre novamente.
error-social-used = Este início de sessão já foi usado; entre novamente.
error-social-other-device = Este início de sessão foi começado noutro dispositivo; entre novamente a partir deste.
