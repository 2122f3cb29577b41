signup-title = Acheter un accès
signup-valid = Valable { $validity } à partir de la première utilisation ; jusqu'à { $devices ->
    [one] { $devices } appareil
   *[other] { $devices } appareils
}.
signup-devices = Jusqu'à { $devices ->
    [one] { $devices } appareil
   *[other] { $devices } appareils
}.
signup-order-for = Commander pour { $price }
signup-nothing = Rien n'est en vente pour le moment.
back = Retour
order-title = Votre commande
order-heading = Votre commande { $reference }
order-checking = Cette page se met à jour toutes les quelques secondes.
order-cancelled = Cette commande a été annulée.
order-pay-at-desk = Veuillez payer { $price } pour « { $profile } » à la réception et montrer cette référence : { $reference }. Cette page vous connecte dès que le personnel confirme.
