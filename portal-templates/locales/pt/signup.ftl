signup-title = Comprar acesso
signup-valid = Válido { $validity } a partir da primeira utilização; até { $devices ->
    [one] { $devices } dispositivo
   *[other] { $devices } dispositivos
}.
signup-devices = Até { $devices ->
    [one] { $devices } dispositivo
   *[other] { $devices } dispositivos
}.
signup-order-for = Encomendar por { $price }
signup-nothing = De momento não há nada à venda.
back = Voltar
order-title = A sua encomenda
order-heading = A sua encomenda { $reference }
order-checking = Esta página verifica de poucos em poucos segundos.
order-cancelled = Esta encomenda foi cancelada.
order-pay-at-desk = Pague { $price } por «{ $profile }» na receção e mostre esta referência: { $reference }. Esta página liga-o assim que o pessoal confirmar.
