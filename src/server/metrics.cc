// Copyright 2026 The Candor Authors.

#include "server/metrics.h"

#include <sstream>
#include <tuple>

namespace candor::server {

const std::vector<double>& Metrics::Buckets() {
  static const std::vector<double> b = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,  0.5,    1,     2.5,  5,     10};
  return b;
}

void Metrics::ObserveRequest(const std::string& method, const std::string& route, int status,
                             double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{method, route, status}];
  Hist& h = latency_[{method, route}];
  if (h.counts.empty()) h.counts.assign(Buckets().size(), 0);
  for (size_t i = 0; i < Buckets().size(); ++i) {
    if (seconds <= Buckets()[i]) {
      ++h.counts[i];
      break;
    }
  }
  h.sum += seconds;
  ++h.n;
}

void Metrics::CountSearch(const std::string& kind, const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++searches_[{kind, outcome}];
}

std::string Metrics::Render(
    const std::vector<std::tuple<std::string, int64_t, int64_t>>& gallery_sizes,
    bool with_galleries) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream o;
  o << "# HELP candor_http_requests_total HTTP requests by route and status.\n"
       "# TYPE candor_http_requests_total counter\n";
  for (const auto& [k, v] : requests_) {
    o << "candor_http_requests_total{method=\"" << std::get<0>(k) << "\",route=\"" << std::get<1>(k)
      << "\",status=\"" << std::get<2>(k) << "\"} " << v << "\n";
  }
  o << "# HELP candor_http_request_duration_seconds Request latency by route.\n"
       "# TYPE candor_http_request_duration_seconds histogram\n";
  for (const auto& [k, h] : latency_) {
    const std::string labels = "method=\"" + k.first + "\",route=\"" + k.second + "\"";
    uint64_t cum = 0;
    for (size_t i = 0; i < Buckets().size(); ++i) {
      cum += h.counts[i];
      o << "candor_http_request_duration_seconds_bucket{" << labels << ",le=\"" << Buckets()[i]
        << "\"} " << cum << "\n";
    }
    o << "candor_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << h.n
      << "\n";
    o << "candor_http_request_duration_seconds_sum{" << labels << "} " << h.sum << "\n";
    o << "candor_http_request_duration_seconds_count{" << labels << "} " << h.n << "\n";
  }
  o << "# HELP candor_searches_total Searches by kind and outcome (refused included).\n"
       "# TYPE candor_searches_total counter\n";
  for (const auto& [k, v] : searches_) {
    o << "candor_searches_total{kind=\"" << k.first << "\",outcome=\"" << k.second << "\"} " << v
      << "\n";
  }
  if (!with_galleries) return o.str();
  o << "# HELP candor_gallery_subjects Enrolled subjects per gallery.\n"
       "# TYPE candor_gallery_subjects gauge\n";
  for (const auto& [g, s, t] : gallery_sizes) {
    o << "candor_gallery_subjects{gallery=\"" << g << "\"} " << s << "\n";
  }
  o << "# HELP candor_gallery_templates Enrolled templates per gallery.\n"
       "# TYPE candor_gallery_templates gauge\n";
  for (const auto& [g, s, t] : gallery_sizes) {
    o << "candor_gallery_templates{gallery=\"" << g << "\"} " << t << "\n";
  }
  return o.str();
}

}  // namespace candor::server
