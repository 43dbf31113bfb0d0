import Plexus

/// How the labelled images were divided into training, validation and test sets so that no image content
/// (SHA-256 of the file) is in two of them (checked again on what is stored: `LabelledData.crossSplitDuplicates`).
struct DataSplit: Equatable {
    /// Indices into the training folder's images.
    var train: [Int]
    var validation: [Int]
    /// Files of the training folder with the same content as a test file, left out of training and validation so
    /// the test score is not inflated by images the model has seen (keras #5862).
    var leftOutAsInTest: [Int]
    /// Files of the training folder whose content occurs more than once there; each group stays on one side.
    var duplicateFiles: Int

    /// A stratified split (pytorch #5231): within each class, a seeded shuffle of the distinct contents puts
    /// round(`fraction` × count) of them in validation, at least one when `fraction` > 0 and the class has two or
    /// more, and never all of them. Identical files are kept together, so validation never holds a copy of a
    /// training image. A group's class is its first file's.
    static func stratified(labels: [Int], hashes: [String], testHashes: Set<String>, fraction: Double, seed: UInt64) -> DataSplit {
        var groups: [[Int]] = []
        var groupOf: [String: Int] = [:]
        var leftOut: [Int] = []
        for (index, hash) in hashes.enumerated() {
            if testHashes.contains(hash) {
                leftOut.append(index)
            } else if let group = groupOf[hash] {
                groups[group].append(index)
            } else {
                groupOf[hash] = groups.count
                groups.append([index])
            }
        }
        let classCount = (labels.max() ?? -1) + 1
        var byClass = [[Int]](repeating: [], count: classCount)
        for (group, members) in groups.enumerated() { byClass[labels[members[0]]].append(group) }

        var rng = RandomGenerator(seed: seed)
        var train: [Int] = [], validation: [Int] = []
        for classGroups in byClass {
            let order = rng.permutation(classGroups.count).map { classGroups[$0] }
            var take = Int((fraction * Double(order.count)).rounded())
            if fraction > 0 && order.count >= 2 { take = min(max(take, 1), order.count - 1) }
            validation += order.prefix(take).flatMap { groups[$0] }
            train += order.dropFirst(take).flatMap { groups[$0] }
        }
        return DataSplit(train: train.sorted(), validation: validation.sorted(), leftOutAsInTest: leftOut,
                         duplicateFiles: groups.filter { $0.count > 1 }.reduce(0) { $0 + $1.count })
    }
}
