/// Where `FleetCheckpoint.layout` puts a checkpoint's bytes: each piece at its offset in the
/// file, in the order they are worked out (the lookup area before the header and metadata,
/// whose CRCs cover it). The writer's is the temporary file (`FleetCheckpoint.CheckpointFile`);
/// `CheckpointBuffer` keeps them in memory.
package protocol CheckpointSink: AnyObject {
    /// Puts `bytes` at `offset`, past the end or over bytes put before.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws
}

extension CheckpointSink {
    func write(_ bytes: [UInt8], at offset: Int) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }
}

/// A checkpoint laid out in memory, as the file would hold it (a gap not yet written is zeros).
final class CheckpointBuffer: CheckpointSink {
    private(set) var bytes: [UInt8] = []

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        let end = offset + bytes.count
        if self.bytes.count < end { self.bytes.append(contentsOf: repeatElement(0, count: end - self.bytes.count)) }
        self.bytes.withUnsafeMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[offset..<end]).copyMemory(from: bytes) }
    }
}
