// Copyright 2026 The Candor Authors.
//
// Synthetic face-like templates for scale tests and benchmarks (no real faces
// needed): identities are random unit centres, a sample of an identity is the
// normalised centre + isotropic Gaussian noise. With noise norm s the expected
// same-identity cosine is about 1 / (1 + s^2); NoiseForMateCosine inverts that.
//
// Deterministic for a given seed. Thread safety: pure functions.

#ifndef CANDOR_SEARCH_SYNTHETIC_DATA_H_
#define CANDOR_SEARCH_SYNTHETIC_DATA_H_

#include <cstdint>
#include <vector>

namespace candor::search {

// n random unit vectors of dimension dim, row-major.
std::vector<float> RandomUnitVectors(int64_t n, int dim, uint64_t seed);

// Noise norm s giving an expected same-identity cosine of `cosine` (0 < c < 1).
float NoiseForMateCosine(float cosine);

// Noise norm s for which normalise(x + noise) has an expected cosine of
// `cosine` with the unit vector x itself (1 / sqrt(1 + s^2) = c): a probe made
// from a stored template (0 < c < 1).
float NoiseForProbeCosine(float cosine);

// n samples of identities `identity_of[i]` (indexes into `centres`, n_centres x
// dim), each normalise(centre + noise), noise of expected norm `noise`.
std::vector<float> SampleIdentities(const std::vector<float>& centres, int dim,
                                    const std::vector<int64_t>& identity_of, float noise,
                                    uint64_t seed);

// Face-like structured templates: n unit vectors clustered the way real
// embeddings are (not uniform on the sphere): `groups` random population
// centres, each template normalise(centre + noise of norm `spread`), so
// same-group templates have a cosine of about 1 / (1 + spread^2).
std::vector<float> StructuredVectors(int64_t n, int dim, int groups, float spread, uint64_t seed);

// Normalises each row of v (n x dim) in place.
void NormaliseRows(std::vector<float>& v, int dim);

}  // namespace candor::search

#endif  // CANDOR_SEARCH_SYNTHETIC_DATA_H_
