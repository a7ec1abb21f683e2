// Copyright 2026 The Candor Authors.

#include "calibrate/report.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "calibrate/svg_plot.h"

namespace candor::eval {
namespace {

using Json = nlohmann::json;

std::string Pct(const Json& v, int digits = 2) {
  if (!v.is_number()) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f %%", digits, 100 * v.get<double>());
  return buf;
}

std::string Num(const Json& v, const char* fmt = "%.3g") {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_number()) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v.get<double>());
  return buf;
}

std::string Esc(const std::string& s) { return plot::XmlEscape(s); }

std::string ModelName(const Json& r) {
  return r.at("model").value("id", std::string("?"));
}

plot::Series DetSeries(const std::string& name, const Json& det) {
  plot::Series s{name, {}, {}};
  for (const auto& p : det) {
    s.x.push_back(p[0].get<double>());
    s.y.push_back(p[1].get<double>());
  }
  return s;
}

plot::PlotOptions DetOptions(const std::string& title) {
  plot::PlotOptions o;
  o.title = title;
  o.x = {"FPIR (false positive identification rate)", true, 1e-4, 1};
  o.y = {"FNIR (false negative identification rate)", true, 1e-3, 1};
  return o;
}

const Json* LfwFor(const ModelResults& m) {
  if (m.lfw.is_null() || !m.lfw.contains("results")) return nullptr;
  const std::string sha = m.identify["model"].value("sha256", "");
  const std::string id = ModelName(m.identify);
  for (const auto& r : m.lfw["results"]) {
    if (r.value("onnx_sha256", "") == sha || r.value("model", "") == id) return &r;
  }
  return nullptr;
}

Status Validate(const std::vector<ModelResults>& results) {
  if (results.empty()) return InvalidArgumentError("no results to report");
  for (const auto& m : results) {
    for (const char* key : {"model", "fnir_at_fpir", "det", "cmc", "split", "counts"}) {
      if (!m.identify.contains(key)) {
        return InvalidArgumentError(std::string("result JSON lacks '") + key +
                                    "': is it the output of `candor eval identify`?");
      }
    }
  }
  return OkStatus();
}

double FnirAt(const Json& r, double fpir) {
  for (const auto& p : r["fnir_at_fpir"]) {
    if (std::fabs(p["fpir"].get<double>() - fpir) < 1e-12) return p["fnir"].get<double>();
  }
  return std::nan("");
}

}  // namespace

