import Foundation
internal import GRDB

/// How a later command tells a live run from one whose process died without a word (`kill -9`, an out-of-memory
/// kill, a reboot, a lost SSH session): each run records its host and pid and refreshes `heartbeat_at` after every
/// epoch and every `interval` seconds of other work. A `running` run is dead when its process is gone from this
/// host, or, run from another host (or without a recorded process), when its heartbeat is older than `limit`.
enum RunLiveness {
    /// Seconds between background heartbeats.
    static let interval: TimeInterval = 15
    /// A heartbeat older than this means the run is dead, wherever it ran: twenty missed beats.
    static let limit: TimeInterval = 300

    static let host: String = ProcessInfo.processInfo.hostName
    static var pid: Int32 { getpid() }

    static func beat(runID: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'", arguments: [Timestamp.now(), runID])
    }

    /// Marks every `running` run that can no longer finish as `interrupted`, its finish time set to its last sign
    /// of life, and returns them.
    static func reconcile(_ writer: any DatabaseWriter, now: Date = Date()) throws -> [ReconciledRun] {
        try writer.write { db in
            var found: [ReconciledRun] = []
            for row in try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE status = 'running'") {
                let run = try RunRecord(row: row)
                guard let reason = deathReason(run, now: now) else { continue }
                try markInterrupted(runID: run.id, at: run.heartbeatAt ?? run.startedAt, reason: reason, db)
                found.append(ReconciledRun(id: run.id, pipeline: run.pipeline, reason: reason))
            }
            return found
        }
    }

    /// Marks a run that is still `running` as `interrupted`, finished at `date`, with `reason` as its error. A run
    /// that has already ended (its final transaction committed first) keeps its status.
    static func markInterrupted(runID: Int64, at date: Date, reason: String, _ db: Database) throws {
        try db.execute(sql: "UPDATE runs SET status = 'interrupted', finished_at = ?, error = ? WHERE id = ? AND status = 'running'",
                       arguments: [Timestamp.text(date), reason, runID])
    }

    /// Why `run` cannot finish any more, or nil while it may still be alive. On its own host a run's process is
    /// asked directly, so a run whose process is stopped (Ctrl-Z) or stalled stays `running`; elsewhere, only the
    /// heartbeat can tell.
    static func deathReason(_ run: RunRecord, now: Date) -> String? {
        if run.host == host, let pid = run.pid {
            return pid == self.pid || isAlive(pid) ? nil : "process \(pid) on \(host) ended without finishing the run (killed?)"
        }
        let lastSeen = run.heartbeatAt ?? run.startedAt
        let silent = now.timeIntervalSince(lastSeen)
        guard silent > limit else { return nil }
        return "no heartbeat for \(Int(silent)) s (the limit is \(Int(limit)) s): its process on \(run.host ?? "an unknown host") is gone"
    }

    /// Whether a process with this pid exists on this host and is not a zombie.
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        // A killed child its parent has not reaped yet is a zombie: gone for our purposes.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
    }
}
