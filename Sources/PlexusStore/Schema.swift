internal import GRDB

/// The shared schema. Migrations are append-only: once released, a migration is never edited, only followed by new ones.
enum Schema {
    static let sharedMigrations: [StoreMigration] = [
        StoreMigration("v1-shared", sql: """
            CREATE TABLE datasets (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                source TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                items INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                UNIQUE (name, sha256)
            );
            CREATE TABLE runs (
                id INTEGER PRIMARY KEY,
                pipeline TEXT NOT NULL,
                dataset_id INTEGER REFERENCES datasets(id),
                config TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
                seed INTEGER NOT NULL,
                started_at TEXT NOT NULL,
                finished_at TEXT,
                error TEXT
            );
            CREATE TABLE epochs (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                epoch INTEGER NOT NULL,
                train_loss REAL NOT NULL,
                val_loss REAL,
                metrics TEXT NOT NULL,
                seconds REAL NOT NULL,
                learning_rate REAL NOT NULL,
                PRIMARY KEY (run_id, epoch)
            );
            CREATE TABLE metrics (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                split TEXT NOT NULL,
                name TEXT NOT NULL,
                value REAL NOT NULL,
                PRIMARY KEY (run_id, split, name)
            );
            CREATE TABLE models (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                format TEXT NOT NULL,
                bytes BLOB NOT NULL,
                PRIMARY KEY (run_id, name)
            );
            """),
        // The run lifecycle: who runs a run and when it last said so (`RunLiveness`), the metric `plexus runs`
        // shows, model cards, and the files each run wrote.
        StoreMigration("v2-lifecycle", sql: """
            ALTER TABLE runs ADD COLUMN host TEXT;
            ALTER TABLE runs ADD COLUMN pid INTEGER;
            ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
            ALTER TABLE runs ADD COLUMN key_metric TEXT;
            CREATE INDEX runs_by_status ON runs (status);
            ALTER TABLE models ADD COLUMN card TEXT;
            CREATE TABLE artifacts (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                media_type TEXT NOT NULL,
                bytes BLOB,
                path TEXT,
                created_at TEXT NOT NULL,
                PRIMARY KEY (run_id, name)
            );
            """),
        // Runs spread over the processes of an `mpirun` job: how many, and on which hosts ("host:processes", comma
        // separated). Earlier runs were one process on their `host`.
        StoreMigration("v3-distributed", sql: """
            ALTER TABLE runs ADD COLUMN world_size INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE runs ADD COLUMN hosts TEXT;
            """),
        // `plexus ui` filters and pages runs by pipeline and dataset.
        StoreMigration("v4-browse-indexes", sql: """
            CREATE INDEX runs_by_pipeline ON runs (pipeline);
            CREATE INDEX runs_by_dataset ON runs (dataset_id);
            """),
    ]

    /// The shared migrations followed by `extra`. Identifiers must be unique: GRDB traps on a duplicate, so check first.
    static func migrator(extra: [StoreMigration]) throws -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        var seen = Set<String>()
        for migration in sharedMigrations + extra {
            guard seen.insert(migration.identifier).inserted else {
                throw MigrationError(identifier: migration.identifier)
            }
            migrator.registerMigration(migration.identifier, migrate: migration.migrate)
        }
        return migrator
    }

    struct MigrationError: Error, CustomStringConvertible {
        let identifier: String
        var description: String { "migration '\(identifier)' is registered twice" }
    }
}
