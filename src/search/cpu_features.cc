// Copyright 2026 The Candor Authors.

#include "search/cpu_features.h"

#include <cstdlib>

namespace candor::search {

std::string_view IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512Vnni:
      return "avx512vnni";
  }
  return "unknown";
}

std::optional<Isa> ParseIsa(std::string_view name) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512Vnni}) {
    if (IsaName(isa) == name) return isa;
  }
  return std::nullopt;
}

bool IsaSupported(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::kAvx512Vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  }
  return false;
#else
  return isa == Isa::kScalar;
#endif
}

namespace {
Isa ComputeBestIsa() {
  Isa best = Isa::kScalar;
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512Vnni}) {
    if (IsaSupported(isa)) best = isa;
  }
  if (const char* env = std::getenv("CANDOR_SEARCH_ISA")) {
    if (auto cap = ParseIsa(env); cap && static_cast<int>(*cap) < static_cast<int>(best)) {
      best = *cap;
    }
  }
  return best;
}
}  // namespace

Isa BestIsa() {
  static const Isa best = ComputeBestIsa();
  return best;
}

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512Vnni}) {
    if (IsaSupported(isa)) out.push_back(isa);
  }
  return out;
}

}  // namespace candor::search
