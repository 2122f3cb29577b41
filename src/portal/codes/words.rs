//! The words of a code message in the guest's language: the mail (text and HTML, from
//! `portal-templates/mail/`) and the SMS.

use askama::Template;
use fluent_templates::fluent_bundle::FluentValue;
use tracing::error;

use crate::gateway::{CodeTexts, Mail};
use crate::portal::i18n::Texts;

#[derive(Template)]
#[template(path = "mail/code.html")]
struct MailHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    intro: &'a str,
    code: &'a str,
    validity: &'a str,
    link_text: &'a str,
    link: &'a str,
    ignore: &'a str,
}

#[derive(Template)]
#[template(path = "mail/code.txt")]
struct MailText<'a> {
    intro: &'a str,
    code: &'a str,
    validity: &'a str,
    link_text: &'a str,
    link: &'a str,
    ignore: &'a str,
}

/// The mail and SMS words in the guest's language.
pub(super) struct Words {
    pub(super) t: Texts,
    pub(super) name: String,
}

impl CodeTexts for Words {
    fn mail(&self, code: &str, link: &str) -> Mail {
        let t = &self.t;
        let subject = t.with("codes-mail-subject", "name", &self.name);
        let intro = t.with("codes-mail-intro", "name", &self.name);
        let (validity, link_text, ignore) = (
            t.get("codes-mail-validity"),
            t.get("codes-mail-link"),
            t.get("codes-mail-ignore"),
        );
        let text = MailText {
            intro: &intro,
            code,
            validity: &validity,
            link_text: &link_text,
            link,
            ignore: &ignore,
        };
        let html = MailHtml {
            lang: t.lang.code(),
            subject: &subject,
            intro: &intro,
            code,
            validity: &validity,
            link_text: &link_text,
            link,
            ignore: &ignore,
        };
        Mail {
            // Both templates are ours and compiled; a failure would be a bug, and the code
            // still reaches the guest in the other part.
            text: text.render().unwrap_or_else(|e| {
                error!(error = %e, "mail text template failed");
                format!("{intro} {code}")
            }),
            html: html.render().unwrap_or_else(|e| {
                error!(error = %e, "mail HTML template failed");
                format!("<p>{code}</p>")
            }),
            subject,
        }
    }

    fn sms(&self, code: &str) -> String {
        self.t.with_args(
            "codes-sms-text",
            &[
                ("code", FluentValue::from(code.to_owned())),
                ("name", FluentValue::from(self.name.clone())),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::settings::Lang;

    #[test]
    fn a_code_with_a_leading_zero_stays_six_digits_in_every_language() {
        for lang in Lang::ALL {
            let words = Words {
                t: Texts::new(lang),
                name: "Bar 42".into(),
            };
            let sms = words.sms("012345");
            assert!(
                sms.contains("012345") && sms.contains("Bar 42"),
                "{lang}: {sms}"
            );
            let mail = words.mail("012345", "http://10.0.0.1:2050/e/ab");
            assert!(
                mail.text.contains("012345") && mail.html.contains("012345"),
                "{lang}"
            );
            assert!(
                mail.html.contains("href=\"http://10.0.0.1:2050/e/ab\""),
                "{}",
                mail.html
            );
            assert!(
                !mail.subject.contains("codes-"),
                "{lang}: a missing key: {}",
                mail.subject
            );
        }
    }

    #[test]
    fn the_hotspot_name_is_escaped_in_the_html_part() {
        let words = Words {
            t: Texts::new(Lang::En),
            name: "<b>Bar</b>".into(),
        };
        let mail = words.mail("123456", "http://10.0.0.1:2050/e/ab");
        assert!(!mail.html.contains("<b>Bar</b>"), "{}", mail.html);
    }
}
