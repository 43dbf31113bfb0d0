"""Writes the fuzz targets' seed corpora (called by tools/make-fuzz-corpus.sh).

Usage: python3 tools/fuzz_corpus.py OUT PYPNG_CODE_DIR
PYPNG_CODE_DIR holds png.py and pngsuite.py from PyPI's pypng sdist. Every file is deterministic.
"""
import gzip
import json
import os
import struct
import sys
import zlib

out, pypng_dir = sys.argv[1], sys.argv[2]
sys.path.insert(0, pypng_dir)
import png  # noqa: E402  (pypng's encoder)
import pngsuite  # noqa: E402  (PngSuite, as pypng ships it)


def write(target, name, data):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# --- PNG -----------------------------------------------------------------------------------------------------------
def encoded(width, height, rows, **options):
    class Sink(bytearray):
        def write(self, data):
            self.extend(data)
    sink = Sink()
    png.Writer(width, height, **options).write(sink, rows)
    return bytes(sink)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


SIGNATURE = b"\x89PNG\r\n\x1a\n"


def handmade(width, height, depth, colour, raw_rows, extra=b""):
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return SIGNATURE + chunk(b"IHDR", header) + extra + chunk(b"IDAT", zlib.compress(raw_rows, 9)) + chunk(b"IEND", b"")


for name, data in sorted(pngsuite.png.items()):
    write("png", "pngsuite-" + name + ".png", data)
