// Figure family: each toy run's generated samples (samples_eval.npy) over
// target samples, with the mode centres and, when the run saved one, the
// critic's value surface (critic_surface.npy + .json).
#include <algorithm>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/data/toy.h"
#include "lib/io/csv.h"
#include "lib/io/json.h"
#include "lib/io/npy.h"
#include "lib/util/status.h"
#include "tools/figures/registry.h"

namespace otgan::figures {
namespace {

using plot::Num;
using plot::Quote;

absl::Status Toy(Context& c, const Run& r) {
  const std::string dataset = DatasetOf(r);
  const std::string id = "toy_" + Slug(r.name);
  const std::string title = r.name + " on " + dataset;
  const std::string samples_path = r.File("samples_eval.npy");
  if (samples_path.empty()) {
    c.Missing(id, title, r.name + "/samples_eval.npy absent");
    return absl::OkStatus();
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor gen, ReadPoints(samples_path));
  OTGAN_ASSIGN_OR_RETURN(data::ToyKind kind, data::ParseToyKind(dataset));
  const data::ToyDistribution toy = data::ToyDistribution::Make(kind);
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(/*seed=*/20180101);
  at::Tensor target = toy.Sample(3000, g).to(at::kDouble).contiguous();
  at::Tensor centers = toy.centers().to(at::kDouble).contiguous();
  Figure f;
  f.width_in = 5.2;
  f.height_in = 4.6;
  f.AddData("target", Rows2(target, 3000));
  f.AddData("gen", Rows2(gen, 5000));
  f.AddData("centers", Rows2(centers, 1000));
  double range = 2.0;
  std::string s;
  std::string plot;
  const std::string surf_npy = r.File("critic_surface.npy");
  if (!surf_npy.empty()) {
    const std::string surf_json = r.File("critic_surface.json");
    if (surf_json.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(r.dir, "/critic_surface.json: missing beside critic_surface.npy"));
    }
    OTGAN_ASSIGN_OR_RETURN(io::Json meta, io::ReadJsonFile(surf_json));
    double size = 0;
    io::JsonFields fields(meta, surf_json);
    fields.Required("size", &size);
    fields.Required("range", &range);
    OTGAN_RETURN_IF_ERROR(fields.status());
    OTGAN_ASSIGN_OR_RETURN(at::Tensor surf, io::ReadNpy(surf_npy));
    if (surf.dim() != 2 || surf.size(0) != static_cast<int64_t>(size) ||
        surf.size(1) != surf.size(0) || size < 2 || !(range > 0)) {
      return absl::InvalidArgumentError(absl::StrCat(surf_npy,
                                                     ": expected a [size,size] surface with size ",
                                                     size, " and range > 0 (", surf_json, ")"));
    }
    surf = surf.to(at::kDouble).contiguous();
    const int64_t n = surf.size(0);
    std::vector<std::vector<double>> rows;
    const double* p = surf.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) rows.emplace_back(p + i * n, p + (i + 1) * n);
    f.AddData("surf", rows);
    const double dx = 2 * range / (n - 1);
    f.width_in = 6.0;
    s += "set palette defined (0 '#2c4a87', 0.5 '#9ec2e6', 1 '#fff5b3')\n"
         "set cblabel 'critic value'\n";
    plot = absl::StrFormat("$surf matrix using (%s+$1*%s):(%s+$2*%s):3 with image notitle, ",
                           Num(-range), Num(dx), Num(-range), Num(dx));
  } else {
    range = std::max(range, 1.1 * std::max(target.abs().max().item<double>(), 1.0));
  }
  s += absl::StrFormat("set xrange [%s:%s]\nset yrange [%s:%s]\nset size ratio -1\n", Num(-range),
                       Num(range), Num(-range), Num(range));
  s += "set key outside bottom center horizontal\nset title " + Quote(title) + "\n";
  // Target first and larger (green), generated on top (red), centres as thin
  // crosses so that narrow modes (8 Gaussians: sigma 0.02) stay visible.
  plot +=
      "$target using 1:2 with points pt 7 ps 0.55 lc rgb '#2ca02c' title 'target samples', "
      "$gen using 1:2 with points pt 7 ps 0.22 lc rgb '#d62728' title 'generated (samples_eval)'";
  if (centers.size(0) > 0) {
    plot += ", $centers using 1:2 with points pt 2 ps 0.8 lw 1 lc rgb 'black' title 'mode centres'";
  }
  s += "plot " + plot + "\n";
  f.script = s;
  std::string caption = "\\texttt{" + Tex(r.name) + "} on " + Tex(dataset) +
                        ": generated samples (red, samples\\_eval.npy) over 3000 target samples "
                        "(green)";
  if (centers.size(0) > 0) caption += " with the mode centres (black crosses)";
  if (!surf_npy.empty()) caption += ", on the critic's value surface (critic\\_surface.npy)";
  return c.Render(id, title, caption + ".", f);
}

