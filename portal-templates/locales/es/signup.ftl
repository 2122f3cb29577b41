signup-title = Comprar acceso
signup-valid = Válido { $validity } desde el primer uso; hasta { $devices ->
    [one] { $devices } dispositivo
   *[other] { $devices } dispositivos
}.
signup-devices = Hasta { $devices ->
    [one] { $devices } dispositivo
   *[other] { $devices } dispositivos
}.
signup-order-for = Pedir por { $price }
signup-nothing = Ahora mismo no hay nada a la venta.
back = Volver
order-title = Tu pedido
order-heading = Tu pedido { $reference }
order-checking = Esta página se comprueba cada pocos segundos.
order-cancelled = Este pedido se ha cancelado.
order-pay-at-desk = Paga { $price } por «{ $profile }» en recepción y muestra esta referencia: { $reference }. Esta página te conectará en cuanto el personal lo confirme.
