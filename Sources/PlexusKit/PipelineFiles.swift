import PlexusFormats

/// Where a command's pipeline file comes from. Every file of `Pipelines/` is compiled into the executables
/// (BuiltinPipelines.swift, made by `make builtin-pipelines`), so each command's default works from any folder, not
/// only from the checkout; `--pipeline FILE` reads a file from disk instead.
///
/// A pipeline is named by a *reference*: a path, or `builtin:NAME` for the compiled-in copy of `Pipelines/NAME`. The
/// reference is what error messages start with (`builtin:classify.yml:12: ...`) and what a run records as its
/// `pipeline_file`, next to the YAML text itself in `pipeline_yaml`.
public enum PipelineFiles {
    static let prefix = "builtin:"

    /// `builtin:NAME`, the reference to the compiled-in copy of `Pipelines/NAME`.
    public static func builtin(_ name: String) -> String { prefix + name }

    /// The file names of the built-in pipelines, sorted.
    public static var builtinNames: [String] { builtins.keys.sorted() }

    /// The YAML text of `reference`: compiled in, or read from disk.
    public static func text(_ reference: String) throws -> String {
        guard reference.hasPrefix(prefix) else { return try PipelineSpec.text(path: reference) }
        guard let text = builtins[String(reference.dropFirst(prefix.count))] else {
            throw FormatError(path: reference, "no such built-in pipeline (built in: \(builtinNames.joined(separator: ", ")))")
        }
        return text
    }

    /// The pipeline `reference` names, parsed; its `file`, and so every error about it, is `reference`.
    public static func load(_ reference: String) throws -> PipelineSpec {
        try PipelineSpec.parse(yaml: text(reference), file: reference)
    }
}
