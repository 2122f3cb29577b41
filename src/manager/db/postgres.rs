//! PostgreSQL through tokio-postgres and a deadpool pool. Transactions run on a blocking
//! thread (as SQLite's do) and drive the async client with the runtime's handle, so area code
//! is one synchronous closure on both backends.

use deadpool_postgres::{Manager, ManagerConfig, RecyclingMethod};
use tokio::runtime::Handle;
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};

use super::value::{Row, Value};
use super::{Conn, DbError};

/// Connections at most (each manager instance; several instances may share one server).
const MAX_CONNECTIONS: usize = 16;

pub struct Pool(deadpool_postgres::Pool, String);

impl Pool {
    pub fn open(url: &str) -> Result<Pool, DbError> {
        let config: tokio_postgres::Config = url.parse()?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(MAX_CONNECTIONS)
            .build()
            .map_err(|e| DbError::Pool(e.to_string()))?;
        Ok(Pool(pool, url.to_string()))
    }

    /// The URL it connects with (the feed listener opens its own connection with it).
    pub fn url(&self) -> &str {
        &self.1
    }

    pub fn tx<T, E: From<DbError>>(
        &self,
        handle: &Handle,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut client = handle
            .block_on(self.0.get())
            .map_err(|e| DbError::Pool(e.to_string()))?;
        let tx = handle
            .block_on(client.transaction())
            .map_err(DbError::from)?;
        let out = f(&mut PgConn { tx: &tx, handle })?;
        handle.block_on(tx.commit()).map_err(DbError::from)?;
        Ok(out)
    }
}

struct PgConn<'a> {
    tx: &'a deadpool_postgres::Transaction<'a>,
    handle: &'a Handle,
}

fn map_err(e: tokio_postgres::Error) -> DbError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        DbError::Unique(e.to_string())
    } else {
        DbError::Postgres(e)
    }
}

fn params(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Conn for PgConn<'_> {
    fn query(&mut self, sql: &str, values: &[Value]) -> Result<Vec<Row>, DbError> {
        let rows = self.handle.block_on(async {
            let stmt = self.tx.prepare_cached(sql).await?;
            self.tx.query(&stmt, &params(values)).await
        });
        let rows = rows.map_err(map_err)?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        let ty = r.columns()[i].type_();
                        let v = if *ty == Type::INT8 {
                            r.try_get::<_, Option<i64>>(i)?.into()
                        } else if *ty == Type::INT4 {
                            r.try_get::<_, Option<i32>>(i)?.map(i64::from).into()
                        } else if *ty == Type::BOOL {
                            r.try_get::<_, Option<bool>>(i)?.into()
                        } else if *ty == Type::BYTEA {
                            r.try_get::<_, Option<Vec<u8>>>(i)?.into()
                        } else {
                            r.try_get::<_, Option<String>>(i)?.into()
                        };
                        Ok(v)
                    })
                    .collect::<Result<Vec<Value>, DbError>>()
                    .map(Row)
            })
            .collect()
    }

    fn execute(&mut self, sql: &str, values: &[Value]) -> Result<u64, DbError> {
        self.handle
            .block_on(async {
                let stmt = self.tx.prepare_cached(sql).await?;
                self.tx.execute(&stmt, &params(values)).await
            })
            .map_err(map_err)
    }
}
