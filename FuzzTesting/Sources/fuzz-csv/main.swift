import FuzzEntries

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzEntries.csv(Array(UnsafeBufferPointer(start: start, count: count)))
    return 0
}