width, height = 7, 5
for interlace in (False, True):
    suffix = "-interlaced" if interlace else ""
    for depth in (1, 2, 4, 8, 16):
        top = 2 ** depth - 1
        rows = [[(x * 3 + y * 5) % (top + 1) for x in range(width)] for y in range(height)]
        write("png", f"gray{depth}{suffix}.png", encoded(width, height, rows, greyscale=True, bitdepth=depth, interlace=interlace))
        write("png", f"gray{depth}-trns{suffix}.png",
              encoded(width, height, rows, greyscale=True, bitdepth=depth, interlace=interlace, transparent=top))
        palette = [((i * 37) % 256, (i * 91) % 256, (i * 13) % 256, (i * 53) % 256) for i in range(min(top + 1, 256))]
        if depth <= 8:
            write("png", f"palette{depth}{suffix}.png",
                  encoded(width, height, rows, palette=palette, bitdepth=depth, interlace=interlace))
        if depth >= 8:
            rgb = [[v for x in row for v in (x, top - x, x // 2)] for row in rows]
            write("png", f"rgb{depth}{suffix}.png", encoded(width, height, rgb, greyscale=False, bitdepth=depth, interlace=interlace))
            gray_alpha = [[v for x in row for v in (x, top - x)] for row in rows]
            write("png", f"gray-alpha{depth}{suffix}.png",
                  encoded(width, height, gray_alpha, greyscale=True, alpha=True, bitdepth=depth, interlace=interlace))
            rgba = [[v for x in row for v in (x, top - x, x // 2, top)] for row in rows]
            write("png", f"rgba{depth}{suffix}.png",
                  encoded(width, height, rgba, greyscale=False, alpha=True, bitdepth=depth, interlace=interlace))
write("png", "one-pixel.png", encoded(1, 1, [[128]], greyscale=True, bitdepth=8))
good = handmade(4, 4, 8, 0, b"".join(b"\x00" + bytes([16 * y + x for x in range(4)]) for y in range(4)),
                extra=chunk(b"gAMA", struct.pack(">I", 45455)) + chunk(b"tEXt", b"Comment\x00fuzz seed"))
write("png", "gamma-and-text.png", good)
# Broken ones: each breaks one rule a reader must check.
write("png", "broken-truncated.png", good[:len(good) // 2])
write("png", "broken-crc.png", good[:40] + bytes([good[40] ^ 0xFF]) + good[41:])
write("png", "broken-no-iend.png", good[:-12])
write("png", "broken-zero-width.png", handmade(0, 4, 8, 0, b"\x00" * 4))
write("png", "broken-bit-depth.png", handmade(4, 4, 3, 0, b"\x00" * 20))
write("png", "broken-filter.png", handmade(2, 2, 8, 0, b"\x09\x01\x02\x09\x03\x04"))
write("png", "broken-short-idat.png", handmade(8, 8, 8, 2, b"\x00" * 10))
write("png", "broken-not-zlib.png", SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
      + chunk(b"IDAT", b"not zlib data") + chunk(b"IEND", b""))
write("png", "bomb-20000x20000.png", handmade(20000, 20000, 8, 0, b""))
write("png", "not-a-png.png", b"GIF89a")

# --- CSV -----------------------------------------------------------------------------------------------------------
csv_cases = {
    "plain": "a,b,c\n1,2,3\n4,5,6\n",
    "quotes": 'name,value\n"Smith, J.",1\n"say ""hi""",2\n',
    "embedded-newline": 'id,text\n1,"two\nlines"\n2,"cr\r\nlf"\n',
    "crlf": "a,b\r\n1,2\r\n3,4\r\n",
    "lone-cr": "a,b\r1,2\r3,4\r",
    "bom": "\ufeffa,b\n1,2\n",
    "empty-fields": "a,b,c\n,,\n1,,3\n",
    "ragged": "a,b,c\n1,2\n1,2,3,4\n",
    "semicolon": "a;b;c\n1,5;2,5;3\n",
    "tab": "a\tb\n1\t2\n",
    "blank-lines": "\n\na,b\n\n1,2\n\n",
    "unclosed-quote": 'a,b\n"open,1\n',
    "text-after-quote": 'a,b\n"x"y,1\n',
    "numbers": "x,y\n1e39,-0\nNaN,inf\n-inf,1e-400\n0x10,+3.\n",
    "huge-field": "a,b\n" + "x" * 70000 + ",1\n",
    "header-only": "a,b,c\n",
    "empty": "",
    "unicode": "名前,値\nü,1\n",
}
for name, text in csv_cases.items():
    write("csv", name + ".csv", text)

# --- Price files ---------------------------------------------------------------------------------------------------
days = [f"2024-01-{d:02d}" for d in range(2, 30) if d % 7 not in (6, 0)]
yahoo = "Date,Open,High,Low,Close,Adj Close,Volume\n" + "".join(
    f"{d},{100 + i:.2f},{101 + i:.2f},{99 + i:.2f},{100.5 + i:.2f},{100.4 + i:.2f},{1000 * (i + 1)}\n" for i, d in enumerate(days))
write("prices", "yahoo.csv", yahoo)
write("prices", "long.csv", "Date,Ticker,Close\n" + "".join(f"{d},{t},{10 + i}\n" for i, d in enumerate(days[:6]) for t in ("AAA", "BBB")))
write("prices", "wide.csv", "date,SP500,NASDAQ\n" + "".join(f"{d},{4000 + i},{15000 - i}\n" for i, d in enumerate(days[:8])))
write("prices", "fred.csv", "DATE,DCOILWTICO\n2024-01-02,70.1\n2024-01-03,.\n2024-01-04,71.2\n")
write("prices", "us-dates-unsorted.csv", "Date,Close\n1/5/2024,3\n1/3/2024,1\n1/4/2024 16:00,2\n")
write("prices", "missing.csv", "Date,Close\n2024-01-02,\n2024-01-03,null\n2024-01-04,NA\n2024-01-05,5\n2024-01-08,NaN\n")
write("prices", "hostile.csv", "Date,Close\n2024-01-02,1e39\n2024-01-03,inf\n2024-01-04,-1\n2024-01-05,0\n")
write("prices", "duplicate-date.csv", "Date,Close\n2024-01-02,1\n2024-01-02,2\n")
write("prices", "one-row.csv", "Date,Close\n2024-01-02,1\n")

# --- Event logs ----------------------------------------------------------------------------------------------------
write("events", "cdnow.csv", "customer_id,date,quantity,amount\n" + "".join(
    f"{u:05d},199701{(u * 7 + k) % 28 + 1:02d},{k + 1},{12.5 * (k + 1):.2f}\n" for u in range(1, 6) for k in range(3)))
write("events", "iso.csv", "user,timestamp,event,category,revenue\n"
      "a,2024-03-05T14:30:15.250Z,view,shoes,\nb,2024-03-05 09:00,buy,hats,19.99\na,2024-03-06T01:02:03+01:00,buy,shoes,5\n")
write("events", "unix.csv", "user_id,time,amount\n1,1709650000,1\n2,1709650000123,2.5\n1,20240305,0\n")
write("events", "per-user-table.csv", "user,recency,frequency,monetary\nu1,3,10,100.5\nu2,40,1,9.99\n")
write("events", "hostile.csv", "user,date,amount\nu1,2024-01-01,1e39\nu1,2024-01-02,NaN\nu2,2024-01-03,inf\nu2,2024-02-30,-5\n")
write("events", "semicolon.csv", "client;datum;bedrag\nk1;2024/01/05;3,5\n")

# --- NIfTI ---------------------------------------------------------------------------------------------------------
def nifti(dims, datatype, bitpix, data, endian="<", slope=0.0, inter=0.0, sform=0, qform=0):
    dim = [len(dims)] + list(dims) + [1] * (7 - len(dims))
    header = bytearray(348)
    struct.pack_into(endian + "i", header, 0, 348)
    struct.pack_into(endian + "8h", header, 40, *dim)
    struct.pack_into(endian + "hh", header, 70, datatype, bitpix)
    struct.pack_into(endian + "8f", header, 76, 1, 1.5, 1.5, 2, 1, 1, 1, 1)
    struct.pack_into(endian + "f", header, 108, 352)
    struct.pack_into(endian + "ff", header, 112, slope, inter)
    struct.pack_into(endian + "hh", header, 252, qform, sform)
    struct.pack_into(endian + "4f", header, 256, 0, 0, 0.7071, 0)  # quatern b, c, d, qoffset_x
    struct.pack_into(endian + "12f", header, 280, 2, 0, 0, -10, 0, 2, 0, -20, 0, 0, 2, -30)
    header[148:148 + 9] = b"fuzz seed"
    header[344:348] = b"n+1\x00"
    return bytes(header) + b"\x00" * 4 + data


voxels = bytes(range(24))
write("nifti", "uint8.nii", nifti((2, 3, 4), 2, 8, voxels))
write("nifti", "int16-big-endian-qform.nii", nifti((2, 3, 2), 4, 16, struct.pack(">12h", *range(-6, 6)), endian=">", qform=1))
write("nifti", "float32-scaled-sform.nii", nifti((3, 2, 2), 16, 32, struct.pack("<12f", *[i / 3 for i in range(12)]), slope=2, inter=-1, sform=1))
write("nifti", "float64-4d.nii", nifti((2, 2, 1, 2), 64, 64, struct.pack("<8d", *range(8))))
write("nifti", "uint16.nii.gz", gzip.compress(nifti((2, 2, 2), 512, 16, struct.pack("<8H", *range(8))), mtime=0))
write("nifti", "claims-10^12-voxels.nii", nifti((10000, 10000, 10000), 2, 8, b"\x00" * 16))
write("nifti", "truncated.nii", nifti((4, 4, 4), 2, 8, b"\x00" * 10))
write("nifti", "two-gzip-members.nii.gz", gzip.compress(nifti((2, 2, 2), 2, 8, bytes(8))[:200], mtime=0)
      + gzip.compress(nifti((2, 2, 2), 2, 8, bytes(8))[200:], mtime=0))
write("nifti", "gzip-truncated.nii.gz", gzip.compress(nifti((2, 2, 2), 2, 8, bytes(8)), mtime=0)[:-6])

# --- safetensors ---------------------------------------------------------------------------------------------------
def safetensors(tensors, metadata=None):
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + data


write("safetensors", "f32.safetensors", safetensors({"0.weight": ("F32", [2, 3], struct.pack("<6f", *range(6))),
                                                      "0.bias": ("F32", [3], struct.pack("<3f", 1, 2, 3))}, {"format": "pt"}))
write("safetensors", "dtypes.safetensors", safetensors({
    "a": ("F16", [2], struct.pack("<2e", 1.5, -2)), "b": ("BF16", [1], b"\x80\x3f"), "c": ("F64", [1], struct.pack("<d", 3)),
    "d": ("I64", [1], struct.pack("<q", -4)), "e": ("I32", [], struct.pack("<i", 5)), "f": ("U8", [2], b"\x01\x02"),
    "g": ("BOOL", [1], b"\x01"), "h": ("I8", [1], b"\xff"), "i": ("I16", [1], b"\x01\x00"), "empty": ("F32", [0], b"")}))
write("safetensors", "overlap.safetensors", struct.pack("<Q", 100) + json.dumps(
    {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}}).encode().ljust(100) + bytes(6))

# --- Model cards ---------------------------------------------------------------------------------------------------
def card(pipeline, name, input_shape, layers, output, parameters, preprocessing):
    spec = {"input": input_shape, "layers": [{"type": t, "options": o} if o else {"type": t} for t, o in layers]}
    return json.dumps({"architecture": spec, "name": name, "outputShape": output, "parameters": parameters,
                       "pipeline": pipeline, "preprocessing": preprocessing}, sort_keys=True)


write("modelcard", "demo.json", card("demo", "two-moons-mlp", [2], [("linear", {"units": 32}), ("relu", None),
                                     ("linear", {"units": 2})], [2], 162, {"classes": ["upper moon", "lower moon"], "features": ["x", "y"]}))
write("modelcard", "forecast-lstm.json", card("forecast", "network", [60, 1], [("lstm", {"units": 16, "return_sequences": False}),
                                              ("dropout", {"rate": 0.1}), ("linear", {"units": 5})], [5], 1253,
                                              {"window": 60, "horizon": 5, "mean": 0.0004, "std": "inf"}))
write("modelcard", "classify-cnn.json", card("classify", "cnn", [1, 28, 28], [("conv2d", {"filters": 8, "kernel_size": 3, "padding": 1}),
                                             ("batch_norm", None), ("relu", None), ("max_pool2d", {"kernel_size": 2}), ("flatten", None),
                                             ("linear", {"units": 10})], [10], 15770, {"classes": ["a", "b"], "size": [28, 28]}))
write("modelcard", "gru-layernorm.json", card("forecast", "gru", [8, 3], [("gru", {"units": 4, "return_sequences": True}),
                                              ("layer_norm", None), ("flatten", None), ("linear", {"units": 1})], [1], 150, {}))
