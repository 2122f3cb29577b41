error-unknown-device = votre appareil n'a pas pu être identifié sur le réseau invités ; reconnectez-vous au Wi-Fi et réessayez
error-address-conflict = votre appareil utilise une adresse qui appartient à un autre appareil ; reconnectez-vous au Wi-Fi
error-throttled = trop de tentatives erronées ; veuillez attendre { $seconds } secondes et réessayer
error-code-length = un code de ticket comporte { $length } lettres et chiffres
error-code-character = { $character } n'est pas utilisé dans les codes de ticket (ils ne contiennent ni 0, 1, I, L ni O) ; vérifiez le code
error-wrong-code = ce code n'est pas valable ; vérifiez-le et réessayez
error-wrong-password = nom d'utilisateur ou mot de passe incorrect
error-internal = le hotspot n'a pas pu vous connecter à cause d'une erreur interne ; veuillez vous adresser au personnel
error-expired = Cette page avait expiré ; veuillez réessayer.
refused-disabled = ce ticket ou ce compte a été retiré
refused-expired = ce ticket ou ce compte a expiré
refused-used-up = ce ticket a déjà été utilisé
refused-too-many-devices = ce ticket ou ce compte est déjà utilisé sur { $devices ->
    [one] { $devices } appareil
   *[other] { $devices } appareils
}, le maximum autorisé
refused-in-use-elsewhere = ce ticket ou ce compte est déjà utilisé sur un autre point d'accès de ce hotspot, sur autant d'appareils qu'il le permet ; déconnectez-vous d'abord là-bas
refused-outside-window = l'accès n'est pas disponible à cette heure de la journée
refused-uptime = votre temps de connexion est épuisé
refused-transfer = votre volume de données est épuisé
order-unknown-device = votre appareil n'a pas pu être identifié sur le réseau invités
order-no-such-offer = cette offre n'est pas disponible
order-not-found = aucune commande de ce type pour cet appareil (les commandes impayées expirent au bout d'une heure)
order-too-many = cet appareil a déjà le nombre maximal de commandes en attente de paiement ; payez ou attendez qu'elles expirent
order-busy = le hotspot ne peut pas prendre d'autres commandes pour l'instant ; veuillez vous adresser au personnel
order-internal = le hotspot n'a pas pu traiter la commande ; veuillez vous adresser au personnel
