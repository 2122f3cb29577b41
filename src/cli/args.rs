//! Arguments of the management subcommands.

use clap::{Args, Subcommand};

/// `hotspotd voucher …`
#[derive(Debug, Subcommand)]
pub enum VoucherCommand {
    /// Create a batch of vouchers and print their codes (shown only now: only hashes are kept).
    Create(CreateArgs),
    /// List vouchers (without codes).
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke vouchers; devices online with them are logged off.
    Revoke {
        /// Voucher ids (from `voucher list`).
        #[arg(required = true)]
        ids: Vec<i64>,
    },
}

/// Terms of a voucher batch: an existing `--profile`, or the flags (an ad-hoc profile).
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Give each voucher this profile (see `profile list`) instead of the terms below.
    #[arg(long)]
    pub profile: Option<String>,
    /// How many vouchers.
    #[arg(long, short = 'n', default_value_t = 1)]
    pub count: u32,
    /// Validity once started: e.g. 1h, 3d, 1w, or "unlimited".
    #[arg(long, default_value = "1d")]
    pub validity: String,
    /// When validity starts: first-logon or now.
    #[arg(long, default_value = "first-logon")]
    pub starts: String,
    /// Logins allowed: single, unlimited, or a number.
    #[arg(long, default_value = "single")]
    pub uses: String,
    /// Devices online at once with one voucher.
    #[arg(long, default_value_t = 1)]
    pub shared_users: u32,
    /// Download rate limit, bits/s (e.g. 10M).
    #[arg(long)]
    pub down: Option<String>,
    /// Upload rate limit, bits/s (e.g. 2M).
    #[arg(long)]
    pub up: Option<String>,
    /// Data allowance, download + upload (e.g. 500MB, 2GiB).
    #[arg(long)]
    pub quota: Option<String>,
    /// Free text kept with the batch (e.g. "reception, room 12").
    #[arg(long, default_value = "")]
    pub note: String,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `hotspotd mac …`
