// Copyright 2026 The Candor Authors.
//
// Which SIMD instruction set the search kernels may use on this CPU, decided
// once at run time (cpuid via __builtin_cpu_supports), so one binary runs on any
// x86-64 and uses AVX-512 VNNI where present.
//
// Thread safety: all functions are safe to call concurrently.

#ifndef CANDOR_SEARCH_CPU_FEATURES_H_
#define CANDOR_SEARCH_CPU_FEATURES_H_

#include <optional>
#include <string_view>
#include <vector>

namespace candor::search {

enum class Isa {
  kScalar = 0,      // portable C++
  kAvx2 = 1,        // AVX2 + FMA
  kAvx512Vnni = 2,  // AVX-512 F/BW/VL + VNNI
};

// "scalar", "avx2", "avx512vnni".
std::string_view IsaName(Isa isa);

// Parses an IsaName; nullopt if unknown.
std::optional<Isa> ParseIsa(std::string_view name);

// True if this CPU (and OS) can run kernels for `isa`.
bool IsaSupported(Isa isa);

// The best supported ISA, capped by $CANDOR_SEARCH_ISA when that names one
// (for benchmarks and tests of the fallbacks). Computed once.
Isa BestIsa();

// Every ISA this CPU supports, scalar first.
std::vector<Isa> SupportedIsas();

}  // namespace candor::search

#endif  // CANDOR_SEARCH_CPU_FEATURES_H_
