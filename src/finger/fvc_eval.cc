// Copyright 2026 The Candor Authors.
//
// FVC protocol evaluation with robustness conditions.

#include "finger/fvc_eval.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <opencv2/imgproc.hpp>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "calibrate/svg_plot.h"
#include "candor/image.h"
#include "candor/metrics.h"

namespace candor::finger {
namespace {

struct Print {
  int finger = 0, impression = 0;
  cv::Mat image;
};

using Transform = cv::Mat (*)(const cv::Mat&);

cv::Mat Rotate(const cv::Mat& img, double deg) {
  const cv::Point2f c(img.cols / 2.f, img.rows / 2.f);
  cv::Mat m = cv::getRotationMatrix2D(c, deg, 1.0), out;
  cv::warpAffine(img, out, m, img.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(255));
  return out;
}
cv::Mat RotatePlus30(const cv::Mat& img) { return Rotate(img, 30); }
cv::Mat RotateMinus30(const cv::Mat& img) { return Rotate(img, -30); }
cv::Mat Crop60(const cv::Mat& img) {
  const double s = std::sqrt(0.6);
  const int w = static_cast<int>(std::lround(img.cols * s)), h = static_cast<int>(std::lround(img.rows * s));
  return img(cv::Rect((img.cols - w) / 2, (img.rows - h) / 2, w, h)).clone();
}
cv::Mat Noise20(const cv::Mat& img) {
  cv::Mat noise(img.size(), CV_32FC(img.channels()));
  cv::RNG rng(20);  // fixed seed: the same noise every run
  rng.fill(noise, cv::RNG::NORMAL, 0, 20);
  cv::Mat f;
  img.convertTo(f, CV_32F);
  f += noise;
  cv::Mat out;
  f.convertTo(out, CV_8U);
  return out;
}

FvcErrorRates Rates(const std::vector<double>& gen, const std::vector<double>& imp) {
  FvcErrorRates r;
  r.genuine = gen.size();
  r.impostor = imp.size();
  auto roc = metrics::ComputeRoc(gen, imp);
  if (!roc.ok()) return r;
  r.eer = metrics::Eer(*roc);
  r.fmr100 = 1 - metrics::TarAtFar(*roc, 0.01);
  r.fmr1000 = 1 - metrics::TarAtFar(*roc, 0.001);
  r.zero_fmr = 1 - metrics::TarAtFar(*roc, 0.0);
  return r;
}

template <typename F>
void ParallelFor(int n, int threads, F f) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) f(i);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace

StatusOr<FvcReport> RunFvcEval(const FvcOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(options.dir, ec)) {
    return NotFoundError("FVC folder not found: " + options.dir.string());
  }
  std::vector<Print> prints;
  const std::regex name(R"((\d+)_(\d+)\.(tif|tiff|png|bmp))", std::regex::icase);
  for (const auto& e : std::filesystem::directory_iterator(options.dir)) {
    std::smatch m;
    const std::string fn = e.path().filename().string();
    if (!std::regex_match(fn, m, name)) continue;
    CANDOR_ASSIGN_OR_RETURN(cv::Mat img, ReadImage(e.path()));
    prints.push_back({std::stoi(m[1]), std::stoi(m[2]), img});
  }
  if (prints.size() < 4) return InvalidArgumentError("no FVC prints (<finger>_<impression>.tif) in " + options.dir.string());
  std::sort(prints.begin(), prints.end(), [](const Print& a, const Print& b) {
    return a.finger != b.finger ? a.finger < b.finger : a.impression < b.impression;
  });
  std::map<int, int> first_of_finger;
  for (size_t i = 0; i < prints.size(); ++i) first_of_finger.emplace(prints[i].finger, static_cast<int>(i));

  FvcReport report;
  report.fingers = static_cast<int>(first_of_finger.size());
  report.impressions = static_cast<int>(prints.size() / std::max<size_t>(1, first_of_finger.size()));

