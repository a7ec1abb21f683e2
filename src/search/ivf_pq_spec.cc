// Copyright 2026 The Candor Authors.

#include "search/ivf_pq_spec.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace candor::search {
namespace {

constexpr int64_t kAutoTrainAt = 2000000;
constexpr int kAutoNlist = 4096;
constexpr double kDefaultRecall = IvfPqSpec{}.target_recall;

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 12) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

int64_t DefaultTrainAt(int nlist) { return std::max<int64_t>(64 * int64_t{nlist}, 20000); }

// A number as the parser reads it back: integers without a point, others
// with up to 15 significant digits.
std::string Number(double v) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.15g", v);
  return b;
}

}  // namespace

StatusOr<IvfPqSpec> ParseIvfPqSpec(std::string_view spec, int dim) {
  IvfPqSpec s;
  const auto bad = [&](std::string_view part) {
    return InvalidArgumentError("MakeIndex: bad part '" + std::string(part) + "' in index spec '" +
                                std::string(spec) + "' (expected IVF<n>,PQ<m>x4fs[,Rerank<r>]"
                                "[,Probe<p>][,Recall<percent>][,TrainAt<rows>][,Retrain<x>] or "
                                "Auto[,Recall<percent>][,Retrain<x>])");
  };
  std::vector<std::string_view> parts;
  for (size_t at = 0; at <= spec.size();) {
    const size_t comma = spec.find(',', at);
    const size_t end = comma == std::string_view::npos ? spec.size() : comma;
    parts.push_back(spec.substr(at, end - at));
    at = end + 1;
  }
  int64_t v = 0;
  size_t first_option = 2;
  if (parts[0] == "Auto") {
    s.auto_spec = true;
    s.nlist = kAutoNlist;
    s.m = std::clamp((dim / 3) & ~1, 2, 256);
    s.train_at = kAutoTrainAt;
    first_option = 1;
  } else {
    if (parts.size() < 2) return bad(spec);
    if (parts[0].rfind("IVF", 0) != 0 || !ParseInt(parts[0].substr(3), &v) || v < 1 || v > 65536) {
      return bad(parts[0]);
    }
    s.nlist = static_cast<int>(v);
    const std::string_view pq = parts[1];
    if (pq.rfind("PQ", 0) != 0 || pq.size() < 7 || pq.substr(pq.size() - 4) != "x4fs" ||
        !ParseInt(pq.substr(2, pq.size() - 6), &v) || v < 2 || v > 256 || v % 2 != 0 || v > dim) {
      return bad(pq);
    }
    s.m = static_cast<int>(v);
  }
  for (size_t i = first_option; i < parts.size(); ++i) {
    if (s.auto_spec && parts[i].rfind("Recall", 0) != 0 && parts[i].rfind("Retrain", 0) != 0) {
      return bad(parts[i]);  // Auto chooses its own partition, training point and setting
    }
    const std::string_view p = parts[i];
    if (p.rfind("Rerank", 0) == 0 && ParseInt(p.substr(6), &v) && v >= 1 && v <= kMaxRerank) {
      s.rerank = static_cast<int>(v);
    } else if (p.rfind("Probe", 0) == 0 && ParseInt(p.substr(5), &v) && v >= 1 && v <= s.nlist) {
      s.nprobe = static_cast<int>(v);
    } else if (p.rfind("Retrain", 0) == 0 && ParseInt(p.substr(7), &v) && (v == 0 || (v >= 2 && v <= 1000))) {
      s.retrain_growth = static_cast<double>(v);
    } else if (p.rfind("TrainAt", 0) == 0 && ParseInt(p.substr(7), &v) && v >= 1000) {
      s.train_at = v;
    } else if (p.rfind("Recall", 0) == 0) {
      char* end = nullptr;
      const std::string t(p.substr(6));
      const double pct = std::strtod(t.c_str(), &end);
      if (t.empty() || *end != '\0' || !(pct > 0 && pct <= 100)) return bad(p);
      s.target_recall = pct / 100.0;
    } else {
      return bad(p);
    }
  }
  if (s.train_at == 0) s.train_at = DefaultTrainAt(s.nlist);
  return s;
}

std::string FormatRetrainPart(double growth) {
  std::string part = "Retrain";
  part += Number(growth);
  return part;
}

std::string FormatIvfPqSpec(const IvfPqSpec& s) {
  std::string out;
  if (s.auto_spec) {
    out = "Auto";
  } else {
    out = "IVF" + std::to_string(s.nlist) + ",PQ" + std::to_string(s.m) + "x4fs";
    if (s.rerank > 0) out += ",Rerank" + std::to_string(s.rerank);
    if (s.nprobe > 0) out += ",Probe" + std::to_string(s.nprobe);
  }
  if (s.target_recall != kDefaultRecall) out += ",Recall" + Number(s.target_recall * 100.0);
  if (!s.auto_spec && s.train_at != DefaultTrainAt(s.nlist)) out += ",TrainAt" + std::to_string(s.train_at);
  if (s.retrain_growth) {
    out += ',';
    out += FormatRetrainPart(*s.retrain_growth);
  }
  return out;
}

}  // namespace candor::search
