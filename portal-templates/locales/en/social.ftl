social-title = Sign in with your account
social-continue = Continue with { $provider }
social-notice = By continuing you accept the terms of use and the privacy notice (at the foot of this page).
error-social-invalid = This sign-in is not valid here or has expired; please sign in again.
error-social-used = This sign-in was already used; please sign in again.
error-social-other-device = This sign-in was started on another device; please sign in again from this one.
