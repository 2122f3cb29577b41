//! What a guest does in the lab: HTTP through the gateway, logging in and out at the portal.

use std::process::Output;

use super::lab::{GATEWAY, Lab, PORTAL};

/// The form token in a portal page ("" if none).
fn token_of(page: &str) -> String {
    let field = "name=\"token\" value=\"";
    page.find(field)
        .and_then(|at| page[at + field.len()..].split('"').next())
        .unwrap_or_default()
        .to_string()
}

impl Lab {
    /// curl from guest `i`; returns stdout. `-s` and a 5 s limit are added.
    pub fn curl(&self, i: usize, args: &[&str]) -> Output {
        self.curl_in(&self.guest(i), args)
    }

    /// curl from the guest in namespace `ns` (any network's), as [`Lab::curl`].
    pub fn curl_in(&self, ns: &str, args: &[&str]) -> Output {
        let mut full = vec!["curl", "-s", "-m", "5"];
        full.extend_from_slice(args);
        self.in_ns(ns, &full)
    }

    /// (HTTP status or "000", redirect target) of a GET from the guest in namespace `ns`.
    pub fn get_in(&self, ns: &str, url: &str) -> (String, String) {
        let out = self.curl_in(
            ns,
            &["-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", url],
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (status, location) = text.split_once(' ').unwrap_or((&text, ""));
        (status.to_string(), location.to_string())
    }

    /// Bytes guest `i` received of a `bytes`-byte download from the upstream server within
    /// `max_secs` (a policed, cut or ended transfer receives fewer).
    pub fn downloaded(&self, i: usize, bytes: u64, max_secs: u32) -> u64 {
        let url = format!("http://example.com/bytes/{bytes}");
        let limit = max_secs.to_string();
        let out = self.curl(
            i,
            &[
                "-m",
                &limit,
                "-o",
                "/dev/null",
                "-w",
                "%{size_download}",
                &url,
            ],
        );
        String::from_utf8_lossy(&out.stdout).parse().unwrap_or(0)
    }

    /// The form token of a portal page shown to the guest in namespace `ns` (the portal
    /// refuses posts without one, as a browser sends them from the page).
    pub fn form_token_in(&self, ns: &str, portal: &str) -> String {
        let out = self.curl_in(ns, &["-L", &format!("{portal}/")]);
        token_of(&String::from_utf8_lossy(&out.stdout))
    }

    /// The form token of a portal page shown to guest `i` at its extra address `source`.
    pub fn form_token_from(&self, i: usize, source: &str) -> String {
        let out = self.curl(i, &["-L", "--interface", source, &format!("{PORTAL}/")]);
        token_of(&String::from_utf8_lossy(&out.stdout))
    }

    /// HTTP status of guest `i`'s logout at the portal (through the status page's form).
    pub fn logout(&self, i: usize) -> String {
        let url = format!("{PORTAL}/logout");
        let token = format!("token={}", self.form_token_in(&self.guest(i), PORTAL));
        let out = self.curl(
            i,
            &["-o", "/dev/null", "-w", "%{http_code}", "-d", &token, &url],
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// HTTP status code of a GET from guest `i` ("000" when the connection failed).
    pub fn status(&self, i: usize, url: &str) -> String {
        let out = self.curl(i, &["-o", "/dev/null", "-w", "%{http_code}", url]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Posts a code from guest `i`; returns (HTTP status, body, Location header).
    pub fn login(&self, i: usize, code: &str, dst: &str) -> (String, String, String) {
        self.login_at(&self.guest(i), PORTAL, code, dst)
    }

    /// Posts a code from the guest in namespace `ns` to the portal at `portal`, as
    /// [`Lab::login`].
    pub fn login_at(
        &self,
        ns: &str,
        portal: &str,
        code: &str,
        dst: &str,
    ) -> (String, String, String) {
        let token = format!("token={}", self.form_token_in(ns, portal));
        let out = self.curl_in(
            ns,
            &[
                "-D",
                "-",
                "-d",
                &token,
                "--data-urlencode",
                &format!("code={code}"),
                "--data-urlencode",
                &format!("dst={dst}"),
                &format!("{portal}/login"),
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let status = text.split_whitespace().nth(1).unwrap_or("000").to_string();
        let location = text
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .starts_with("location:")
                    .then(|| l[9..].trim().to_string())
            })
            .unwrap_or_default();
        (status, text, location)
    }

    /// Logs guest `i` in with an account; returns (HTTP status, body).
    pub fn login_account(&self, i: usize, username: &str, password: &str) -> (String, String) {
        let token = format!("token={}", self.form_token_in(&self.guest(i), PORTAL));
        let out = self.curl(
            i,
            &[
                "-D",
                "-",
                "-d",
                &token,
                "--data-urlencode",
                &format!("username={username}"),
                "--data-urlencode",
                &format!("password={password}"),
                &format!("{PORTAL}/login"),
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (
            text.split_whitespace().nth(1).unwrap_or("000").to_string(),
            text,
        )
    }

    /// Sends a DHCP frame from a namespace's interface (its own MAC as source).
    pub fn dhcp_frame(&self, ns: &str, iface: &str, args: &[&str]) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/dhcp_frame.py");
        let mut full = vec!["python3", script, iface];
        full.extend_from_slice(args);
        let out = self.in_ns(ns, &full);
        assert!(out.status.success(), "dhcp_frame {args:?}: {out:?}");
    }

    /// Guest `i` gives up its address and uses `ip`; the gateway forgets who had which
    /// address (pinned entries of online guests stay).
    pub fn use_address(&self, i: usize, ip: &str) {
        let g = self.guest(i);
        self.in_ns(&g, &["ip", "addr", "flush", "dev", "wlan0"]);
        self.in_ns(
            &g,
            &["ip", "addr", "add", &format!("{ip}/24"), "dev", "wlan0"],
        );
        self.in_ns(&g, &["ip", "route", "add", "default", "via", GATEWAY]);
        self.in_ns(&self.gw(), &["ip", "neigh", "flush", "dev", "lan0"]);
    }

    /// Guest `i` takes a new MAC and the gateway forgets its entry for `ip`, as a guesser
    /// rotating MACs would look; returns a form token for `ip`.
    pub fn rotate_mac(&self, i: usize, mac: &str, ip: &str) -> String {
        self.in_ns(
            &self.guest(i),
            &["ip", "link", "set", "wlan0", "address", mac],
        );
        self.in_ns(&self.gw(), &["ip", "neigh", "del", ip, "dev", "lan0"]);
        format!("token={}", self.form_token_from(i, ip))
    }

    /// HTTP status of a code posted from guest `i`'s address `ip` with `token`.
    pub fn post_code_from(&self, i: usize, ip: &str, code: &str, token: &str) -> String {
        let body = format!("code={code}");
        let url = format!("{PORTAL}/login");
        let args = [
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--interface",
            ip,
            "-d",
            &body,
            "-d",
            token,
            &url,
        ];
        String::from_utf8_lossy(&self.curl(i, &args).stdout).into_owned()
    }
}