  std::vector<std::pair<std::string, Transform>> conds = {{"as captured", nullptr}};
  if (options.robustness) {
    conds.push_back({"probe rotated +30 deg", &RotatePlus30});
    conds.push_back({"probe rotated -30 deg", &RotateMinus30});
    conds.push_back({"probe cropped to 60 % area", &Crop60});
    conds.push_back({"probe with noise (sigma 20)", &Noise20});
  }
  const int n = static_cast<int>(prints.size());
  // Reference templates (as captured), then probes per condition.
  auto extract_all = [&](Transform tf, std::vector<std::optional<MccTemplate>>* out, double* ms,
                         double* minutiae, double* quality, int* failures) {
    out->assign(n, std::nullopt);
    std::vector<double> times(n, 0), counts(n, 0), quals(n, 0);
    std::vector<char> ok(n, 0);
    ParallelFor(n, options.threads, [&](int i) {
      const cv::Mat img = tf ? tf(prints[i].image) : prints[i].image;
      const auto t0 = std::chrono::steady_clock::now();
      auto ex = ExtractFingerImage(img);
      times[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (!ex.ok()) return;
      ok[i] = 1;
      counts[i] = static_cast<double>(ex->tmpl.minutiae.size());
      quals[i] = ex->quality.score;
      (*out)[i] = BuildMcc(ex->tmpl, options.params);
    });
    int good = 0;
    *ms = *minutiae = *quality = 0;
    *failures = 0;
    for (int i = 0; i < n; ++i) {
      *ms += times[i] / n;
      if (ok[i]) {
        ++good;
        *minutiae += counts[i];
        *quality += quals[i];
      } else {
        ++*failures;
      }
    }
    if (good > 0) {
      *minutiae /= good;
      *quality /= good;
    }
  };

  std::vector<std::optional<MccTemplate>> refs;
  double ms = 0, mean_min = 0, mean_q = 0;
  int ref_failures = 0;
  extract_all(nullptr, &refs, &ms, &mean_min, &mean_q, &ref_failures);
  report.mean_extract_ms = ms;

  const double kNaN = std::nan("");
  for (const auto& [cname, tf] : conds) {
    FvcCondition c;
    c.name = cname;
    std::vector<std::optional<MccTemplate>> probes;
    if (tf) {
      double pms = 0;
      extract_all(tf, &probes, &pms, &c.mean_minutiae, &c.mean_quality, &c.extraction_failures);
    } else {
      c.mean_minutiae = mean_min;
      c.mean_quality = mean_q;
      c.extraction_failures = ref_failures;
    }
    const auto& pr = tf ? probes : refs;
    auto score = [&](int i, int j) {  // reference i, probe j
      if (!refs[i] || !pr[j]) return kNaN;
      return CompareMcc(*refs[i], *pr[j]).score;
    };
    struct Job { int i, j; int kind; };  // 0 genuine, 1 impostor FVC, 2 impostor all
    std::vector<Job> jobs;
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) {
        if (prints[i].finger == prints[j].finger) {
          jobs.push_back({i, j, 0});
        } else {
          jobs.push_back({i, j, 2});
          if (first_of_finger[prints[i].finger] == i && first_of_finger[prints[j].finger] == j) jobs.push_back({i, j, 1});
        }
      }
    }
    std::vector<double> s(jobs.size());
    ParallelFor(static_cast<int>(jobs.size()), options.threads, [&](int k) { s[k] = score(jobs[k].i, jobs[k].j); });
    std::vector<double> imp_fvc;
    for (size_t k = 0; k < jobs.size(); ++k) {
      if (jobs[k].kind == 0) c.genuine.push_back(s[k]);
      else if (jobs[k].kind == 1) imp_fvc.push_back(s[k]);
      else c.impostor_all.push_back(s[k]);
    }
    c.fvc = Rates(c.genuine, imp_fvc);
    c.all = Rates(c.genuine, c.impostor_all);
    report.conditions.push_back(std::move(c));
  }
  return report;
}

std::string FvcDetSvg(const FvcReport& report) {
  std::vector<plot::Series> series;
  for (const FvcCondition& c : report.conditions) {
    auto roc = metrics::ComputeRoc(c.genuine, c.impostor_all);
    if (!roc.ok()) continue;
    plot::Series s;
    s.name = c.name;
    for (const auto& p : roc->points) {
      s.x.push_back(p.fmr);
      s.y.push_back(1 - p.tmr);
    }
    series.push_back(std::move(s));
  }
  plot::PlotOptions o;
  if (!report.conditions.empty()) {
    o.title = "DET, " + std::to_string(report.conditions[0].all.genuine) + " genuine, " +
              std::to_string(report.conditions[0].all.impostor) + " impostor comparisons (all pairs)";
  }
  o.x = {"FMR", true, 1e-4, 1};
  o.y = {"FNMR", true, 1e-3, 1};
  return plot::LinePlot(series, o);
}

std::string FvcMarkdown(const FvcReport& r) {
  std::ostringstream o;
  char buf[512];
  const size_t gen = r.conditions.empty() ? 0 : r.conditions[0].all.genuine;
  const size_t imp_fvc = r.conditions.empty() ? 0 : r.conditions[0].fvc.impostor;
  const size_t imp_all = r.conditions.empty() ? 0 : r.conditions[0].all.impostor;
  std::snprintf(buf, sizeof buf,
                "| condition | EER (FVC: %zu gen., %zu imp.) | EER (all pairs: %zu imp.) | FMR100 | FMR1000 | "
                "ZeroFMR | failed extractions | mean minutiae | mean quality |\n",
                gen, imp_fvc, imp_all);
  o << buf << "|---|---|---|---|---|---|---|---|---|\n";
  for (const FvcCondition& c : r.conditions) {
    std::snprintf(buf, sizeof buf, "| %s | %.2f %% | %.2f %% | %.2f %% | %.2f %% | %.2f %% | %d | %.1f | %.0f |\n",
                  c.name.c_str(), 100 * c.fvc.eer, 100 * c.all.eer, 100 * c.all.fmr100, 100 * c.all.fmr1000,
                  100 * c.all.zero_fmr, c.extraction_failures, c.mean_minutiae, c.mean_quality);
    o << buf;
  }
  return o.str();
}

}  // namespace candor::finger
