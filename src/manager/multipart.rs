//! Forms that carry a file (`multipart/form-data`, what a browser sends for `<input
//! type=file>` without any script): the whole body read up to a limit, then split into its
//! fields with multer. The guard reads the CSRF token from it; upload handlers read the file.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};

use crate::manager::error::Error;
use crate::model::asset::MAX_INPUT_BYTES;

/// The largest multipart body read: the largest image accepted plus room for the other fields
/// and the part headers.
pub const MAX_BODY: usize = MAX_INPUT_BYTES as usize + 64 * 1024;

/// One field of the form.
pub struct Part {
    /// The field's name.
    pub name: String,
    /// Its content (a file's bytes, or a text field's UTF-8).
    pub data: Bytes,
}

/// The form's boundary, if the request is `multipart/form-data`.
pub fn boundary(headers: &HeaderMap) -> Option<String> {
    let ctype = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(ctype).ok()
}

/// Reads a body of at most [`MAX_BODY`] bytes.
pub async fn read(body: Body) -> Result<Bytes, Error> {
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        Error::invalid(
            "file",
            "makes the upload too large; images up to 5 MB are accepted, save it smaller",
        )
    })
}

/// Every field of a body read by [`read`].
pub async fn parts(boundary: &str, bytes: Bytes) -> Result<Vec<Part>, Error> {
    let mut form = multer::Multipart::new(Body::from(bytes).into_data_stream(), boundary);
    let malformed = |e: multer::Error| Error::invalid("form", format!("is malformed: {e}"));
    let mut out = Vec::new();
    while let Some(field) = form.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        let data = field.bytes().await.map_err(malformed)?;
        out.push(Part { name, data });
    }
    Ok(out)
}

/// The text of field `name`, if the form has it.
pub fn text<'a>(parts: &'a [Part], name: &str) -> Option<&'a str> {
    parts
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| std::str::from_utf8(&p.data).ok())
}
