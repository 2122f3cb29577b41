//! The manager's two migration lists reach the same schema: every table and column the same
//! on SQLite and PostgreSQL; a database migrated twice stays as it is.

mod common;

use common::postgres::Postgres;
use hotspotd::manager::db::{Db, POSTGRES, SQLITE};

#[test]
fn both_lists_have_the_same_numbering() {
    let numbers =
        |l: &[hotspotd::manager::db::Migration]| l.iter().map(|m| m.version).collect::<Vec<_>>();
    assert_eq!(numbers(SQLITE), numbers(POSTGRES));
    assert_eq!(
        numbers(SQLITE),
        (1..=SQLITE.len() as i64).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_reach_the_same_tables_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}/m.db", dir.path().display());
    let sqlite = Db::open(&sqlite_url).await.unwrap();
    let pg = Postgres::start();
    let postgres = Db::open(&pg.url()).await.unwrap();
    let (a, b) = (
        sqlite.columns().await.unwrap(),
        postgres.columns().await.unwrap(),
    );
    assert!(a.contains(&"accounts.password_hash".to_string()), "{a:?}");
    assert!(a.contains(&"audit_log.address".to_string()), "{a:?}");
    assert_eq!(a, b, "the SQLite and PostgreSQL schemas differ");

    // Opening again migrates nothing and keeps the schema.
    drop(sqlite);
    let again = Db::open(&sqlite_url).await.unwrap();
    assert_eq!(again.columns().await.unwrap(), a);
    drop(postgres);
    assert_eq!(
        Db::open(&pg.url()).await.unwrap().columns().await.unwrap(),
        b
    );
}

#[tokio::test]
async fn a_database_url_of_another_kind_is_refused_with_the_forms_it_takes() {
    let err = Db::open("mysql://localhost/x")
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("sqlite://PATH or postgres://"),
        "{err}"
    );
}
