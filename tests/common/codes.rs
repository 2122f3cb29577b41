//! A lab whose daemon sends codes: peers in the gateway namespace, `[smtp]`/`[sms]` in the
//! machine config, the methods switched on in the hotspot settings.

use std::time::{Duration, Instant};

use super::lab::{Lab, PORTAL};
use super::peers::{Kannel, SmsSink, Smtp, TwilioContract};

/// SMTP port in the gateway namespace.
pub const SMTP_PORT: u16 = 2525;
/// SMS sink port in the gateway namespace.
pub const SINK_PORT: u16 = 13050;

/// The lab and its peers (kept alive as long as the test holds this).
pub struct CodesLab {
    pub lab: Lab,
    pub smtp: Option<Smtp>,
    pub sink: Option<SmsSink>,
    pub kannel: Option<Kannel>,
    pub twilio: Option<TwilioContract>,
}

/// Which SMS provider the lab's daemon uses.
pub enum Sms {
    None,
    Kannel,
    Twilio,
}

impl CodesLab {
    /// `guests` guests; SMTP always, the SMS provider as asked; profile `day` exists; the
    /// settings get `methods` (a JSON object merged into `methods`).
    pub fn start(guests: usize, sms: Sms, methods: serde_json::Value) -> CodesLab {
        let mut lab = Lab::without_daemon(guests, "");
        let gw = lab.gw();
        let smtp = Smtp::start(Some(&gw), SMTP_PORT);
        let mut extra = format!(
            "[metrics]\nlisten = \"127.0.0.1:9108\"\n[smtp]\nhost = \"127.0.0.1\"\nport = {SMTP_PORT}\nsecurity = \"plain\"\nfrom = \"wifi@cafe.example\"\n"
        );
        let (mut sink, mut kannel, mut twilio) = (None, None, None);
        match sms {
            Sms::None => {}
            Sms::Kannel => {
                let s = SmsSink::start(Some(&gw), SINK_PORT);
                let k = Kannel::start(Some(&gw), s.port);
                extra.push_str(&format!(
                    "[sms]\nprovider = \"http\"\nurl = \"{}\"\nfrom = \"TestCafe\"\nsuccess_body = \"Accepted\"\n",
                    k.url_template("s3cret")
                ));
                sink = Some(s);
                kannel = Some(k);
            }
            Sms::Twilio => {
                let t = TwilioContract::start(Some(&gw), 18080, "AC1", "tok");
                extra.push_str(
                    "[sms]\nprovider = \"twilio\"\napi_base = \"http://127.0.0.1:18080\"\naccount_sid = \"AC1\"\nauth_token = \"tok\"\nfrom = \"+15005550006\"\n",
                );
                twilio = Some(t);
            }
        }
        let mut text = std::fs::read_to_string(&lab.config).unwrap();
        text.push_str(&extra);
        std::fs::write(&lab.config, text).unwrap();
        lab.start_daemon();
        lab.ok(&[
            "profile",
            "add",
            "day",
            "--name-for-users",
            "Day pass",
            "--validity",
            "1d",
        ]);
        let codes = CodesLab {
            lab,
            smtp: Some(smtp),
            sink,
            kannel,
            twilio,
        };
        codes.set_methods(methods);
        codes
    }

    /// Merges `methods` into the settings' `methods` and imports the document (applied live).
    pub fn set_methods(&self, methods: serde_json::Value) {
        let shown = self.lab.ok(&["settings", "show", "--json"]);
        let mut doc: serde_json::Value = serde_json::from_str(&shown).expect("settings JSON");
        merge(&mut doc["methods"], methods);
        let file = self.lab.dir.path().join("settings.json");
        std::fs::write(&file, doc.to_string()).unwrap();
        self.lab.ok(&["settings", "import", file.to_str().unwrap()]);
    }

    /// The 6-digit code in a delivered text (mail or SMS): the first run of exactly six
    /// digits.
    pub fn code_in(text: &str) -> String {
        text.split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == 6)
            .unwrap_or_else(|| panic!("no 6-digit code in {text}"))
            .to_string()
    }

    /// The mail's link.
    pub fn link_in(mail: &str) -> String {
        let start = mail
            .find(&format!("{PORTAL}/e/"))
            .unwrap_or_else(|| panic!("no link in {mail}"));
        mail[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || ":/._-".contains(*c))
            .collect()
    }

    /// Posts a code form from guest `i` (`path` under /code/, `fields` url-encoded by curl);
    /// returns (status, body). The address and number forms get the terms accepted unless
    /// `fields` has `("no_terms", "")`.
    pub fn post(
        &self,
        i: usize,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[&str],
    ) -> (String, String) {
        let (status, body, _) = self.timed_post(i, path, fields, headers);
        (status, body)
    }

    /// As [`CodesLab::post`], with curl's time for the request (the form token is fetched
    /// before and not counted).
    pub fn timed_post(
        &self,
        i: usize,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[&str],
    ) -> (String, String, f64) {
        let token = self.lab.form_token_in(&self.lab.guest(i), PORTAL);
        let mut args: Vec<String> = vec!["-w".into(), "\n%{http_code} %{time_total}".into()];
        for h in headers {
            args.push("-H".into());
            args.push((*h).into());
        }
        args.push("--data-urlencode".into());
        args.push(format!("token={token}"));
        // The address and number forms need the terms accepted (the consent partial's box).
        if (path == "email" || path == "sms")
            && !fields.iter().any(|(k, _)| k.starts_with("no_terms"))
        {
            args.push("--data-urlencode".into());
            args.push("accept_terms=yes".into());
        }
        for (k, v) in fields.iter().filter(|(k, _)| !k.starts_with("no_terms")) {
            args.push("--data-urlencode".into());
            args.push(format!("{k}={v}"));
        }
        args.push(format!("{PORTAL}/code/{path}"));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.lab.curl(i, &refs);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, last) = text.rsplit_once('\n').unwrap_or(("", &text));
        let (status, secs) = last.split_once(' ').unwrap_or((last, "0"));
        (
            status.to_string(),
            body.to_string(),
            secs.parse().unwrap_or(0.0),
        )
    }

    /// `hotspotd status --json`.
    pub fn code_status(&self) -> serde_json::Value {
        let out = self.lab.ok(&["status", "--json"]);
        serde_json::from_str::<serde_json::Value>(&out).expect("status JSON")
    }

    /// The daemon's Prometheus exposition.
    pub fn metrics(&self) -> String {
        let out = self.lab.in_ns(
            &self.lab.gw(),
            &["curl", "-s", "http://127.0.0.1:9108/metrics"],
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits up to `secs` for `check`.
    pub fn wait(&self, secs: u64, what: &str, check: impl FnMut() -> bool) {
        self.lab.wait_until(Duration::from_secs(secs), what, check);
    }
}

fn merge(into: &mut serde_json::Value, patch: serde_json::Value) {
    match (into, patch) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Sleeps until `deadline` (for cooldowns).
pub fn sleep_until(deadline: Instant) {
    if let Some(left) = deadline.checked_duration_since(Instant::now()) {
        std::thread::sleep(left);
    }
}
