#!/bin/sh
# Builds data/generated/cluster/cdnow_events.csv, the event log `cluster` segments in `make demo`, from the CDNOW
# purchase log shipped inside PyPI's Lifetimes 0.11.3 wheel (lifetimes/datasets/CDNOW_master.txt), and
# cdnow_events_1997.csv, the same log cut at 1997-12-31 (the notebook segments 1997, then assigns the full log).
# Idempotent: does nothing when both files exist with the expected number of rows.
set -eu

cd "$(dirname "$0")/../.."
out=data/generated/cluster
full="$out/cdnow_events.csv"
early="$out/cdnow_events_1997.csv"
expected_rows=69659   # purchases in CDNOW_master.txt (23,570 customers, 1997-01-01 .. 1998-06-30)
WHEEL=Lifetimes-0.11.3-py3-none-any.whl
WHEEL_SHA256=261e3dc89977c2b60767ca6728aaa29d429de0c814635070a749c36555895da8

rows() { [ -f "$1" ] && echo $(( $(wc -l < "$1") - 1 )) || echo 0; }
if [ "$(rows "$full")" = "$expected_rows" ] && [ "$(rows "$early")" -gt 0 ]; then
    echo "cluster data: $full is up to date ($expected_rows purchases)"
    exit 0
fi

. data/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
download_wheel "cluster data" "$work" "$WHEEL" "$WHEEL_SHA256" Lifetimes==0.11.3
mkdir -p "$out"
python3 - "$work/$WHEEL" "$full" "$early" "$expected_rows" <<'PY'
"""CDNOW_master.txt (whitespace-separated: customer id, date YYYYMMDD, number of CDs, dollar value) -> event CSV."""
import csv, os, sys, zipfile

wheel, full_path, early_path, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with zipfile.ZipFile(wheel) as archive:
    text = archive.read("lifetimes/datasets/CDNOW_master.txt").decode("ascii")
lines = text.splitlines()
assert lines[0].split() == ["customer_id", "date", "number_of_cds", "dollar_value"], lines[0]
rows = []
for number, line in enumerate(lines[1:], start=2):
    customer, date, cds, dollars = line.split()
    assert len(date) == 8 and date.isdigit() and float(dollars) >= 0, f"CDNOW_master.txt:{number}: {line!r}"
    # Leading zeros of the ids are kept: they are identifiers, not numbers.
    rows.append([customer, f"{date[:4]}-{date[4:6]}-{date[6:]}", "purchase", dollars, cds])
assert len(rows) == expected, f"expected {expected} purchases, found {len(rows)}"

header = ["user_id", "timestamp", "event", "amount", "quantity"]
for path, keep in [(full_path, lambda row: True), (early_path, lambda row: row[1] <= "1997-12-31")]:
    with open(path + ".tmp", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(row for row in rows if keep(row))
for path in (full_path, early_path):
    os.replace(path + ".tmp", path)
print(f"cluster data: wrote {full_path} ({len(rows)} purchases by {len({r[0] for r in rows})} customers) and {early_path}")
PY