StatusOr<std::string> RenderHtml(const std::vector<ModelResults>& results,
                                 const std::string& title) {
  CANDOR_RETURN_IF_ERROR(Validate(results));
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << Esc(title)
    << "</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}"
       "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
       "th{background:#f4f4f4}.warn{color:#a40}</style></head><body>\n";
  h << "<h1>" << Esc(title) << "</h1>\n";
  h << "<p>Open-set 1:N identification in the NIST FRTE style; thresholds from target error "
       "rates; demographic differentials with bootstrap intervals over identities. Methods: "
       "docs/EVALUATION.md.</p>\n";
  // Summary table.
  h << "<h2>Summary</h2><table><tr><th>model</th><th>LFW 10-fold accuracy</th><th>TAR at FAR "
       "1e-3 (LFW pairs)</th><th>FNIR at FPIR 0.3 %</th><th>FNIR at FPIR 1 %</th><th>FNIR at "
       "FPIR 10 %</th><th>rank-1</th><th>rank-5</th><th>rank-20</th><th>rank-50</th></tr>\n";
  for (const auto& m : results) {
    const Json& r = m.identify;
    const Json* lfw = LfwFor(m);
    h << "<tr><td>" << Esc(ModelName(r)) << "</td><td>"
      << (lfw ? Pct((*lfw)["accuracy_mean"]) + " ± " + Pct((*lfw)["accuracy_std"]) : "n/a")
      << "</td><td>" << (lfw ? Pct((*lfw)["tar_at_far_1e-3"]) : "n/a") << "</td>";
    for (const auto& p : r["fnir_at_fpir"]) {
      h << "<td" << (p.value("supported", true) ? "" : " class=\"warn\"") << ">" << Pct(p["fnir"])
        << (p.value("supported", true) ? "" : " (below support)") << "</td>";
    }
    const auto& hit = r["cmc"]["hit_rate"];
    for (int rank : {1, 5, 20, 50}) {
      h << "<td>" << (static_cast<int>(hit.size()) >= rank ? Pct(hit[rank - 1]) : "n/a") << "</td>";
    }
    h << "</tr>\n";
  }
  h << "</table>\n";
  // DET, all models.
  std::vector<plot::Series> dets;
  for (const auto& m : results) dets.push_back(DetSeries(ModelName(m.identify), m.identify["det"]));
  h << "<h2>DET (rank 1)</h2>\n" << plot::LinePlot(dets, DetOptions("DET per model"));
  // CMC.
  std::vector<plot::Series> cmcs;
  for (const auto& m : results) {
    plot::Series s{ModelName(m.identify), {}, {}};
    const auto& ranks = m.identify["cmc"]["ranks"];
    const auto& hit = m.identify["cmc"]["hit_rate"];
    for (std::size_t i = 0; i < ranks.size(); ++i) {
      s.x.push_back(ranks[i].get<double>());
      s.y.push_back(hit[i].get<double>());
    }
    cmcs.push_back(s);
  }
  plot::PlotOptions co;
  co.title = "CMC (closed-set hit rate)";
  co.x = {"rank", true, 1, 100};
  co.y = {"hit rate", false, 0, 0};
  h << "<h2>CMC</h2>\n" << plot::LinePlot(cmcs, co);

  for (const auto& m : results) {
    const Json& r = m.identify;
    const std::string name = ModelName(r);
    h << "<h2>Model " << Esc(name) << "</h2>\n<p>ONNX SHA-256 <code>"
      << Esc(r["model"].value("sha256", "")) << "</code></p>\n";
    h << "<h3>Protocol and split</h3><pre>" << Esc(r["split"].dump(1)) << "\n"
      << Esc(r["counts"].dump(1)) << "</pre>\n";
    // Gallery growth.
    if (r.contains("gallery_growth") && !r["gallery_growth"].empty()) {
      std::map<std::string, plot::Series> by_kind;
      h << "<h3>FPIR and FNIR at a fixed threshold as the gallery grows</h3><table><tr>"
           "<th>distractors</th><th>gallery size</th><th>threshold</th><th>FPIR</th><th>FNIR</th></tr>";
      for (const auto& g : r["gallery_growth"]) {
        const std::string kind = g["kind"].get<std::string>();
        auto& s = by_kind[kind];
        s.name = "FPIR, " + kind + " distractors";
        s.x.push_back(g["gallery_size"].get<double>());
        s.y.push_back(std::max(g["fpir"].get<double>(), 1e-4));
        h << "<tr><td>" << Esc(kind) << "</td><td>" << g["gallery_size"].get<uint64_t>()
          << "</td><td>" << Num(g["threshold"], "%.4f") << "</td><td>" << Pct(g["fpir"])
          << "</td><td>" << Pct(g["fnir"]) << "</td></tr>";
      }
      h << "</table>\n";
      std::vector<plot::Series> gs;
      for (auto& [k, s] : by_kind) gs.push_back(s);
      plot::PlotOptions go;
      go.title = "FPIR at the FPIR-1 % threshold of the base gallery";
      go.x = {"gallery size", true, 0, 0};
      go.y = {"FPIR", true, 1e-3, 1};
      h << plot::LinePlot(gs, go);
      h << "<p>Synthetic distractors are Gaussian with the calibration side's mean and "
           "covariance (normalised): face-like in their second moments only.</p>\n";
    }
    // Demographics.
    if (r.contains("demographics")) {
      for (const auto& [attribute, d] : r["demographics"].items()) {
        if (attribute == "notes") continue;
        h << "<h3>Demographic differentials: " << Esc(attribute) << "</h3>\n<p>Operating "
          << "threshold " << Num(d["threshold"], "%.4f") << " (calibrated for FMR "
          << Num(r["operating_point"]["target_fmr"]) << "); 95 % intervals from "
          << d["bootstrap_replicates"].get<int>() << " bootstrap replicates over identities; "
          << "impostor pairs within each group.</p>\n<table><tr><th>group</th><th>identities</th>"
             "<th>FMR</th><th>95 % CI</th><th>false matches / pairs</th><th>FNMR</th><th>95 % CI</th>"
             "<th>misses / pairs</th><th>note</th></tr>";
        for (const auto& g : d["groups"]) {
          h << "<tr" << (g["too_small"].get<bool>() ? " class=\"warn\"" : "") << "><td>"
            << Esc(g["group"].get<std::string>()) << "</td><td>" << g["identities"] << "</td><td>"
            << Pct(g["fmr"], 3) << "</td><td>" << Pct(g["fmr_ci"][0], 3) << " – "
            << Pct(g["fmr_ci"][1], 3) << "</td><td>" << g["false_matches"] << " / "
            << g["impostor_pairs"] << "</td><td>" << Pct(g["fnmr"]) << "</td><td>"
            << Pct(g["fnmr_ci"][0]) << " – " << Pct(g["fnmr_ci"][1]) << "</td><td>"
            << g["false_non_matches"] << " / " << g["genuine_pairs"] << "</td><td>"
            << Esc(g["note"].get<std::string>()) << "</td></tr>";
        }
        h << "</table>\n";
        for (const char* which : {"fmr_ratio", "fnmr_ratio"}) {
          const auto& q = d[which];
          h << "<p>" << (std::string(which) == "fmr_ratio" ? "FMR" : "FNMR")
            << " max/min ratio: <b>" << Num(q["value"]) << "</b> (95 % CI " << Num(q["ci"][0])
            << " – " << Num(q["ci"][1]) << "; " << Esc(q["max_group"].get<std::string>()) << " / "
            << Esc(q["min_group"].get<std::string>()) << ") " << Esc(q["note"].get<std::string>())
            << "</p>\n";
        }
        std::vector<plot::Series> gd;
        for (const auto& [group, g] : d["det_by_group"].items()) {
          gd.push_back(DetSeries(group + " (" + std::to_string(g["mated"].get<int>()) + " mated, " +
                                     std::to_string(g["nonmated"].get<int>()) + " non-mated)",
                                 g["det"]));
        }
        h << plot::LinePlot(gd, DetOptions("DET per " + attribute + " group (" + name + ")"));
        // Score histograms per group (from stored bin counts).
        std::vector<plot::Series> hs;
        for (const auto& [group, hist] : d["score_histograms"].items()) {
          for (const char* kind : {"genuine", "impostor"}) {
            const auto& hh = hist[kind];
            const double lo = hh["lo"].get<double>(), hi = hh["hi"].get<double>();
            const auto& c = hh["counts"];
            double total = 0;
            for (const auto& x : c) total += x.get<double>();
            const double w = (hi - lo) / c.size();
            plot::Series s{group + " " + kind, {}, {}};
            for (std::size_t b = 0; b < c.size(); ++b) {
              const double dens = total > 0 ? c[b].get<double>() / (total * w) : 0;
              s.x.push_back(lo + b * w);
              s.y.push_back(dens);
              s.x.push_back(lo + (b + 1) * w);
              s.y.push_back(dens);
            }
            hs.push_back(s);
          }
        }
        plot::PlotOptions ho;
        ho.title = "Score distributions per " + attribute + " group (" + name + ")";
        ho.x = {"cosine similarity", false, -0.4, 1.0};
        ho.y = {"density", false, 0, 0};
        ho.width = 700;
        h << plot::LinePlot(hs, ho);
      }
      if (r["demographics"].contains("notes")) {
        h << "<h3>What the labels cannot tell</h3><ul>";
        for (const auto& n : r["demographics"]["notes"]) h << "<li>" << Esc(n.get<std::string>()) << "</li>";
        h << "</ul>\n";
      }
    }
    h << "<h3>Machine-readable result</h3><p>The JSON this page was made from is written "
         "beside it.</p>\n";
  }
  h << "</body></html>\n";
  return h.str();
}

