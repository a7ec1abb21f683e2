// Copyright 2026 The Candor Authors.
//
// Shared by the search desk's tests (search_desk_test.cc,
// reviewed_outcomes_flow_test.cc): a model calibration for the random test
// templates, a gallery of subjects with one random template each, and the
// fixture of a desk over a real store, governance and an in-memory sealed
// record. Test-only, header-only.

#ifndef CANDOR_SEARCH_DESK_DESK_TEST_UTIL_H_
#define CANDOR_SEARCH_DESK_DESK_TEST_UTIL_H_

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "candor/calibration.h"
#include "candor/gallery.h"
#include "common/hash.h"
#include "gallery/test_util.h"
#include "govern/governance_test_util.h"
#include "search_desk/search_desk.h"

namespace candor::desk_testing {

// A model calibration for the random test templates (cosines of independent
// random unit vectors in 128 dimensions: mean 0, sd 1/sqrt(128)).
inline StatusOr<Calibration> TestModelCalibration(const GalleryInfo&) {
  CalibrationInput in;
  in.model_id = "testnet";
  in.model_sha256 = HexEncode(gallery::testing::ModelHash("testnet"));
  std::mt19937_64 rng(5);
  std::normal_distribution<double> d(0.0, 1.0 / std::sqrt(128.0));
  for (int i = 0; i < 20000; ++i) in.impostor_scores.push_back(d(rng));
  return Calibration::Build(in);
}

// Subjects s0..s(n-1), one random template each (seed 100 + i).
inline std::vector<EnrollRequest> Subjects(int n) {
  std::vector<EnrollRequest> rs;
  for (int i = 0; i < n; ++i) {
    EnrollRequest r;
    r.subject_id = "s" + std::to_string(i);
    TemplateInput in;
    in.tmpl = gallery::testing::RandomTemplate(100 + static_cast<uint64_t>(i));
    in.image_sha256 = Sha256("img" + std::to_string(i));
    r.templates.push_back(std::move(in));
    rs.push_back(std::move(r));
  }
  return rs;
}

// Gallery "licences" of kDeskSubjects subjects (Subjects), an in-memory sealed
// record, thresholds for FPIR 5 % / FMR 1e-3 from TestModelCalibration (or the
// gallery's own calibration once stored), and the desk over them.
inline constexpr int kDeskSubjects = 120;
class DeskTest : public GovernanceTest {
 protected:
  void SetUp() override {
    GovernanceTest::SetUp();
    auto s = Store::Open(store_dir_.store(), gallery::testing::TestOptions());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    ASSERT_TRUE(store_->CreateGallery(gallery::testing::TestGallery("licences")).ok());
    ASSERT_TRUE(store_->Enroll("licences", Subjects(kDeskSubjects)).ok());
    auto b = SearchBook::Open("", gallery::testing::TestKey());
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    book_ = std::move(b).value();
    SearchCalibrationOptions o;
    o.load_model = TestModelCalibration;
    o.target_fpir = 0.05;
    o.target_fmr = 1e-3;
    calibration_ = OpenSearchCalibration(*store_, o);
    desk_ = std::make_unique<SearchDesk>(*gov_, *store_, calibration_, book_.get());
  }

  gallery::testing::ScratchDir store_dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SearchBook> book_;
  std::shared_ptr<SearchCalibration> calibration_;
  std::unique_ptr<SearchDesk> desk_;
};

}  // namespace candor::desk_testing

#endif  // CANDOR_SEARCH_DESK_DESK_TEST_UTIL_H_
