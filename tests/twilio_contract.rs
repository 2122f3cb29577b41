//! Contract test (not interop: no Twilio here): the Twilio sender against a local server that
//! checks what Twilio's Messages API documents (`tests/peers/twilio_contract.py`).

mod common;

use common::peers::{TwilioContract, free_port};
use hotspotd::delivery::{DeliveryError, SmsSender, TwilioSender};
use hotspotd::model::outbound::{Secret, Twilio};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "contract-token";

fn sender(
    server: &TwilioContract,
    token: &str,
    from: Option<&str>,
    service: Option<&str>,
) -> TwilioSender {
    TwilioSender::new(&Twilio {
        api_base: format!("http://127.0.0.1:{}", server.port),
        account_sid: SID.into(),
        auth_token: Secret(token.into()),
        from: from.map(str::to_owned),
        messaging_service_sid: service.map(str::to_owned),
    })
    .unwrap()
}

#[tokio::test]
async fn contract_a_message_is_a_form_post_with_basic_auth_and_the_documented_fields() {
    let server = TwilioContract::start(None, free_port(), SID, TOKEN);
    let sid = sender(&server, TOKEN, Some("+15005550006"), None)
        .send("+393331234567", "482913 is your Wi-Fi code")
        .await
        .unwrap();
    assert!(sid.starts_with("SM"), "{sid}");
    let service = sender(&server, TOKEN, None, Some("MG0123"))
        .send("+41791234567", "Code 111222")
        .await
        .unwrap();
    assert_ne!(service, sid);
    let sent = server.messages();
    assert_eq!(sent[0]["To"], "+393331234567");
    assert_eq!(sent[0]["From"], "+15005550006");
    assert_eq!(sent[0]["Body"], "482913 is your Wi-Fi code");
    assert_eq!(sent[1]["MessagingServiceSid"], "MG0123");
    assert!(sent[1].get("From").is_none());
}

#[tokio::test]
async fn contract_errors_are_permanent_or_retryable_by_their_code() {
    let server = TwilioContract::start(None, free_port(), SID, TOKEN);
    let wrong_token = sender(&server, "stolen", Some("+15005550006"), None)
        .send("+393331234567", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(&wrong_token, DeliveryError::Permanent(m) if m.contains("20003")),
        "{wrong_token}"
    );
    let throttled = sender(&server, TOKEN, Some("+15005550006"), None)
        .send("+15005550429", "x")
        .await
        .unwrap_err();
    assert!(throttled.is_retryable(), "{throttled}");
    let bad_sender = sender(&server, TOKEN, Some("Venue"), None)
        .send("+393331234567", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(&bad_sender, DeliveryError::Permanent(m) if m.contains("21212")),
        "{bad_sender}"
    );
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn contract_an_unreachable_api_is_retryable() {
    let down = TwilioSender::new(&Twilio {
        api_base: format!("http://127.0.0.1:{}", free_port()),
        account_sid: SID.into(),
        auth_token: Secret(TOKEN.into()),
        from: Some("+15005550006".into()),
        messaging_service_sid: None,
    })
    .unwrap();
    assert!(
        down.send("+393331234567", "x")
            .await
            .unwrap_err()
            .is_retryable()
    );
}
