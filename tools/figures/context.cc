#include "tools/figures/context.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "lib/io/atomic_file.h"
#include "lib/io/npy.h"
#include "lib/util/status.h"

namespace otgan::figures {
namespace fs = std::filesystem;

std::optional<double> Published::W1(const std::string& dataset, const std::string& method) const {
  const auto d = w1.find(dataset);
  if (d == w1.end()) return std::nullopt;
  const auto m = d->second.find(method);
  if (m == d->second.end()) return std::nullopt;
  return m->second;
}

std::string Published::Label(const std::string& method) const {
  const auto it = labels.find(method);
  if (it != labels.end()) return it->second;
  if (method == "sinkhorn_gan") return "Sinkhorn GAN";
  if (method == "otgan") return "OT-GAN";
  return method;
}

absl::StatusOr<Published> ReadPublished(const std::string& path) {
  OTGAN_ASSIGN_OR_RETURN(io::Json j, io::ReadJsonFile(path));
  Published p;
  io::JsonFields f(j, path);
  io::JsonFields t = f.Object("w1_laschos");
  t.Required("source", &p.source);
  t.Required("methods", &p.methods);
  f.Absorb(t);
  OTGAN_RETURN_IF_ERROR(f.status());
  const io::Json& w = j["w1_laschos"];
  if (w.contains("labels") && w["labels"].is_object()) {
    for (const auto& [k, v] : w["labels"].items()) {
      if (v.is_string()) p.labels[k] = v.get<std::string>();
    }
  }
  for (const auto& [dataset, table] : w.items()) {
    if (!table.is_object() || dataset == "labels") continue;
    for (const auto& [method, v] : table.items()) {
      if (v.is_number()) p.w1[dataset][method] = v.get<double>();
    }
  }
  if (j.contains("paper_iterations") && j["paper_iterations"].is_object()) {
    for (const auto& [program, v] : j["paper_iterations"].items()) {
      if (v.is_number()) p.paper_iterations[program] = v.get<double>();
    }
  }
  if (j.contains("other") && j["other"].is_array()) {
    for (const io::Json& o : j["other"]) {
      if (!o.is_object() || !o.contains("value") || !o["value"].is_number()) continue;
      Published::Other x;
      x.value = o["value"].get<double>();
      if (o.contains("std") && o["std"].is_number()) x.std = o["std"].get<double>();
      for (auto [key, dst] : {std::pair<const char*, std::string*>{"paper", &x.paper},
                              {"what", &x.what},
                              {"source", &x.source},
                              {"comparable", &x.comparable}}) {
        if (o.contains(key) && o[key].is_string()) *dst = o[key].get<std::string>();
      }
      p.other.push_back(std::move(x));
    }
  }
  return p;
}

std::string DatasetOf(const Run& r) { return r.Fact("eval_dataset"); }
std::string MethodOf(const Run& r) { return r.Fact("method"); }
std::string PaperOf(const Run& r) { return r.Fact("paper"); }

std::string Setting(const Run& r, const std::string& key) {
  const std::string flag = r.Flag(key);
  return flag.empty() ? r.Fact(key) : flag;
}

bool IsToyDataset(const std::string& d) {
  return d == "8gaussians" || d == "25gaussians" || d == "swissroll" || d == "ring10" ||
         d == "8gaussians_otgan";
}

std::string DatasetLabel(const std::string& d) {
  if (d == "mnist") return "MNIST";
  if (d == "fashion") return "Fashion-MNIST";
  return d;
}

Length LengthOf(const Run& r, const Published& published) {
  Length len;
  const std::string ps = Setting(r, "paper_steps");
  if (absl::SimpleAtod(ps.substr(0, ps.find(' ')), &len.paper)) {
    len.source = "manifest";
  } else {
    len.paper = 0;
    const auto it = published.paper_iterations.find(r.program);
    if (it != published.paper_iterations.end()) {
      len.paper = it->second;
      len.source = "authors' code, figures/published.json";
    }
  }
  const std::string ts =
      Setting(r, "total_steps").empty() ? Setting(r, "main_loops") : Setting(r, "total_steps");
  if (!absl::SimpleAtod(ts, &len.total)) len.total = 0;
  return len;
}

std::string LengthClause(const Run& r, const Published& published) {
  const Length len = LengthOf(r, published);
  if (len.total <= 0) return "";
  if (len.paper <= 0) return absl::StrFormat(", after %.0f iterations", len.total);
  return absl::StrFormat(", after %.0f iterations (%.3g\\%% of the paper's %.0f)", len.total,
                         100.0 * len.total / len.paper, len.paper);
}

std::optional<W1> W1Of(const Run& r) {
  if (!r.eval || !r.eval->pixel_w1) return std::nullopt;
  const eval::PixelW1Report& p = *r.eval->pixel_w1;
  W1 w;
  w.mean = p.w1_mean;
  w.std = p.w1_std;
  w.floor = p.w1_real_floor;
  w.num_real = p.protocol.num_real;
  w.num_generated = p.protocol.num_generated;
  w.protocol = p.protocol.laschos_protocol;
  return w;
}

std::optional<double> FinalValue(const io::CsvTable& t, const std::string& name) {
  const int c = t.ColumnIndex(name);
  if (c < 0 || t.rows.empty()) return std::nullopt;
  const size_t k = std::max<size_t>(1, t.rows.size() / 10);
  double s = 0;
  int n = 0;
  for (size_t i = t.rows.size() - k; i < t.rows.size(); ++i) {
    if (std::isfinite(t.rows[i][c])) {
      s += t.rows[i][c];
      ++n;
    }
  }
  if (n == 0) return std::nullopt;
  return s / n;
}

std::string Tex(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '_':
      case '%':
      case '&':
      case '#':
      case '$':
      case '{':
      case '}':
        out += '\\';
        out += c;
        break;
      case '\\':
        out += "\\textbackslash{}";
        break;
      case '^':
        out += "\\^{}";
        break;
      case '~':
        out += "\\~{}";
        break;
      case '<':
        out += "$<$";
        break;
      case '>':
        out += "$>$";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Fixed(std::optional<double> v, int digits) {
  if (!v.has_value() || !std::isfinite(*v)) return "--";
  return absl::StrFormat("%.*f", digits, *v);
}

std::string Slug(const std::string& name) { return absl::StrReplaceAll(name, {{"/", "_"}}); }

absl::StatusOr<at::Tensor> ReadPoints(const std::string& path) {
  OTGAN_ASSIGN_OR_RETURN(at::Tensor t, io::ReadNpy(path));
  if (t.dim() != 2 || t.size(1) != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected toy points of shape [N,2], found ", t.dim(), "-d tensor"));
  }
  return t.to(at::kDouble).contiguous();
}

std::vector<std::vector<double>> Rows2(const at::Tensor& t, int64_t max_rows) {
  std::vector<std::vector<double>> rows;
  const double* p = t.data_ptr<double>();
  const int64_t n = std::min<int64_t>(t.size(0), max_rows);
  for (int64_t i = 0; i < n; ++i) rows.push_back({p[2 * i], p[2 * i + 1]});
  return rows;
}

absl::Status Context::Render(const std::string& id, const std::string& title,
                             const std::string& caption, const Figure& f) {
  OTGAN_RETURN_IF_ERROR(plot::RenderFigure(f, (fs::path(out_dir_) / id).string()));
  entries_.push_back({id, title, "ok", "", caption});
  return absl::OkStatus();
}

void Context::Missing(const std::string& id, const std::string& title, const std::string& why) {
  entries_.push_back({id, title, kNotYetRun, why, ""});
}

const Entry* Context::Find(const std::string& id) const {
  for (const Entry& e : entries_) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

std::vector<const Run*> Context::TopLevel(const std::function<bool(const Run&)>& pred) const {
  std::vector<const Run*> v;
  for (const Run& r : runs_) {
    if (r.Group().empty() && pred(r)) v.push_back(&r);
  }
  return v;
}

std::vector<const Run*> Context::InGroup(const std::string& group) const {
  std::vector<const Run*> v;
  for (const Run& r : runs_) {
    if (r.Group() == group) v.push_back(&r);
  }
  return v;
}

std::string Context::FigureTex(const std::string& id, double width) const {
  const Entry* e = Find(id);
  if (e == nullptr) return "";
  if (e->status != "ok") {
    return absl::StrCat("\\noindent\\fbox{\\parbox{0.95\\linewidth}{\\small Figure \\emph{",
                        Tex(e->title), "}: ", kNotYetRun, " (", Tex(e->why), ").}}\n\n");
  }
  return absl::StrCat("\\begin{figure}[htbp]\\centering\n\\includegraphics[width=", width,
                      "\\linewidth]{figures/", id, ".pdf}\n\\caption{", e->caption,
                      "}\\label{fig:", id, "}\n\\end{figure}\n\n");
}

absl::Status Context::PutTex(const std::string& name, const std::string& text) const {
  const fs::path dir = fs::path(out_dir_) / "tex";
  std::error_code ec;
  fs::create_directories(dir, ec);
  return io::WriteFileAtomically((dir / name).string(), text);
}

}  // namespace otgan::figures