// The toy's evaluation curve (eval_curve.csv, lib/eval/toy_eval_curve.h):
// W2 and its floor, and (Gaussian mixtures) modes covered and the
// high-quality fraction, against generator iterations. Runs without a curve
// get no figure.
absl::Status ToyCurve(Context& c, const Run& r) {
  const std::string path = r.File("eval_curve.csv");
  if (path.empty()) return absl::OkStatus();
  OTGAN_ASSIGN_OR_RETURN(io::CsvTable t, io::ReadCsv(path));
  const int step = t.ColumnIndex("step"), w2 = t.ColumnIndex("w2"),
            floor = t.ColumnIndex("w2_floor"), modes = t.ColumnIndex("modes_covered"),
            hq = t.ColumnIndex("high_quality_fraction");
  if (step < 0 || w2 < 0 || floor < 0 || t.rows.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected the columns step, w2 and w2_floor and at least one row"));
  }
  const std::string id = "toy_curve_" + Slug(r.name);
  const std::string title = "Evaluation curve of " + r.name;
  Figure f;
  f.AddData("c", t.rows);
  const bool has_modes = modes >= 0 && hq >= 0;
  f.width_in = has_modes ? 8 : 4.5;
  f.height_in = 3;
  std::string s = absl::StrFormat("set multiplot layout 1,%d title %s\n", has_modes ? 2 : 1,
                                  Quote(title + " (1000 points)"));
  s += "set grid\nset key top right font ',8'\nset xlabel 'generator iteration'\n";
  absl::StrAppend(&s, "set ylabel 'exact W2'\nplot $c using ", step + 1, ":", w2 + 1,
                  " with linespoints pt 7 ps 0.4 lc rgb '#1f77b4' title 'W2', $c using ",
                  step + 1, ":", floor + 1,
                  " with lines dt 2 lc rgb '#555555' title 'floor (two target samples)'\n");
  std::string caption = absl::StrCat("Evaluation curve of \\texttt{", Tex(r.name),
                                     "} (eval\\_curve.csv, 1000 points from fixed latents): "
                                     "exact W2 to a fixed target sample beside its floor");
  if (has_modes) {
    absl::StrAppend(&s, "set key bottom right\nset ylabel 'modes covered'\n",
                    "set y2label 'high quality (%)'\n",
                    "set y2tics\nset ytics nomirror\nset yrange [0:*]\nset y2range [0:100]\n",
                    "plot $c using ", step + 1, ":", modes + 1,
                    " with linespoints pt 7 ps 0.4 lc rgb '#d62728' title 'modes covered', $c "
                    "using ",
                    step + 1, ":($", hq + 1,
                    "*100) axes x1y2 with linespoints pt 5 ps 0.4 lc rgb '#2ca02c' title "
                    "'high quality'\n");
    caption += "; modes covered (at least 0.1 n / K points within 3 sigma of a centre) and "
               "the fraction of points within 3 sigma of any centre";
  }
  f.script = s + "unset multiplot\n";
  return c.Render(id, title, caption + ".", f);
}

}  // namespace

absl::Status BuildToys(Context& c) {
  for (const Run& r : c.runs()) {
    if (r.Group().empty() && IsToyDataset(DatasetOf(r))) {
      OTGAN_RETURN_IF_ERROR(Toy(c, r));
      OTGAN_RETURN_IF_ERROR(ToyCurve(c, r));
    }
  }
  return absl::OkStatus();
}

}  // namespace otgan::figures
