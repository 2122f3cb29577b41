//! Parameters and result values, the same for both backends.

use bytes::BytesMut;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::DbError;

/// A parameter or a column value. Integers are 64-bit on both backends (BIGINT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer (ids, times in Unix seconds).
    Int(i64),
    /// Text.
    Text(String),
    /// A boolean (INTEGER 0/1 in SQLite, BOOLEAN in PostgreSQL).
    Bool(bool),
    /// Bytes (BLOB in SQLite, BYTEA in PostgreSQL): stored images.
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value as V};
        Ok(ToSqlOutput::Owned(match self {
            Value::Null => V::Null,
            Value::Int(i) => V::Integer(*i),
            Value::Text(s) => V::Text(s.clone()),
            Value::Bool(b) => V::Integer(i64::from(*b)),
            Value::Bytes(b) => V::Blob(b.clone()),
        }))
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => i.to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Bool(b) => b.to_sql(ty, out),
            Value::Bytes(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [
            Type::INT8,
            Type::TEXT,
            Type::VARCHAR,
            Type::BOOL,
            Type::BYTEA,
        ]
        .contains(ty)
    }

    to_sql_checked!();
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub(super) Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value, DbError> {
        self.0.get(i).ok_or(DbError::Type(i))
    }

    /// An integer column.
    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.at(i)? {
            Value::Int(v) => Ok(*v),
            _ => Err(DbError::Type(i)),
        }
    }

    /// A nullable integer column.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    /// A text column.
    pub fn text(&self, i: usize) -> Result<String, DbError> {
        match self.at(i)? {
            Value::Text(v) => Ok(v.clone()),
            _ => Err(DbError::Type(i)),
        }
    }

    /// A nullable text column.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    /// A bytes column.
    pub fn bytes(&self, i: usize) -> Result<Vec<u8>, DbError> {
        match self.at(i)? {
            Value::Bytes(v) => Ok(v.clone()),
            _ => Err(DbError::Type(i)),
        }
    }

    /// A boolean column (SQLite gives it as 0/1).
    pub fn bool(&self, i: usize) -> Result<bool, DbError> {
        match self.at(i)? {
            Value::Bool(v) => Ok(*v),
            Value::Int(v) => Ok(*v != 0),
            _ => Err(DbError::Type(i)),
        }
    }
}
