/// The part of a scan worth scoring, found from intensity alone: the brain (or body) rather than the black
/// background around it, which would otherwise make up most pixels and dilute every score.
public enum ScanMask {
    /// Pixels brighter than `level` after a light blur, with enclosed holes (ventricles, dark tissue) filled in:
    /// whatever the background, reached from the border, does not reach.
    public static func filled(_ scan: Plane, level: Float) -> Plane {
        let smooth = scan.blurred(sigma: 1)
        let (width, height) = (scan.width, scan.height)
        var outside = [Bool](repeating: false, count: width * height)
        var stack: [Int] = []
        for x in 0..<width { stack += [x, (height - 1) * width + x] }
        for y in 0..<height { stack += [y * width, y * width + width - 1] }
        while let index = stack.popLast() {
            guard !outside[index], smooth.values[index] <= level else { continue }
            outside[index] = true
            let (x, y) = (index % width, index / width)
            if x > 0 { stack.append(index - 1) }
            if x < width - 1 { stack.append(index + 1) }
            if y > 0 { stack.append(index - width) }
            if y < height - 1 { stack.append(index + width) }
        }
        return Plane(width: width, height: height, values: outside.map { $0 ? 0 : 1 })
    }

    /// `filled`, shrunk by `erosion` pixels: the outline of the head is a sharp edge that every reconstruction
    /// blurs, and would be the largest error of every normal scan.
    public static func scoring(_ scan: Plane, level: Float, erosion: Double) -> Plane {
        let mask = filled(scan, level: level)
        guard erosion > 0 else { return mask }
        let depth = mask.distanceInside()
        return Plane(width: mask.width, height: mask.height, values: depth.map { Double($0) > erosion ? 1 : 0 })
    }
}
