error-unknown-device = no se ha podido identificar tu dispositivo en la red de invitados; vuelve a conectarte al Wi-Fi e inténtalo de nuevo
error-address-conflict = tu dispositivo usa una dirección que pertenece a otro dispositivo; vuelve a conectarte al Wi-Fi
error-throttled = demasiados intentos fallidos; espera { $seconds } segundos e inténtalo de nuevo
error-code-length = un código de bono tiene { $length } letras y cifras
error-code-character = { $character } no se usa en los códigos de bono (no contienen 0, 1, I, L ni O); revisa el código
error-wrong-code = este código no es válido; revísalo e inténtalo de nuevo
error-wrong-password = nombre de usuario o contraseña incorrectos
error-internal = el hotspot no ha podido conectarte por un error interno; pregunta al personal
error-expired = Esta página había caducado; inténtalo de nuevo.
refused-disabled = este bono o cuenta ha sido retirado
refused-expired = este bono o cuenta ha caducado
refused-used-up = este bono ya se ha usado
refused-too-many-devices = este bono o cuenta ya está en uso en { $devices ->
    [one] { $devices } dispositivo
   *[other] { $devices } dispositivos
}, el máximo permitido
refused-in-use-elsewhere = este bono o cuenta ya está en uso en otro punto de acceso de este hotspot, en tantos dispositivos como permite; cierre la sesión allí primero
refused-outside-window = el acceso no está disponible a esta hora del día
refused-uptime = tu tiempo de conexión se ha agotado
refused-transfer = tu volumen de datos se ha agotado
order-unknown-device = no se ha podido identificar tu dispositivo en la red de invitados
order-no-such-offer = esta oferta no está disponible
order-not-found = no hay tal pedido para este dispositivo (los pedidos sin pagar caducan al cabo de una hora)
order-too-many = este dispositivo ya tiene el máximo de pedidos pendientes de pago; paga o espera a que caduquen
order-busy = el hotspot no puede aceptar más pedidos ahora mismo; pregunta al personal
order-internal = el hotspot no ha podido tramitar el pedido; pregunta al personal
