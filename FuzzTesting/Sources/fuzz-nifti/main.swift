import FuzzEntries

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzEntries.nifti(Array(UnsafeBufferPointer(start: start, count: count)))
    return 0
}
