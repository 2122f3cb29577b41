social-title = Inicia sesión con tu cuenta
social-continue = Continuar con { $provider }
social-notice = Al continuar aceptas las condiciones de uso y el aviso de privacidad (al pie de esta página).
error-social-invalid = Este inicio de sesión no es válido aquí o ha caducado; vuelve a iniciar sesión.
error-social-used = Este inicio de sesión ya se utilizó; vuelve a iniciar sesión.
error-social-other-device = Este inicio de sesión se empezó en otro dispositivo; vuelve a iniciarlo desde este.
