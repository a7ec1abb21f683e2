// Copyright 2026 The Candor Authors.
//
// Prometheus metrics of the service: request counts by route and status, a
// request latency histogram by route, searches by outcome, gallery sizes
// (gauges filled by the caller at scrape time). Thread-safe.

#ifndef CANDOR_SERVER_METRICS_H_
#define CANDOR_SERVER_METRICS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace candor::server {

class Metrics {
 public:
  // `route` is the route template ("/v1/searches/{id}"), never a raw path.
  void ObserveRequest(const std::string& method, const std::string& route, int status,
                      double seconds);
  void CountSearch(const std::string& kind, const std::string& outcome);
  // Prometheus text exposition format 0.0.4; `gallery_sizes` are (gallery,
  // subjects, templates), rendered as per-gallery gauges only with
  // `with_galleries` (else no gallery name or size appears at all).
  std::string Render(const std::vector<std::tuple<std::string, int64_t, int64_t>>& gallery_sizes,
                     bool with_galleries = true) const;

 private:
  static const std::vector<double>& Buckets();
  struct Hist {
    std::vector<uint64_t> counts;  // cumulative rendered at output
    double sum = 0;
    uint64_t n = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Hist> latency_;
  std::map<std::pair<std::string, std::string>, uint64_t> searches_;
};

}  // namespace candor::server

#endif  // CANDOR_SERVER_METRICS_H_
