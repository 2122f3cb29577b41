//! A real OpenID Connect provider for the social-login tests: `tests/peers/op.mjs` (npm
//! `oidc-provider`, installed by `scripts/install-deps.sh`), run by Node on 127.0.0.1 or in
//! a namespace, stopped on drop. Its login page is a form with Allow and Deny; `Browser` is
//! the small cookie-keeping HTTP client a test drives it with when no real browser is needed.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The running provider.
pub struct OidcPeer {
    child: Child,
    /// `http://host:port`.
    pub issuer: String,
}

impl OidcPeer {
    /// Starts the provider for a client whose callback is `redirect_uri`, in `ns` (or here),
    /// listening on `host`. Fails loudly when Node or the package is missing.
    pub fn start(redirect_uri: &str, ns: Option<&str>, host: &str) -> OidcPeer {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers");
        assert!(
            dir.join("node_modules/oidc-provider/package.json").exists(),
            "npm package oidc-provider missing in tests/peers: run scripts/install-deps.sh"
        );
        let mut cmd = match ns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, "node", "op.mjs"]);
                c
            }
            None => {
                let mut c = Command::new("node");
                c.arg("op.mjs");
                c
            }
        };
        let mut child = cmd
            .current_dir(&dir)
            .env("REDIRECT_URI", redirect_uri)
            .env("OP_HOST", host)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node (install Node.js): {e}"));
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        stdout.read_line(&mut line).expect("provider's first line");
        // The rest is notices; read on, so the provider never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let first: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|_| panic!("op.mjs did not start: {line:?}"));
        OidcPeer {
            child,
            issuer: first["issuer"].as_str().expect("issuer").to_string(),
        }
    }
}

impl Drop for OidcPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A guest's browser without a window: keeps cookies (by name, for any path), follows no
/// redirect by itself.
pub struct Browser {
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl Default for Browser {
    fn default() -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: Vec::new(),
        }
    }
}

impl Browser {
    async fn send(&mut self, req: reqwest::RequestBuilder) -> (u16, String, String) {
        let cookie = (self.cookies.iter())
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let res = req.header("cookie", cookie).send().await.expect("request");
        for set in res.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap_or("").split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.retain(|(name, _)| name != k);
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        let status = res.status().as_u16();
        let location = (res.headers().get("location"))
            .and_then(|l| l.to_str().ok())
            .unwrap_or("")
            .to_string();
        (status, location, res.text().await.unwrap_or_default())
    }

    /// GET `url`.
    pub async fn get(&mut self, url: &str) -> (u16, String, String) {
        let req = self.http.get(url);
        self.send(req).await
    }

    /// POST a form to `url`.
    pub async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let req = self.http.post(url).form(form);
        self.send(req).await
    }

    /// From the provider's authorization address to the callback address it redirects to,
    /// answering its login page with `decision` (`allow` or `deny`) as `account`.
    pub async fn through_provider(
        &mut self,
        issuer: &str,
        authorize: &str,
        account: &str,
        decision: &str,
    ) -> String {
        let mut url = authorize.to_string();
        let mut answered = false;
        for _ in 0..10 {
            let absolute = if url.starts_with('/') {
                format!("{issuer}{url}")
            } else {
                url.clone()
            };
            if !absolute.starts_with(issuer) {
                return absolute;
            }
            let (status, location, body) = if absolute.contains("/interaction/") && !answered {
                answered = true;
                let (status, _, page) = self.get(&absolute).await;
                assert_eq!(status, 200, "provider's login page: {page}");
                self.post(&absolute, &[("login", account), ("decision", decision)])
                    .await
            } else {
                self.get(&absolute).await
            };
            assert!((300..400).contains(&status), "{absolute}: {status} {body}");
            url = location;
        }
        panic!("the provider never sent the browser back");
    }
}
