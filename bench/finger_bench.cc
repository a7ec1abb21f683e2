// Copyright 2026 The Candor Authors.
//
// finger_bench: fingerprint speed (docs/BENCHMARKS.md, "Fingerprints").
//   BM_Extract           one FVC2002 DB1-B print (388x374) per iteration, decode
//                        excluded; a synthetic ridge image when CANDOR_DATA is absent
//   BM_BuildMcc          cylinders of a 38-minutia synthetic template
//   BM_CompareMcc/0|1    1:1 MCC with LSS-R, float cells (0) or MCC16b bits (1)
//   BM_PrefilterCompare  the 1:N pre-filter, one probe code against a gallery code
//   BM_Search1N/N        FingerIndex::Search over N gallery fingers: pre-filter
//                        every entry, MCC re-scoring of the best 100 (one thread)
// The 1:N gallery is synthetic (finger/synthetic.h says what it models and what
// not): 10,000 distinct templates, each entered under N/10,000 subject ids, plus
// the probe's mate; building 10^6 MCC templates would take half an hour here and
// the scan's cost does not depend on the content. Gallery RAM is ~1.9 KB a finger.
// Run: build/bench/finger_bench [--benchmark_filter=...]

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "candor/finger.h"
#include "candor/image.h"
#include "common/paths.h"
#include "finger/synthetic.h"

namespace candor::finger {
namespace {

void BM_Extract(benchmark::State& state) {
  cv::Mat img;
  if (auto data = DataDir()) {
    auto r = ReadImage(*data / "fingerprints" / "fvc2002-db1-b" / "101_1.tif");
    if (r.ok()) img = *r;
  }
  const bool real = !img.empty();
  if (!real) img = SyntheticPrintImage({388, 374}, 9, 1.0, {{150, 150}, {240, 200}, {190, 280}});
  size_t minutiae = 0;
  for (auto _ : state) {
    auto r = ExtractFingerImage(img);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    minutiae = r->tmpl.minutiae.size();
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(real ? "FVC2002 DB1-B 101_1" : "synthetic (no CANDOR_DATA)");
  state.counters["minutiae"] = static_cast<double>(minutiae);
}
BENCHMARK(BM_Extract)->Unit(benchmark::kMillisecond);

void BM_BuildMcc(benchmark::State& state) {
  const FingerTemplate t = SyntheticTemplate(1);
  for (auto _ : state) benchmark::DoNotOptimize(BuildMcc(t));
  state.counters["minutiae"] = static_cast<double>(t.minutiae.size());
}
BENCHMARK(BM_BuildMcc)->Unit(benchmark::kMicrosecond);

void BM_CompareMcc(benchmark::State& state) {
  MccParams p;
  p.bits = state.range(0) == 1;
  const MccTemplate a = BuildMcc(SyntheticTemplate(1), p), b = BuildMcc(SyntheticMate(SyntheticTemplate(1), 2), p);
  for (auto _ : state) benchmark::DoNotOptimize(CompareMcc(a, b));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(p.bits ? "MCC16b" : "MCC16 float");
}
BENCHMARK(BM_CompareMcc)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_PrefilterCompare(benchmark::State& state) {
  const int kCodes = 256;
  std::vector<PrefilterCode> codes;
  for (int i = 0; i < kCodes; ++i) codes.push_back(MakePrefilterCode(BuildMcc(SyntheticTemplate(100 + i))));
  const PrefilterCode probe = MakePrefilterCode(BuildMcc(SyntheticTemplate(7)));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ComparePrefilter(probe, codes[i++ % kCodes]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PrefilterCompare);

void BM_Search1N(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int distinct = static_cast<int>(std::min<int64_t>(n, 10000));
  std::vector<FingerTemplate> base;
  std::vector<PrefilterCode> base_codes;
  for (int i = 0; i < distinct; ++i) {
    base.push_back(SyntheticTemplate(1000000 + i));
    base_codes.push_back(MakePrefilterCode(BuildMcc(base.back())));
  }
  auto index = std::make_unique<FingerIndex>();
  const FingerTemplate mate = SyntheticTemplate(42);
  if (!index->Add("mate", mate).ok()) state.SkipWithError("add failed");
  for (int64_t e = 1; e < n; ++e) {
    const int b = static_cast<int>(e % distinct);
    if (!index->AddPrebuilt("s" + std::to_string(e), base[b], base_codes[b]).ok()) state.SkipWithError("add failed");
  }
  const FingerTemplate probe = SyntheticMate(mate, 43);
  FingerSearchOptions o;
  o.rescore = 100;
  o.candidates = 10;
  bool found = false;
  for (auto _ : state) {
    auto r = index->Search(std::span<const FingerTemplate>(&probe, 1), o);
    found = r.ok() && !r->empty() && (*r)[0].subject == "mate";
    benchmark::DoNotOptimize(r);
  }
  state.counters["gallery"] = static_cast<double>(n);
  state.counters["prefilter_per_s"] =
      benchmark::Counter(static_cast<double>(n) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["mate_rank1"] = found ? 1 : 0;
}
BENCHMARK(BM_Search1N)->Arg(10000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace candor::finger

BENCHMARK_MAIN();
