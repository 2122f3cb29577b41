//! The delivery module against real peers: Debian's aiosmtpd (SMTP) and Kannel (the generic
//! HTTP SMS gateway), started here on loopback.

mod common;

use common::peers::{Kannel, SmsSink, Smtp, free_port};
use hotspotd::delivery::{DeliveryError, HttpSmsGateway, Mail, Mailer, SmsSender};
use hotspotd::model::outbound::{HttpGateway, HttpMethod, SmtpSecurity, SmtpServer};

fn mailer(port: u16) -> Mailer {
    Mailer::new(&SmtpServer {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::Plain,
        from: "wifi@hotel.example".into(),
        from_name: None,
        credentials: None,
    })
    .unwrap()
}

fn mail(subject: &str) -> Mail {
    Mail {
        subject: subject.into(),
        text: "Il tuo codice: 482913\nhttp://10.77.0.1:2050/e/abc".into(),
        html: "<p>Il tuo codice: <b>482913</b></p>".into(),
    }
}

#[tokio::test]
async fn a_mail_reaches_the_smtp_server_with_text_and_html_and_no_injected_header() {
    let smtp = Smtp::start(None, free_port());
    mailer(smtp.port)
        .send(
            "guest@example.org",
            "Caffè Roma",
            mail("Codice Wi-Fi\r\nBcc: spy@evil.example"),
        )
        .await
        .unwrap();
    let m = smtp.wait_message(1);
    assert!(m.contains("X-RcptTo: guest@example.org"), "{m}");
    assert!(
        !m.lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{m}"
    );
    assert!(
        !m.contains("X-RcptTo: guest@example.org,"),
        "one recipient only: {m}"
    );
    assert!(m.contains("text/plain") && m.contains("text/html"), "{m}");
    assert!(
        m.contains("From: =?utf-8?b?") || m.contains("Caff"),
        "sender name: {m}"
    );

    // An address carrying a header is refused before anything is sent.
    let e = mailer(smtp.port)
        .send("a@b.c\r\nBcc: x@y.z", "Caffè Roma", mail("Code"))
        .await
        .unwrap_err();
    assert!(matches!(e, DeliveryError::Recipient(_)), "{e}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(smtp.messages().len(), 1, "nothing else was delivered");
}

#[tokio::test]
async fn a_server_that_is_down_is_a_retryable_failure() {
    let e = mailer(free_port())
        .send("guest@example.org", "Bar", mail("Code"))
        .await
        .unwrap_err();
    assert!(e.is_retryable(), "{e}");
}

fn kannel_gateway(kannel: &Kannel, password: &str, success: Option<&str>) -> HttpSmsGateway {
    HttpSmsGateway::new(&HttpGateway {
        method: HttpMethod::Get,
        url: kannel.url_template(password),
        body: None,
        from: "Caffè Roma".into(),
        success_body: success.map(str::to_owned),
    })
    .unwrap()
}

#[tokio::test]
async fn kannel_delivers_the_sms_with_number_and_text_intact() {
    let sink = SmsSink::start(None, free_port());
    let kannel = Kannel::start(None, sink.port);
    let gw = kannel_gateway(&kannel, "s3cret", Some("Accepted"));
    let answer = gw
        .send(
            "+393331234567",
            "482913 è il tuo codice Wi-Fi & co: valido 10 minuti",
        )
        .await
        .unwrap();
    assert!(answer.contains("Accepted"), "{answer}");
    let sms = sink.wait_message(1);
    assert_eq!(sms["to"], "+393331234567");
    assert_eq!(sms["from"], "Caffè Roma");
    assert_eq!(
        sms["text"],
        "482913 è il tuo codice Wi-Fi & co: valido 10 minuti"
    );

    // Kannel's refusal (wrong password: 403) is permanent: retrying cannot help.
    let e = kannel_gateway(&kannel, "wrong", None)
        .send("+393331234567", "x")
        .await
        .unwrap_err();
    assert!(matches!(e, DeliveryError::Permanent(_)), "{e}");
    // A number that is not E.164 never reaches the URL.
    let e = gw.send("393331234567&to=+1900", "x").await.unwrap_err();
    assert!(matches!(e, DeliveryError::Recipient(_)), "{e}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn a_2xx_answer_without_the_success_pattern_is_not_a_sent_sms() {
    let sink = SmsSink::start(None, free_port());
    let kannel = Kannel::start(None, sink.port);
    // Kannel answers 202 "0: Accepted for delivery"; a pattern it never says fails the send.
    let e = kannel_gateway(&kannel, "s3cret", Some("^OK$"))
        .send("+393331234567", "x")
        .await
        .unwrap_err();
    assert!(matches!(e, DeliveryError::Permanent(_)), "{e}");
}
