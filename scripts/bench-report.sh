#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-report.sh RAW OUTDIR: turn the "bench" lines that scripts/bench.sh
# collected into OUTDIR/bench.csv, OUTDIR/table.md (printed too) and PNG
# plots (gnuplot, when installed). Each row: median and range over the
# repetitions for Domino and for the anchor, and the ratio Domino/anchor.
# Rows for what Domino has not built yet say so instead of missing.
# A repetition that failed gives no figure: each boot's "reps" line says
# how many were asked, a median over fewer is marked with * and its note
# (and the CSV's *_reps columns) say "N of M repetitions".
set -euo pipefail
raw=$1 out=$2
mkdir -p "$out"
csv=$out/bench.csv table=$out/table.md

awk -v csv="$csv" -v table="$table" -v plotdir="$out" '
function sortn(a, n,    i, j, t) {	# insertion sort, a[1..n] numeric
	for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
}
function stat(key,    n, a, m) {	# "median min max" of vals[key]
	n = split(vals[key], a, " ")
	if (n == 0) return ""
	sortn(a, n)
	m = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	return m " " a[1] " " a[n]
}
function fmt(v) { return v == int(v) ? sprintf("%d", v) : sprintf("%.2f", v) }
# The repetitions of a row come from the boots of one lab and phase; "per"
# is 1 for a row measured once per boot (memory), 0 for one measured in
# every repetition.
function newrow(row, unit) {
	if (row in unit_of) return
	order[++nrows] = row; unit_of[row] = unit; row_of[row] = lab SUBSEP phase
}
function add(row, unit, hv, v, per) {
	newrow(row, unit); per_rep[row] = per
	vals[row SUBSEP hv] = vals[row SUBSEP hv] " " v
	got[row SUBSEP hv]++
}
function failed(row, unit, hv, text, per) {	# a repetition with no figure
	newrow(row, unit); per_rep[row] = per
	tried[row SUBSEP hv] = 1
	note(row, unit, hv, text)
}
function note(row, unit, hv, text,    t) {
	newrow(row, unit)
	t = hv ": " text
	if (index(notes[row], t)) return	# the same note from every repetition
	notes[row] = notes[row] (notes[row] ? "; " : "") t
}
function kv(s, k,    i, p) {		# value of k=... in the line
	for (i = 1; i <= NF; i++) { p = index($i, "="); if (p && substr($i, 1, p - 1) == k) return substr($i, p + 1) }
	return ""
}
function quoted(    s) { s = $0; sub(/^[^"]*"/, "", s); sub(/"$/, "", s); return s }
{
	lab = $1; phase = $2; kind = $3; name = $4; hv = $5
	if (kind == "reps") {
		# One per L1 boot (a stalled boot and its retry: two).
		asked[lab SUBSEP phase] += kv($0, "asked"); boots[lab SUBSEP phase]++
	} else if (kind == "exit") {
		if (phase == "exits") { unit = lab == "svm" ? "L1 instructions" : "Bochs instructions"; key = "tsc" }
		else { unit = "ns"; key = "ns" }
		row = lab " exit " name " (" (phase == "exits" ? "insns" : "wall") ")"
		if ($6 == "none") note(row, unit, hv, quoted())
		else if ($6 == "failed") failed(row, unit, hv, quoted(), 0)
		else add(row, unit, hv, kv($0, key), 0)
	} else if (kind == "boot") {
		row = lab " Linux boot to /init (2 vCPUs, 256 MiB)"
		if ($6 == "failed") failed(row, "s", hv, quoted(), 0)
		else add(row, "s", hv, kv($0, "seconds"), 0)
	} else if (kind == "mitigations") {
		mit[lab SUBSEP hv] = kv($0, "list")
		mitlabs[lab] = 1
	} else if (kind == "memory") {
		if ($6 == "failed") {
			failed(lab " memory: host, one idle guest", "KiB", hv, quoted(), 1)
			failed(lab " memory: VMM RSS, one idle guest", "KiB", hv, quoted(), 1)
			if (hv == "domino") failed(lab " memory: module allocations, one idle guest", "KiB", hv, quoted(), 1)
			next
		}
		add(lab " memory: host, one idle guest", "KiB", hv, kv($0, "host_kb"), 1)
		add(lab " memory: VMM RSS, one idle guest", "KiB", hv, kv($0, "vmm_rss_kb"), 1)
		if (hv == "domino") add(lab " memory: module allocations, one idle guest", "KiB", hv, kv($0, "module_kb"), 1)
	}
}
# "N of M": figures against repetitions asked, for a side that ran the
# row at all; "" when the boot did not say how many it asked.
function reps(r, hv,    want) {
	if (!((r SUBSEP hv) in got) && !((r SUBSEP hv) in tried)) return ""
	want = per_rep[r] ? boots[row_of[r]] : asked[row_of[r]]
	return want ? (got[r SUBSEP hv] + 0) " of " want : ""
}
function short(r, hv,    x, a) {	# fewer figures than asked
	x = reps(r, hv)
	return x != "" && split(x, a, " of ") == 2 && a[1] + 0 < a[2] + 0
}
function cell(r, hv, s) {	# "median (min-max)", * when short
	if (s[1] == "") return "-"
	return fmt(s[1]) (short(r, hv) ? "*" : "") " (" fmt(s[2]) "-" fmt(s[3]) ")"
}
END {
	# Capabilities not built yet: present, and saying so.
	nnb = split("svm net: netfront/netback vs virtio-net+vhost, throughput|Mbit/s|netback" \
		"#svm net: netfront/netback vs virtio-net+vhost, request rate|req/s|netback" \
		"#svm blk: blkfront/blkback vs virtio-blk, 4 KiB random read|IOPS|blkback" \
		"#svm blk: blkfront/blkback vs virtio-blk, 4 KiB random write|IOPS|blkback" \
		"#svm blk: blkfront/blkback vs virtio-blk, sequential|MB/s|blkback", nbl, "#")
	for (i = 1; i <= nnb; i++) { split(nbl[i], p, "|"); notbuilt[i] = p[1]; nbunit[p[1]] = p[2]; nbwhy[p[1]] = p[3] }
	print "benchmark,unit,domino_median,domino_min,domino_max,kvm_median,kvm_min,kvm_max,ratio,note,domino_reps,kvm_reps" > csv
	print "| benchmark | unit | Domino median (range) | KVM median (range) | Domino/KVM | note |" > table
	print "|---|---|---|---|---|---|" > table
	for (i = 1; i <= nrows; i++) {
		r = order[i]
		split(stat(r SUBSEP "domino"), d, " "); split(stat(r SUBSEP "kvm"), k, " ")
		ratio = (d[1] != "" && k[1] != "" && k[1] + 0 > 0) ? sprintf("%.2f", d[1] / k[1]) : ""
		ds = cell(r, "domino", d); ks = cell(r, "kvm", k)
		nt = notes[r]
		for (h = 1; h <= 2; h++) {
			hv = h == 1 ? "domino" : "kvm"
			if (short(r, hv)) { nshort++; nt = nt (nt ? "; " : "") hv ": " reps(r, hv) " repetitions" }
		}
		printf "\"%s\",%s,%s,%s,%s,%s,%s,%s,%s,\"%s\",%s,%s\n", r, unit_of[r], d[1], d[2], d[3], k[1], k[2], k[3], ratio, nt, reps(r, "domino"), reps(r, "kvm") > csv
		printf "| %s | %s | %s | %s | %s | %s |\n", r, unit_of[r], ds, ks, ratio == "" ? "-" : ratio, nt > table
		if (r ~ /^svm exit .*\(insns\)$/ && d[1] != "" && k[1] != "") {
			n = r; sub(/^svm exit /, "", n); sub(/ \(insns\)$/, "", n)
			printf "%s %s %s\n", n, d[1], k[1] > (plotdir "/exits-icount.dat")
		}
		if (r ~ /^svm exit .*\(wall\)$/ && d[1] != "" && k[1] != "") {
			n = r; sub(/^svm exit /, "", n); sub(/ \(wall\)$/, "", n)
			printf "%s %s %s\n", n, d[1], k[1] > (plotdir "/exits-wall.dat")
		}
		if (r ~ /boot to \/init/ && d[1] != "" && k[1] != "")
			printf "boot-to-init %s %s\n", d[1], k[1] > (plotdir "/boot.dat")
		if (r ~ /memory: host/ && d[1] != "" && k[1] != "")
			printf "host-memory %s %s\n", d[1] / 1024, k[1] / 1024 > (plotdir "/memory.dat")
	}
	for (i = 1; i <= nnb; i++) {
		r = notbuilt[i]
		printf "\"%s\",%s,,,,,,,,\"not built yet: %s\",,\n", r, nbunit[r], nbwhy[r] > csv
		printf "| %s | %s | - | - | - | not built yet: %s |\n", r, nbunit[r], nbwhy[r] > table
	}
	if (nshort) {
		print "" > table
		printf "\\* a median over fewer repetitions than asked. Short of repetitions: %d (each note says N of M repetitions).\n", nshort > table
	}
	# Both sides run in the same L1 boot, so under the same host choices.
	print "" > table
	print "| lab | Domino: world-switch barriers on | host kernel (KVM follows the same feature bits) |" > table
	print "|---|---|---|" > table
	for (l in mitlabs) {
		md = mit[l SUBSEP "domino"]; mk = mit[l SUBSEP "kvm"]
		gsub(/,/, ", ", md); gsub(/,/, ", ", mk)
		printf "| %s | %s | %s |\n", l, md == "" ? "none" : md, mk == "" ? "-" : mk > table
	}
}' "$raw"

cat "$table"

command -v gnuplot > /dev/null || { echo "(gnuplot missing: no plots; make deps installs it)"; exit 0; }
plot() {	# plot NAME TITLE YLABEL
    [ -s "$out/$1.dat" ] || return 0
    gnuplot <<GP
set terminal pngcairo size 900,500
set output "$out/$1.png"
set title "$2"
set ylabel "$3"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -30
set key top left
set yrange [0:*]
plot "$out/$1.dat" using 2:xtic(1) title "Domino", "" using 3 title "KVM"
GP
}
plot exits-icount "Exit cost, SVM lab (QEMU -icount)" "L1 instructions per iteration"
plot exits-wall "Exit cost, SVM lab (wall time)" "ns per iteration"
plot boot "Linux boot to /init, SVM lab" "seconds"
plot memory "Host memory for one idle 256 MiB guest, SVM lab" "MiB"
ls "$out"/*.png 2>/dev/null | sed 's/^/plot: /'