StatusOr<std::string> AccuracyTable(const std::vector<ModelResults>& results,
                                    const std::string& command) {
  CANDOR_RETURN_IF_ERROR(Validate(results));
  std::ostringstream t;
  t << "| model | LFW 10-fold accuracy | TAR at FAR 1e-3 (LFW pairs) | FNIR at FPIR 1 % (1:N) | "
       "rank-1 | gender FMR ratio (95 % CI) | race FMR ratio (95 % CI) |\n";
  t << "|---|---|---|---|---|---|---|\n";
  for (const auto& m : results) {
    const Json& r = m.identify;
    const Json* lfw = LfwFor(m);
    auto ratio = [&](const char* attribute) -> std::string {
      if (!r.contains("demographics") || !r["demographics"].contains(attribute)) return "n/a";
      const auto& q = r["demographics"][attribute]["fmr_ratio"];
      if (q["value"].is_null()) return "n/a: " + q.value("note", std::string());
      return Num(q["value"]) + " (" + Num(q["ci"][0]) + "–" + Num(q["ci"][1]) + ", " +
             q["max_group"].get<std::string>() + "/" + q["min_group"].get<std::string>() + ")";
    };
    Json fnir = FnirAt(r, 0.01);
    t << "| " << ModelName(r) << " | "
      << (lfw ? Pct((*lfw)["accuracy_mean"]) + " ± " + Pct((*lfw)["accuracy_std"]) : "n/a")
      << " | " << (lfw ? Pct((*lfw)["tar_at_far_1e-3"]) : "n/a") << " | "
      << (std::isnan(fnir.get<double>()) ? std::string("n/a") : Pct(fnir)) << " | "
      << Pct(r["cmc"]["hit_rate"][0]) << " | " << ratio("gender") << " | " << ratio("race")
      << " |\n";
  }
  t << "\nReproduce: `" << command << "`\n";
  return t.str();
}

std::string ReplaceMarkedBlock(const std::string& doc, const std::string& name,
                               const std::string& content) {
  const std::string begin = "<!-- BEGIN candor-report:" + name + " -->";
  const std::string end = "<!-- END candor-report:" + name + " -->";
  const std::string block = begin + "\n" + content + end;
  const auto b = doc.find(begin);
  const auto e = b == std::string::npos ? std::string::npos : doc.find(end, b);
  if (b == std::string::npos || e == std::string::npos) {
    return doc + (doc.empty() || doc.back() == '\n' ? "" : "\n") + "\n" + block + "\n";
  }
  return doc.substr(0, b) + block + doc.substr(e + end.size());
}

}  // namespace candor::eval
