error-unknown-device = your device could not be identified on the guest network; reconnect to the Wi-Fi and try again
error-address-conflict = your device is using an address that belongs to another device; reconnect to the Wi-Fi
error-throttled = too many wrong attempts; please wait { $seconds } seconds and try again
error-code-length = a voucher code has { $length } letters and digits
error-code-character = { $character } is not used in voucher codes (they have no 0, 1, I, L or O); check the code
error-wrong-code = this code is not valid; check it and try again
error-wrong-password = wrong username or password
error-internal = the hotspot could not log you in because of an internal error; please ask staff
error-expired = This page had expired; please try again.
refused-disabled = this voucher or account has been withdrawn
refused-expired = this voucher or account has expired
refused-used-up = this voucher has already been used
refused-too-many-devices = this voucher or account is already in use on { $devices ->
    [one] { $devices } device
   *[other] { $devices } devices
}, the most it allows
refused-in-use-elsewhere = this voucher or account is already in use at another access point of this hotspot, on as many devices as it allows; log off there first
refused-outside-window = access is not available at this time of day
refused-uptime = your online time is used up
refused-transfer = your data allowance is used up
order-unknown-device = your device could not be identified on the guest network
order-no-such-offer = this offer is not available
order-not-found = no such order for this device (unpaid orders lapse after an hour)
order-too-many = this device already has the most orders waiting for payment; pay or wait for them to lapse
order-busy = the hotspot cannot take more orders just now; please ask staff
order-internal = the hotspot could not handle the order; please ask staff
