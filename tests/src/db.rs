//! A fresh, empty database per test.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use url::Url;

/// Which engine the suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// In-memory SQLite (the default).
    Sqlite,
    /// A PostgreSQL server named by `TEST_DATABASE_URL`.
    Postgres,
    /// A MySQL/MariaDB server named by `TEST_DATABASE_URL`.
    MySql,
}

impl Engine {
    /// The engine `TEST_DATABASE_URL` names.
    #[must_use]
    pub fn current() -> Self {
        match admin_url() {
            Some(url) if url.starts_with("postgres") => Self::Postgres,
            Some(url) if url.starts_with("mysql") || url.starts_with("mariadb") => Self::MySql,
            _ => Self::Sqlite,
        }
    }
}

fn admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// An empty database that lives as long as this value.
pub struct TestDb {
    /// A connection to it (a single connection for SQLite in memory).
    pub db: DatabaseConnection,
    /// The URL of the database, for building an app on it.
    pub url: String,
    cleanup: Option<(String, String)>,
    file: Option<std::path::PathBuf>,
}

impl TestDb {
    /// Creates a brand-new empty database (no migrations applied).
    ///
    /// # Panics
    /// When the database server named by `TEST_DATABASE_URL` cannot be reached.
    pub async fn fresh() -> Self {
        let Some(admin) = admin_url() else {
            let url = "sqlite::memory:".to_owned();
            let db = connect(&url).await;
            return Self {
                db,
                url,
                cleanup: None,
                file: None,
            };
        };
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let admin_db = Database::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("cannot reach TEST_DATABASE_URL: {e}"));
        let backend = admin_db.get_database_backend();
        admin_db
            .execute_unprepared(&format!("CREATE DATABASE {}", quote(backend, &name)))
            .await
            .expect("create test database");
        admin_db.close().await.ok();
        let mut url = Url::parse(&admin).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        let url = url.to_string();
        let db = connect(&url).await;
        Self {
            db,
            url,
            cleanup: Some((admin, name)),
            file: None,
        }
    }

    /// Like [`TestDb::fresh`], but on SQLite a database file (removed when
    /// dropped) instead of memory, so a server can open a real pool of
    /// several connections on it, as it does in production.
    ///
    /// # Panics
    /// As [`TestDb::fresh`].
    pub async fn fresh_file() -> Self {
        if admin_url().is_some() {
            return Self::fresh().await;
        }
        let path =
            std::env::temp_dir().join(format!("todo-test-{}.db", uuid::Uuid::new_v4().simple()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let db = connect(&url).await;
        Self {
            db,
            url,
            cleanup: None,
            file: Some(path),
        }
    }

    /// The backend of this database.
    #[must_use]
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Runs one SQL statement, for tests that check the schema directly.
    ///
    /// # Errors
    /// The database error.
    pub async fn exec(&self, sql: &str) -> Result<(), sea_orm::DbErr> {
        self.db
            .execute_raw(Statement::from_string(self.backend(), sql.to_owned()))
            .await
            .map(|_| ())
    }
}

async fn connect(url: &str) -> DatabaseConnection {
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false).max_connections(5);
    if url.starts_with("sqlite") {
        options
            .max_connections(1)
            .idle_timeout(None::<std::time::Duration>)
            .max_lifetime(None::<std::time::Duration>)
            .map_sqlx_sqlite_opts(|o| o.foreign_keys(true));
    }
    Database::connect(options)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test database: {e}"))
}

fn quote(backend: DbBackend, name: &str) -> String {
    match backend {
        DbBackend::MySql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(path) = self.file.take() {
            for suffix in ["", "-wal", "-shm"] {
                let mut name = path.clone().into_os_string();
                name.push(suffix);
                std::fs::remove_file(name).ok();
            }
        }
        let Some((admin, name)) = self.cleanup.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot block on async
        // work: use a short-lived runtime on a thread of its own.
        let result = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let admin_db = Database::connect(&admin).await?;
                let backend = admin_db.get_database_backend();
                let sql = match backend {
                    DbBackend::Postgres => {
                        format!(
                            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                            quote(backend, &name)
                        )
                    }
                    _ => {
                        // MariaDB's `WITH (FORCE)`: end the test's own
                        // connections first. One still inside a transaction
                        // (a background task of the server, cut off when the
                        // test ended) would hold a metadata lock that the
                        // drop would wait on for ever.
                        let lingering = format!(
                            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '{name}'"
                        );
                        let rows = admin_db
                            .query_all_raw(Statement::from_string(backend, lingering))
                            .await?;
                        for row in rows {
                            let id: u64 = row.try_get_by_index(0)?;
                            // Gone already between the two statements is fine.
                            let _ = admin_db
                                .execute_unprepared(&format!("KILL CONNECTION {id}"))
                                .await;
                        }
                        format!("DROP DATABASE IF EXISTS {}", quote(backend, &name))
                    }
                };
                admin_db.execute_unprepared(&sql).await?;
                admin_db.close().await
            })
        })
        .join();
        if !matches!(result, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database");
        }
    }
}
