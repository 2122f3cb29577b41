//! Daemon side of the control socket.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::{ReloadLog, Request, Response};
use crate::gateway::Gateway;
use crate::model::settings::{Format, HotspotSettings};

/// Longest request line accepted: a settings document with its texts in six languages
/// (the socket is root's only).
const MAX_LINE: usize = 1 << 20;

/// Binds the socket (replacing a stale one), readable by root only.
pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// Answers requests until cancelled.
pub async fn serve(
    listener: UnixListener,
    gateway: Arc<Gateway>,
    reloads: Arc<ReloadLog>,
    cancel: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let (gw, reloads) = (gateway.clone(), reloads.clone());
                    tokio::spawn(async move {
                        if let Err(e) = handle(stream, gw, &reloads).await {
                            debug!(error = %e, "control connection ended with an error");
                        }
                    });
                }
                Err(e) => warn!(error = %e, "control socket accept failed"),
            }
        }
    }
}

async fn handle(
    stream: UnixStream,
    gateway: Arc<Gateway>,
    reloads: &ReloadLog,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(read.take(MAX_LINE as u64));
    reader.read_line(&mut line).await?;
    let response = match serde_json::from_str::<Request>(&line) {
        Ok(req) => answer(req, &gateway, reloads).await,
        Err(e) => failure(format!("bad request: {e}")),
    };
    let mut out = serde_json::to_vec(&response).unwrap_or_default();
    out.push(b'\n');
    write.write_all(&out).await
}

fn failure(message: String) -> Response {
    Response {
        ok: false,
        data: serde_json::Value::Null,
        error: Some(message),
    }
}

fn success(data: serde_json::Value) -> Response {
    Response {
        ok: true,
        data,
        error: None,
    }
}

async fn answer(req: Request, gateway: &Gateway, reloads: &ReloadLog) -> Response {
    match req {
        Request::Clients => success(json!(gateway.clients().await)),
        Request::EndUser { user_id } => match gateway.end_user_sessions(user_id).await {
            Ok(n) => success(json!({"ended": n})),
            Err(e) => failure(e.to_string()),
        },
        Request::ReloadUser { user_id } => match gateway.reload_user(user_id).await {
            Ok(online) => success(json!({"online": online})),
            Err(e) => failure(e.to_string()),
        },
        Request::ReloadAccess => match gateway.apply_access().await {
            Ok(lists) => success(
                json!({"allow": lists.allow.len(), "block": lists.block.len(), "garden": lists.garden.len()}),
            ),
            Err(e) => failure(e.to_string()),
        },
        Request::Devices => success(json!(gateway.devices().await)),
        Request::Auth { device, profile } => match gateway.authorize(&device, profile).await {
            Ok(view) => success(json!(view)),
            Err(e) => failure(e.to_string()),
        },
        Request::Deauth { device } => match gateway.deauthorize(&device).await {
            Ok(()) => success(json!({"ended": 1})),
            Err(e) => failure(e.to_string()),
        },
        Request::SetSettings {
            document,
            base,
            source,
        } => match HotspotSettings::from_text(&document, Format::Json) {
            Ok(doc) => match gateway.apply_settings(doc, base, &source).await {
                Ok(revision) => success(json!({"revision": revision})),
                Err(e) => failure(e.to_string()),
            },
            Err(e) => failure(e.to_string()),
        },
        Request::Status => {
            let mut status = gateway.status().await;
            if let Some(fields) = status.as_object_mut() {
                fields.extend(reloads.status_fields());
            }
            success(status)
        }
        Request::Listeners => {
            // The restart-only settings the daemon started with, not the reloaded ones.
            let own: Vec<String> = (gateway.config.listen_addrs().iter())
                .map(ToString::to_string)
                .collect();
            success(json!(own))
        }
    }
}
