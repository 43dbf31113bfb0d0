import Foundation
import XCTest

/// Two "hosts" on this machine for a multi-host `mpirun`: two network namespaces joined by a veth pair
/// (10.77.0.1 and 10.77.0.2), and an Open MPI launch agent (`plm_rsh_agent`, ssh's stand-in) that starts a host's
/// daemon with `ip netns exec` in the namespace owning its address. The processes talk over TCP between the
/// namespaces, as between machines; they share the file system, so both see the same data. Removed at teardown.
public struct TwoHosts {
    public let namespaces: [String]
    public static let addresses = ["10.77.0.1", "10.77.0.2"]
    private let agent: String

    /// Creates the namespaces, or skips the test with the exact error when the sandbox forbids them.
    public init(for test: XCTestCase, in directory: String) throws {
        let tag = "plx\(getpid() % 100_000)"
        namespaces = [tag + "a", tag + "b"]
        let (a, b) = (namespaces[0], namespaces[1])
        let (linkA, linkB) = (tag + "va", tag + "vb")
        let failure = try Self.ip(["netns", "add", a])
        if let failure { throw XCTSkip("network namespaces are not available here: ip netns add \(a): \(failure)") }
        test.addTeardownBlock { [namespaces] in for name in namespaces { _ = try? Self.ip(["netns", "del", name]) } }
        let steps = [["netns", "add", b], ["link", "add", linkA, "type", "veth", "peer", "name", linkB],
                     ["link", "set", linkA, "netns", a], ["link", "set", linkB, "netns", b],
                     ["-n", a, "addr", "add", Self.addresses[0] + "/24", "dev", linkA], ["-n", b, "addr", "add", Self.addresses[1] + "/24", "dev", linkB],
                     ["-n", a, "link", "set", linkA, "up"], ["-n", b, "link", "set", linkB, "up"],
                     ["-n", a, "link", "set", "lo", "up"], ["-n", b, "link", "set", "lo", "up"]]
        for step in steps {
            if let failure = try Self.ip(step) { throw TwoHostsError(description: "ip \(step.joined(separator: " ")): \(failure)") }
        }
        agent = directory + "/netns-agent.sh"
        try """
            #!/bin/sh
            # Open MPI's launch agent: "agent HOST COMMAND…" runs COMMAND in the namespace that owns HOST's address.
            host=$1; shift
            case "$host" in \(Self.addresses[0])) ns=\(a) ;; \(Self.addresses[1])) ns=\(b) ;; *) echo "unknown host $host" >&2; exit 1 ;; esac
            exec ip netns exec "$ns" sh -c "$*"
            """.write(toFile: agent, atomically: true, encoding: .utf8)
        chmod(agent, 0o755)
    }

    /// Runs `name arguments` as one process on each host (`mpirun -H 10.77.0.1:1,10.77.0.2:1`, started from the
    /// first), over TCP between them; `timeout` kills the job.
    public func run(_ name: String, _ arguments: [String], in directory: String, timeout seconds: Int = 300) throws -> Commands.Result {
        let mpirun = ["/usr/sbin/ip", "netns", "exec", namespaces[0]] + Commands.mpirun + [
            "-H", Self.addresses.map { $0 + ":1" }.joined(separator: ","), "-np", "2", "--mca", "plm_rsh_agent", agent,
            "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "10.77.0.0/24", "--mca", "oob_tcp_if_include", "10.77.0.0/24",
        ]
        return try Commands.execute("/usr/bin/timeout", ["--kill-after=10", String(seconds)] + mpirun + [try Commands.built(name)] + arguments,
                                    in: directory)
    }

    /// Runs `ip arguments`; nil when it succeeded, else its error output.
    private static func ip(_ arguments: [String]) throws -> String? {
        let result = try Commands.execute("/usr/sbin/ip", arguments, in: "/")
        return result.status == 0 ? nil : result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct TwoHostsError: Error, CustomStringConvertible {
        let description: String
    }
}
