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

}  // namespace

absl::Status BuildToys(Context& c) {
  for (const Run& r : c.runs()) {
    if (r.Group().empty() && IsToyDataset(DatasetOf(r))) OTGAN_RETURN_IF_ERROR(Toy(c, r));
  }
  return absl::OkStatus();
}

}  // namespace otgan::figures
