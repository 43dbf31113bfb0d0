import Foundation

/// A model section as JSON, for the architecture in a model card: `{"input": [1, 28, 28], "layers": [{"type":
/// "conv2d", "options": {"filters": 32}}, …]}`. Decoded layers name "model card" as their file, since they come
/// from the database, not from a pipeline file.
extension ModelSpec: Codable {
    enum CodingKeys: String, CodingKey { case input, layers }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(input: try container.decode([Int].self, forKey: .input), layers: try container.decode([LayerSpec].self, forKey: .layers))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(input, forKey: .input)
        try container.encode(layers, forKey: .layers)
    }
}

extension LayerSpec: Codable {
    enum CodingKeys: String, CodingKey { case type, options }
    static let cardFile = "model card"

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(type: try container.decode(String.self, forKey: .type),
                  options: try container.decodeIfPresent([String: SpecValue].self, forKey: .options) ?? [:],
                  line: 0, file: LayerSpec.cardFile)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        if !options.isEmpty { try container.encode(options, forKey: .options) }
    }
}

extension SpecValue: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let content: Content
        if container.decodeNil() {
            content = .null
        } else if let value = try? container.decode(Bool.self) {
            content = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            content = .int(value)
        } else if let value = try? container.decode(Double.self) {
            content = .double(value)
        } else if let value = try? container.decode(String.self) {
            content = .string(value)
        } else if let value = try? container.decode([SpecValue].self) {
            content = .list(value)
        } else {
            content = .map(try container.decode([String: SpecValue].self))
        }
        self.init(content, line: 0, file: LayerSpec.cardFile)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch content {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .list(let values): try container.encode(values)
        case .map(let entries): try container.encode(entries)
        }
    }
}
