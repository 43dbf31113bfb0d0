#!/bin/sh
# Builds the forecast pipeline's daily price CSVs from the PyPI wheel of `arch` (NCSA licence), which ships
# Yahoo Finance / FRED series as test data: S&P 500 and NASDAQ Composite daily OHLCV (1999-2018) and the WTI
# crude oil spot price (FRED DCOILWTICO, 1986-2019). Idempotent: does nothing when the files are there.
#
#   data/generated/forecast/sp500.csv    Date,Open,High,Low,Close,Adj Close,Volume (M/D/YYYY dates, as shipped)
#   data/generated/forecast/nasdaq.csv   same columns
#   data/generated/forecast/wti.csv      Date,DCOILWTICO (FRED writes '.' for a missing price)
#   data/generated/forecast/indices.csv  wide format: Date,SP500,NASDAQ (adjusted closes, ISO dates)
set -eu

VERSION=8.0.0
# One fixed wheel: its data files are the same on every platform, so the download is too.
WHEEL=arch-$VERSION-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl
WHEEL_SHA256=975ec3bdf7926335742ac362251fafe32b448b8f194dead062f22a00beef772d
OUT=data/generated/forecast

if [ -s "$OUT/sp500.csv" ] && [ -s "$OUT/nasdaq.csv" ] && [ -s "$OUT/wti.csv" ] && [ -s "$OUT/indices.csv" ]; then
    echo "forecast data: already built in $OUT"
    exit 0
fi
. "$(dirname "$0")/../lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
download_wheel "forecast data" "$TMP" "$WHEEL" "$WHEEL_SHA256" --only-binary=:all: --python-version 3.11 --implementation cp \
    --abi cp311 --platform manylinux_2_28_x86_64 "arch==$VERSION"

mkdir -p "$OUT"
python3 - "$TMP/$WHEEL" "$OUT" <<'PY'
import csv, datetime, gzip, io, sys, zipfile

wheel, out = sys.argv[1], sys.argv[2]
tables = {}
with zipfile.ZipFile(wheel) as archive:
    for name in ("sp500", "nasdaq", "wti"):
        text = gzip.decompress(archive.read(f"arch/data/{name}/{name}.csv.gz")).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        tables[name] = rows
        # Written as shipped (header included), with LF line ends; a temporary name keeps a half-written file out.
        with open(f"{out}/{name}.csv.tmp", "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)

# The two indices side by side (wide format), on the dates both have.
def adjusted(rows):
    column = rows[0].index("Adj Close")
    return {datetime.datetime.strptime(row[0], "%m/%d/%Y").date(): row[column] for row in rows[1:]}
sp500, nasdaq = adjusted(tables["sp500"]), adjusted(tables["nasdaq"])
with open(f"{out}/indices.csv.tmp", "w", newline="") as f:
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(["Date", "SP500", "NASDAQ"])
    for day in sorted(set(sp500) & set(nasdaq)):
        writer.writerow([day.isoformat(), sp500[day], nasdaq[day]])
PY
for name in sp500 nasdaq wti indices; do mv "$OUT/$name.csv.tmp" "$OUT/$name.csv"; done
for f in "$OUT"/*.csv; do echo "forecast data: wrote $f ($(($(wc -l < "$f") - 1)) rows)"; done
