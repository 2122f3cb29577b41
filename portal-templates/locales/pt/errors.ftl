error-unknown-device = não foi possível identificar o seu dispositivo na rede de convidados; volte a ligar-se ao Wi-Fi e tente novamente
error-address-conflict = o seu dispositivo está a usar um endereço que pertence a outro dispositivo; volte a ligar-se ao Wi-Fi
error-throttled = demasiadas tentativas erradas; aguarde { $seconds } segundos e tente novamente
error-code-length = um código de voucher tem { $length } letras e algarismos
error-code-character = { $character } não é usado nos códigos de voucher (não têm 0, 1, I, L nem O); verifique o código
error-wrong-code = este código não é válido; verifique-o e tente novamente
error-wrong-password = nome de utilizador ou palavra-passe errados
error-internal = o hotspot não conseguiu ligá-lo devido a um erro interno; fale com o pessoal
error-expired = Esta página tinha expirado; tente novamente.
refused-disabled = este voucher ou conta foi retirado
refused-expired = este voucher ou conta expirou
refused-used-up = este voucher já foi usado
refused-too-many-devices = este voucher ou conta já está em uso em { $devices ->
    [one] { $devices } dispositivo
   *[other] { $devices } dispositivos
}, o máximo permitido
refused-in-use-elsewhere = este voucher ou conta já está em uso noutro ponto de acesso deste hotspot, em tantos dispositivos quantos permite; termine a sessão lá primeiro
refused-outside-window = o acesso não está disponível a esta hora do dia
refused-uptime = o seu tempo online esgotou-se
refused-transfer = o seu volume de dados esgotou-se
order-unknown-device = não foi possível identificar o seu dispositivo na rede de convidados
order-no-such-offer = esta oferta não está disponível
order-not-found = não existe tal encomenda para este dispositivo (as encomendas não pagas expiram ao fim de uma hora)
order-too-many = este dispositivo já tem o máximo de encomendas a aguardar pagamento; pague ou aguarde que expirem
order-busy = o hotspot não pode aceitar mais encomendas neste momento; fale com o pessoal
order-internal = o hotspot não conseguiu tratar a encomenda; fale com o pessoal
