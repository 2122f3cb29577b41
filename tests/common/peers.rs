//! Real peers of the code logins, started by the tests: an SMTP server (aiosmtpd, writing a
//! Maildir), Kannel (bearerbox + smsbox) delivering to an HTTP sink, and a Twilio contract
//! server. Each runs in a namespace (`Some(ns)`, e.g. the lab's gateway) or here (`None`),
//! on 127.0.0.1, and is stopped on drop.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A port free on this namespace's loopback now (a peer in another namespace has its own).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn spawn(ns: Option<&str>, args: &[&str], log: &Path) -> Child {
    let log = std::fs::File::create(log).expect("peer log");
    let mut cmd = match ns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns]);
            c.args(args);
            c
        }
        None => {
            let mut c = Command::new(args[0]);
            c.args(&args[1..]);
            c
        }
    };
    cmd.stdout(log.try_clone().expect("log"))
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {args:?}: {e}"))
}

/// Waits until something listens on 127.0.0.1:`port` in `ns`.
fn wait_port(ns: Option<&str>, port: u16, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(15);
    let probe = format!("exec 3<>/dev/tcp/127.0.0.1/{port}");
    loop {
        let ok = match ns {
            Some(ns) => Command::new("ip")
                .args(["netns", "exec", ns, "bash", "-c", &probe])
                .output(),
            None => Command::new("bash").args(["-c", &probe]).output(),
        }
        .is_ok_and(|o| o.status.success());
        if ok {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on port {port}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Processes stopped on drop.
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// aiosmtpd writing every message into a Maildir.
pub struct Smtp {
    pub port: u16,
    pub maildir: PathBuf,
    _dir: tempfile::TempDir,
    _procs: Procs,
}

impl Smtp {
    /// Debian's aiosmtpd (python3-aiosmtpd; `scripts/install-deps.sh`), under the system
    /// Python: a python3 earlier on PATH (pyenv) does not see Debian's modules.
    pub fn start(ns: Option<&str>, port: u16) -> Smtp {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        let log = dir.path().join("smtp.log");
        let listen = format!("127.0.0.1:{port}");
        let args = [
            "/usr/bin/python3",
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &listen,
            "-c",
            "aiosmtpd.handlers.Mailbox",
            maildir.to_str().unwrap(),
        ];
        let child = spawn(ns, &args, &log);
        let procs = Procs(vec![child]);
        wait_port(ns, port, "aiosmtpd (install python3-aiosmtpd)", &log);
        Smtp {
            port,
            maildir,
            _dir: dir,
            _procs: procs,
        }
    }

    /// Every delivered message, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(self.maildir.join("new"))
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    /// The decoded text/plain part of a raw message (Python's email package, as a mail
    /// client would read it: quoted-printable or base64 undone, soft line breaks joined).
    pub fn plain_text(raw: &str) -> String {
        let script = "import email, email.policy, sys\n\
            m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)\n\
            print(m.get_body(preferencelist=('plain',)).get_content())";
        let mut child = Command::new("/usr/bin/python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(raw.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "not a readable mail: {raw}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits for the `n`th message (1-based) and returns it.
    pub fn wait_message(&self, n: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let all = self.messages();
            if all.len() >= n {
                return all[n - 1].clone();
            }
            assert!(Instant::now() < deadline, "no mail number {n} arrived");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Where Kannel's messages arrive: one JSON line per SMS (`to`, `from`, `text`).
pub struct SmsSink {
    pub port: u16,
    pub file: PathBuf,
    _dir: tempfile::TempDir,
    _procs: Procs,
}

impl SmsSink {
    pub fn start(ns: Option<&str>, port: u16) -> SmsSink {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sms.jsonl");
        let log = dir.path().join("sink.log");
        let script = repo().join("tests/peers/sms_sink.py");
        let args = [
            "/usr/bin/python3",
            script.to_str().unwrap(),
            &port.to_string(),
            file.to_str().unwrap(),
        ];
        let procs = Procs(vec![spawn(ns, &args, &log)]);
        wait_port(ns, port, "the SMS sink", &log);
        SmsSink {
            port,
            file,
            _dir: dir,
            _procs: procs,
        }
    }

    /// Every SMS delivered so far.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("sink line"))
            .collect()
    }

    /// Waits for the `n`th SMS (1-based).
    pub fn wait_message(&self, n: usize) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let all = self.messages();
            if all.len() >= n {
                return all[n - 1].clone();
            }
            assert!(Instant::now() < deadline, "no SMS number {n} arrived");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Kannel from Debian: bearerbox with a generic HTTP SMSC delivering to `sink_port`, smsbox
/// serving `sendsms` on `sendsms_port` for user `hotspotd` / `s3cret`.
pub struct Kannel {
    pub sendsms_port: u16,
    _dir: tempfile::TempDir,
    _procs: Procs,
}

impl Kannel {
    pub fn start(ns: Option<&str>, sink_port: u16) -> Kannel {
        for bin in ["/usr/sbin/bearerbox", "/usr/sbin/smsbox"] {
            assert!(
                Path::new(bin).exists(),
                "{bin} missing: install Debian package kannel"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let (admin, boxes, mo, sendsms) = (free_port(), free_port(), free_port(), free_port());
        let conf = dir.path().join("kannel.conf");
        std::fs::write(
            &conf,
            format!(
                "group = core\nadmin-port = {admin}\nadmin-password = adminpw\nsmsbox-port = {boxes}\n\
                 box-allow-ip = 127.0.0.1\nlog-level = 1\n\n\
                 group = smsc\nsmsc = http\nsmsc-id = sink\nsystem-type = generic\nport = {mo}\n\
                 connect-allow-ip = 127.0.0.1\n\
                 send-url = \"http://127.0.0.1:{sink_port}/mt?to=%p&from=%P&text=%a\"\n\
                 status-success-regex = \"Sent\"\n\n\
                 group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = {boxes}\n\
                 sendsms-port = {sendsms}\nlog-level = 1\n\n\
                 group = sendsms-user\nusername = hotspotd\npassword = s3cret\n"
            ),
        )
        .unwrap();
        let conf = conf.to_str().unwrap().to_string();
        let bb_log = dir.path().join("bearerbox.log");
        let bearerbox = spawn(ns, &["/usr/sbin/bearerbox", "-v", "1", &conf], &bb_log);
        let mut procs = Procs(vec![bearerbox]);
        wait_port(ns, boxes, "bearerbox", &bb_log);
        let sb_log = dir.path().join("smsbox.log");
        procs
            .0
            .push(spawn(ns, &["/usr/sbin/smsbox", "-v", "1", &conf], &sb_log));
        wait_port(ns, sendsms, "smsbox", &sb_log);
        Kannel {
            sendsms_port: sendsms,
            _dir: dir,
            _procs: procs,
        }
    }

    /// The `sendsms` URL template the gateway is configured with.
    pub fn url_template(&self, password: &str) -> String {
        format!(
            "http://127.0.0.1:{}/cgi-bin/sendsms?username=hotspotd&password={password}&to={{to}}&from={{from}}&text={{text}}",
            self.sendsms_port
        )
    }
}

/// The Twilio contract server (`tests/peers/twilio_contract.py`).
pub struct TwilioContract {
    pub port: u16,
    pub file: PathBuf,
    _dir: tempfile::TempDir,
    _procs: Procs,
}

impl TwilioContract {
    pub fn start(ns: Option<&str>, port: u16, sid: &str, token: &str) -> TwilioContract {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("twilio.jsonl");
        let log = dir.path().join("twilio.log");
        let script = repo().join("tests/peers/twilio_contract.py");
        let args = [
            "/usr/bin/python3",
            script.to_str().unwrap(),
            &port.to_string(),
            file.to_str().unwrap(),
            sid,
            token,
        ];
        let procs = Procs(vec![spawn(ns, &args, &log)]);
        wait_port(ns, port, "the Twilio contract server", &log);
        TwilioContract {
            port,
            file,
            _dir: dir,
            _procs: procs,
        }
    }

    /// Every message accepted, as the form fields sent.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("contract line"))
            .collect()
    }
}