#[derive(Debug, Subcommand)]
pub enum MacCommand {
    /// Let a device through without the portal.
    Allow {
        /// MAC address.
        mac: String,
        /// What it is (e.g. "lobby printer").
        #[arg(long, default_value = "")]
        note: String,
        /// Download rate limit, bits/s (e.g. 10M); unlimited without it.
        #[arg(long)]
        down: Option<String>,
        /// Upload rate limit, bits/s (e.g. 2M).
        #[arg(long)]
        up: Option<String>,
    },
    /// Drop everything from a device (logged off if online).
    Block {
        /// MAC address.
        mac: String,
        /// Why.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Remove a device's rule.
    Remove {
        /// MAC address.
        mac: String,
    },
    /// All rules, from the CLI and the config.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

/// `hotspotd garden …`
#[derive(Debug, Subcommand)]
pub enum GardenCommand {
    /// Open a destination before login (e.g. a payment provider): an IPv4 address or
    /// network, a host name, or every name under a domain (*.example.com); names are opened
    /// as guests' DNS answers resolve them. Captive-portal probe hosts are refused.
    Add {
        /// 203.0.113.7, 203.0.113.0/24, pay.example.com or *.example.com.
        destination: String,
        /// Why.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Close it again.
    Remove {
        /// The address, network or name as added.
        destination: String,
    },
    /// The garden, from the CLI and the config.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

/// `hotspotd profile …`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Create a profile.
    Add(ProfileArgs),
    /// List profiles.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Show one profile with its limitations.
    Show {
        /// Profile name.
        name: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Delete a profile nobody was ever given.
    Remove {
        /// Profile name.
        name: String,
    },
    /// Attach a limitation to a profile, optionally only inside a time window.
    Attach {
        /// Profile name.
        profile: String,
        /// Limitation name.
        limitation: String,
        /// Window start, local time HH:MM[:SS].
        #[arg(long, default_value = "00:00")]
        from: String,
        /// Window end, HH:MM[:SS] (24:00 = end of day; before `from` wraps past midnight).
        #[arg(long, default_value = "24:00")]
        till: String,
        /// Weekdays: all, or a list/ranges like mon-fri,sun.
        #[arg(long, default_value = "all")]
        days: String,
    },
}

/// What a profile is.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Unique name.
    pub name: String,
    /// Name shown to guests (default: the name).
    #[arg(long)]
    pub name_for_users: Option<String>,
    /// Wall-clock lifetime once started (1h, 3d, …) or "unlimited".
    #[arg(long, default_value = "unlimited")]
    pub validity: String,
    /// When validity starts: first-logon or now (at assignment).
    #[arg(long, default_value = "first-logon")]
    pub starts: String,
    /// Price (e.g. 4.50); omit for free. Priced profiles are offered on the signup page.
    #[arg(long)]
    pub price: Option<String>,
    /// Devices online at once per user.
    #[arg(long, default_value_t = 1)]
    pub shared_users: u32,
    /// Outside every window of its limitations: deny (no access) or unlimited (no limits).
    #[arg(long, default_value = "deny")]
    pub outside_windows: String,
    /// Owner.
    #[arg(long, default_value = "admin")]
    pub owner: String,
}

/// `hotspotd limitation …`
#[derive(Debug, Subcommand)]
pub enum LimitationCommand {
    /// Create a limitation.
    Add(LimitationArgs),
    /// List limitations.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

/// What a limitation limits; every limit is optional.
#[derive(Debug, Args)]
pub struct LimitationArgs {
    /// Unique name.
    pub name: String,
    /// Online time per period (e.g. 2h).
    #[arg(long)]
    pub uptime: Option<String>,
    /// Bytes to the guest per period (e.g. 1GB).
    #[arg(long)]
    pub download: Option<String>,
    /// Bytes from the guest per period.
    #[arg(long)]
    pub upload: Option<String>,
    /// Download + upload per period.
    #[arg(long)]
    pub transfer: Option<String>,
    /// Download rate, bits/s (e.g. 10M).
    #[arg(long)]
    pub down: Option<String>,
    /// Upload rate, bits/s.
    #[arg(long)]
    pub up: Option<String>,
    /// Counter reset: never, hourly, daily, weekly, monthly, or a duration (e.g. 4h).
    #[arg(long, default_value = "never")]
    pub reset: String,
}

/// `hotspotd user …` (a user is named by username, or by id for vouchers)
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; prints a generated password unless one is given.
    Add {
        /// Username (letters, digits, . _ - @; not all digits).
        username: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// Give it this profile at once.
        #[arg(long)]
        profile: Option<String>,
        /// Logins allowed: unlimited, single, or a number.
        #[arg(long, default_value = "unlimited")]
        uses: String,
        /// Free text.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// List accounts.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Show a user's profiles, usage and sessions.
    Show {
        /// Username or id.
        user: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Add a profile to the end of a user's queue.
    Assign {
        /// Username or id.
        user: String,
        /// Profile name.
        profile: String,
    },
    /// Remove an assigned profile (id from `user show`).
    RemoveProfile {
        /// Username or id.
        user: String,
        /// Assignment id.
        assignment: i64,
    },
    /// Disable a user; its devices are logged off.
    Disable {
        /// Username or id.
        user: String,
    },
    /// Clear a user's usage counters.
    ResetCounters {
        /// Username or id.
        user: String,
    },
}

/// `hotspotd order …`
#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Orders (pending first).
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// The guest paid at the desk: create its access and let the waiting device in.
    Confirm {
        /// Order reference shown on the guest's screen.
        reference: String,
    },
    /// Cancel an unpaid order.
    Cancel {
        /// Order reference.
        reference: String,
    },
}

/// `hotspotd guests …`
#[derive(Debug, Subcommand)]
pub enum GuestsCommand {
    /// One guest: devices, consent ledger, sessions.
    Show {
        /// Guest id (from `hotspotd guests`).
        id: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Remove a guest's personal data (identifier, devices, answers' free text); its sessions
    /// and consent records stay, anonymised.
    Erase {
        /// Guest id.
        id: String,
    },
    /// CSV of the guests whose latest marketing consent is granted (only those), with the
    /// consent's evidence.
    ExportMarketing {
        /// Write here (readable by its owner only) instead of standard output.
        file: Option<std::path::PathBuf>,
    },
}
