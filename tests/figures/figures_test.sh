#!/usr/bin/env bash
# Runs //tools:figures on a fixture results folder.
#   figures_test.sh ok TOOL RESULTS PUBLISHED
#     every figure whose inputs the fixture holds exists and is non-empty
#     (PDF and PNG), the index marks the absent targets "not yet run", and the
#     generated LaTeX is there.
#   figures_test.sh malformed TOOL RESULTS PUBLISHED
#     a copy of the fixture with a malformed metrics.csv: exit status 1, exactly
#     one line on stderr naming that file, and no file in the output folder.
set -uo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
mode="$1" tool="$2" results="$3" published="$4"
out="$TEST_TMPDIR/out"
rm -rf "$out"

if [[ "$mode" == "ok" ]]; then
  start=$(date +%s.%N)
  "$tool" --results="$results" --out="$out" --published="$published" || fail "tool exited $?"
  echo "figures built in $(echo "$(date +%s.%N) - $start" | bc) s"
  for f in curves_wgan_gp_toy curves_sinkhorn_gan_mnist curves_otgan_mog samples_mnist \
           toy_wgan_gp_toy toy_otgan_mog sweep_sinkhorn sweep_sinkhorn_samples sweep_otgan_batch \
           w1 bench_sinkhorn bench_exact_ot; do
    for ext in pdf png; do
      [[ -s "$out/$f.$ext" ]] || fail "$f.$ext missing or empty"
    done
    head -c 4 "$out/$f.pdf" | grep -q '%PDF' || fail "$f.pdf is not a PDF"
  done
  for t in numbers sec_genevay sec_otgan sec_wgan sec_wgangp sec_laschos app_genevay app_otgan \
           app_wgan app_wgangp app_laschos samples w1 performance discussion verdict compute_matched; do
    [[ -s "$out/tex/$t.tex" ]] || fail "tex/$t.tex missing or empty"
  done
  # Tables keep their rows in CSV (typeset by csvsimple): the sweep table's rows.
  csv="$out/tex/sinkhorn_gan_sweep.csv"
  [[ -s "$csv" ]] || fail "tex/sinkhorn_gan_sweep.csv missing"
  [[ "$(head -1 "$csv")" == "setting,sinkhorn_eps,sinkhorn_iters,steps,final_loss,fid_lenet,is,w1" ]] ||
    fail "tex/sinkhorn_gan_sweep.csv header: $(head -1 "$csv")"
  grep -q '^eps1\\_L50,1,50,' "$csv" || fail "tex/sinkhorn_gan_sweep.csv lacks the eps1_L50 row"
  grep -q 'figures/tex/sinkhorn_gan_sweep.csv' "$out/tex/sec_genevay.tex" ||
    fail "sec_genevay.tex does not typeset tex/sinkhorn_gan_sweep.csv"
  # The throughput table (bench/train_step_rounds.jsonl, two rounds with
  # --reference_defaults): both ratios with their range over the rounds.
  csv="$out/tex/bench_train_step.csv"
  [[ -s "$csv" ]] || fail "tex/bench_train_step.csv missing"
  head -1 "$csv" | grep -q ',ratio,python_defaults_ms,ratio_defaults,' ||
    fail "tex/bench_train_step.csv header: $(head -1 "$csv")"
  grep -Eq '^train\\_step\\_rounds\.jsonl,fp32,1,otgan\\_mog,[0-9]+,[0-9]+,[0-9.]+ \([0-9.]+--[0-9.]+\),[0-9]+,[0-9.]+ \([0-9.]+--[0-9.]+\),' "$csv" ||
    fail "tex/bench_train_step.csv lacks the otgan_mog row with ratio ranges: $(grep otgan "$csv" | head -2)"
  # The per-run detail (setup, training curves) is in the appendix files, not the sections.
  grep -q 'curves_sinkhorn_gan_mnist' "$out/tex/app_genevay.tex" || fail "app_genevay.tex lacks the curves"
  if grep -q 'curves_sinkhorn_gan_mnist' "$out/tex/sec_genevay.tex"; then fail "sec_genevay.tex still has the curves"; fi
  # The verdict: a paper with no run in the fixture is "not yet run".
  grep -q '^Arjovsky.*,not yet run,' "$out/tex/verdict.csv" || fail "verdict.csv: WGAN should be not yet run"
  # No run of the fixture has eval_curve.csv: every MNIST method is listed without a curve.
  grep -q 'no evaluation curve yet' "$out/tex/compute_matched.tex" || fail "compute_matched.tex lacks the no-curve rows"
  idx="$out/figures.json"
  [[ -s "$idx" ]] || fail "figures.json missing"
  # Absent in the fixture: Fashion-MNIST samples (and wgan_mnist etc. in the tables).
  grep -A2 '"id": "samples_fashion"' "$idx" | grep -q '"status": "not yet run"' ||
    fail "samples_fashion should be 'not yet run' in figures.json"
  grep -q 'wgan\\_mnist} & & \\multicolumn{8}{c}{not yet run}' "$out/tex/sec_wgan.tex" ||
    fail "sec_wgan.tex should list wgan_mnist as not yet run"
  # The fixture's floor (eval.json, a real smoke evaluation) reaches the prose macros.
  floor=$(grep -o '"w1_real_floor": *[0-9.eE+-]*' "$results/sinkhorn_gan_mnist/eval.json" | head -1 | sed 's/.*: *//')
  [[ -n "$floor" ]] || fail "fixture sinkhorn_gan_mnist/eval.json has no w1_real_floor"
  floor2=$(printf '%.2f' "$floor")
  grep -q "FloorMnist}{$floor2" "$out/tex/numbers.tex" || fail "numbers.tex lacks the MNIST floor $floor2"
  # No temporary files left behind.
  if find "$out" -name '.*tmp*' | grep -q .; then fail "temporary files left in $out"; fi
  echo "PASS"
  exit 0
fi

[[ "$mode" == "malformed" ]] || fail "unknown mode $mode"
copy="$TEST_TMPDIR/results"
rm -rf "$copy"
cp -rL "$results" "$copy"
chmod -R u+w "$copy"
bad="$copy/sinkhorn_gan_mnist/metrics.csv"
printf 'step,seconds,loss\n5,1.3,63.4\n10,2.5,oops\n' > "$bad"
"$tool" --results="$copy" --out="$out" --published="$published" 2> "$TEST_TMPDIR/stderr"
rc=$?
[[ $rc -eq 1 ]] || fail "expected exit status 1, got $rc"
lines=$(wc -l < "$TEST_TMPDIR/stderr")
[[ "$lines" -eq 1 ]] || { cat "$TEST_TMPDIR/stderr" >&2; fail "expected one line on stderr, got $lines"; }
grep -q "sinkhorn_gan_mnist/metrics.csv:3" "$TEST_TMPDIR/stderr" || fail "error does not name file:line: $(cat "$TEST_TMPDIR/stderr")"
if [[ -d "$out" ]] && find "$out" -mindepth 1 | grep -q .; then
  find "$out" >&2
  fail "output written despite the error"
fi
echo "PASS: $(cat "$TEST_TMPDIR/stderr")"
