signup-title = Buy access
signup-valid = Valid { $validity } from first use; up to { $devices ->
    [one] { $devices } device
   *[other] { $devices } devices
}.
signup-devices = Up to { $devices ->
    [one] { $devices } device
   *[other] { $devices } devices
}.
signup-order-for = Order for { $price }
signup-nothing = Nothing is on sale at the moment.
back = Back
order-title = Your order
order-heading = Your order { $reference }
order-checking = This page checks every few seconds.
order-cancelled = This order was cancelled.
order-pay-at-desk = Please pay { $price } for "{ $profile }" at the front desk and show this reference: { $reference }. This page logs you in as soon as staff confirm.
