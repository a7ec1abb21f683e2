// Copyright 2026 The Candor Authors.
//
// The pipeline on real photos: LFW (one face, eyes where LFW puts them),
// couple.jpg (2 faces), selfie-many-people.jpg (many), a face cut by the
// border, a fingerprint (no face: an empty result, not an error), a small face
// in a huge image (found by the tiled pyramid), same-person scores above
// different-person scores, both embedders, two threads giving identical
// templates, and faces cut tightly at the border (border handling).

#include "candor/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "calibrate/lfw_pairs.h"
#include "common/test_env.h"

namespace candor {
namespace {

#define REQUIRE_MODELS()                          \
  CANDOR_REQUIRE_MODEL("blazeface-256.onnx");     \
  CANDOR_REQUIRE_MODEL("facemesh-468.onnx");      \
  CANDOR_REQUIRE_MODEL("mobilefacenet.onnx");     \
  CANDOR_REQUIRE_DATA(data)

const Pipeline& Shared(const std::string& embedder = kMobileFaceNet) {
  static std::map<std::string, std::unique_ptr<Pipeline>> pipelines;
  static std::mutex mu;
  std::lock_guard lock(mu);
  auto& p = pipelines[embedder];
  if (!p) {
    PipelineOptions o;
    o.embedder = embedder;
    o.threads = 2;
    auto opened = Pipeline::Open(o);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    p = std::move(*opened);
  }
  return *p;
}

cv::Mat Read(const std::filesystem::path& p) {
  auto img = Shared().ReadFile(p);
  EXPECT_TRUE(img.ok()) << img.status().ToString();
  return img.ok() ? *img : cv::Mat();
}

TEST(Pipeline, LfwImageHasOneFaceWithEyesWhereLfwPutsThem) {
  REQUIRE_MODELS();
  cv::Mat img = Read(data / "faces/lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg");
  auto faces = Shared().Detect(img);
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  ASSERT_EQ(faces->size(), 1u);
  const Face& f = (*faces)[0];
  EXPECT_EQ(f.mesh.size(), 468u);
  // Deep-funneled LFW puts the eyes near (106, 112) and (145, 112).
  EXPECT_NEAR(f.landmarks[kImageLeftEye].x, 107, 10);
  EXPECT_NEAR(f.landmarks[kImageLeftEye].y, 112, 10);
  EXPECT_NEAR(f.landmarks[kImageRightEye].x, 145, 10);
  EXPECT_NEAR(f.landmarks[kImageRightEye].y, 112, 10);
  EXPECT_LT(f.landmarks[kImageLeftEye].y, f.landmarks[kNoseTip].y);
  EXPECT_LT(f.landmarks[kNoseTip].y, f.landmarks[kMouthImageLeft].y);
  EXPECT_FALSE(f.cut_by_border);
  EXPECT_GT(f.quality.inter_eye_px, 25);
}

TEST(Pipeline, CoupleHasTwoFacesLargestFirst) {
  REQUIRE_MODELS();
  auto faces = Shared().Detect(Read(data / "faces/wild/couple.jpg"));
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  ASSERT_EQ(faces->size(), 2u);
  EXPECT_GE((*faces)[0].box.area(), (*faces)[1].box.area());
}

TEST(Pipeline, GroupSelfieHasManyFaces) {
  REQUIRE_MODELS();
  auto faces = Shared().Detect(Read(data / "faces/wild/selfie-many-people.jpg"));
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  EXPECT_GE(faces->size(), 4u);
  for (size_t i = 1; i < faces->size(); ++i) EXPECT_GE((*faces)[i - 1].box.area(), (*faces)[i].box.area());
}

TEST(Pipeline, FingerprintHasNoFaceAndThatIsNotAnError) {
  REQUIRE_MODELS();
  auto result = Shared().ProcessFile(data / "fingerprints/fvc2002-db1-b/101_1.tif");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->empty());
  auto single = Shared().ProcessSingle(Read(data / "fingerprints/fvc2002-db1-b/101_1.tif"));
  EXPECT_EQ(single.status().code(), Code::kNotFound);
}

TEST(Pipeline, FaceCutByTheBorderIsFoundAndFlagged) {
  REQUIRE_MODELS();
  cv::Mat img = Read(data / "faces/lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg");
  // Keep the right 60 % of the picture: the face's left third falls outside.
  cv::Mat cut = img(cv::Rect(100, 0, 150, 250)).clone();
  auto faces = Shared().Detect(cut);
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  ASSERT_GE(faces->size(), 1u);
  EXPECT_TRUE((*faces)[0].cut_by_border);
}

// Faces at the image border (docs/ACCURACY.md, "Faces at the image border").
// `s` times the central face's detector box, centred on it, clipped to the photo.
cv::Mat CutAroundFace(const cv::Mat& img, const Pipeline& p, float s) {
  auto faces = p.Detect(img);
  if (!faces.ok() || faces->empty()) return {};
  const cv::Rect2f b = (*faces)[0].box;
  cv::Rect r(static_cast<int>(b.x + b.width / 2 - s * b.width / 2), static_cast<int>(b.y + b.height / 2 - s * b.height / 2),
             static_cast<int>(s * b.width), static_cast<int>(s * b.height));
  return img(r & cv::Rect(0, 0, img.cols, img.rows)).clone();
}

// The default pipeline, or the one before border handling (kLegacy).
const Pipeline& WithBorder(BorderHandling b) {
  static std::map<BorderHandling, std::unique_ptr<Pipeline>> pipelines;
  static std::mutex mu;
  std::lock_guard lock(mu);
  auto& p = pipelines[b];
  if (!p) {
    PipelineOptions o;
    if (b == BorderHandling::kLegacy) o.border = b;
    auto opened = Pipeline::Open(o);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    p = std::move(*opened);
  }
  return *p;
}

float Cosine(const Template& a, const Template& b) {
  double s = 0;
  for (size_t i = 0; i < a.values.size(); ++i) s += double(a.values[i]) * b.values[i];
  return static_cast<float>(s);
}

const char* kBorderImages[] = {"Aaron_Eckhart/Aaron_Eckhart_0001.jpg", "Abdullah_Gul/Abdullah_Gul_0001.jpg",
                               "Adam_Sandler/Adam_Sandler_0001.jpg", "Ai_Sugiyama/Ai_Sugiyama_0001.jpg",
                               "Alan_Greenspan/Alan_Greenspan_0001.jpg", "Alvaro_Uribe/Alvaro_Uribe_0001.jpg"};

TEST(PipelineBorder, WholePhotosGiveTheSameTemplatesAsBefore) {
  REQUIRE_MODELS();
  // LFW faces lie well inside their photos: the border handling must not touch
  // them (so the calibration measured with the legacy pipeline stays valid).
  for (const char* name : kBorderImages) {
    cv::Mat img = Read(data / "faces/lfw" / name);
    auto a = WithBorder(BorderHandling::kLegacy).ProcessSingle(img);
    auto b = WithBorder(PipelineOptions().border).ProcessSingle(img);
    ASSERT_TRUE(a.ok() && b.ok()) << name;
    EXPECT_EQ(a->tmpl.values, b->tmpl.values) << name;
    EXPECT_FALSE(b->face.near_border) << name;
  }
  EXPECT_NE(WithBorder(BorderHandling::kLegacy).SettingsKey(), WithBorder(PipelineOptions().border).SettingsKey());
}

TEST(PipelineBorder, TightChipIsFlaggedAndStaysCloserToItsPhoto) {
  REQUIRE_MODELS();
  double legacy = 0, reflect = 0;
  for (const char* name : kBorderImages) {
    cv::Mat img = Read(data / "faces/lfw" / name);
    cv::Mat chip = CutAroundFace(img, WithBorder(BorderHandling::kLegacy), 1.0f);
    ASSERT_FALSE(chip.empty()) << name;
    auto photo = WithBorder(PipelineOptions().border).ProcessSingle(img);
    auto l = WithBorder(BorderHandling::kLegacy).ProcessSingle(chip);
    auto r = WithBorder(PipelineOptions().border).ProcessSingle(chip);
    ASSERT_TRUE(photo.ok() && r.ok()) << name;
    EXPECT_TRUE(r->face.near_border || r->face.cut_by_border) << name;
    const auto& issues = r->face.quality.issues;
    EXPECT_TRUE(std::find(issues.begin(), issues.end(), "near border") != issues.end() ||
                std::find(issues.begin(), issues.end(), "cut by border") != issues.end())
        << name;
    legacy += l.ok() ? Cosine(l->tmpl, photo->tmpl) : 0.0;
    reflect += Cosine(r->tmpl, photo->tmpl);
  }
  const double n = std::size(kBorderImages);
  // The chip's template is the photo's template made from less of the picture.
  EXPECT_GT(reflect / n, legacy / n + 0.02) << "legacy " << legacy / n << ", reflect " << reflect / n;
  EXPECT_GT(reflect / n, 0.80);
}

TEST(Pipeline, SmallFaceInHugeImageIsFoundByTiling) {
  REQUIRE_MODELS();
  cv::Mat face = Read(data / "faces/lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg");
  cv::Mat big(3000, 4000, CV_8UC3, cv::Scalar(90, 110, 120));
  face.copyTo(big(cv::Rect(2900, 1700, 250, 250)));
  auto faces = Shared().Detect(big);
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  ASSERT_EQ(faces->size(), 1u);
  const cv::Rect2f b = (*faces)[0].box;
  EXPECT_NEAR(b.x + b.width / 2, 2900 + 123, 20);
  EXPECT_NEAR(b.y + b.height / 2, 1700 + 130, 25);
  // Without tiling the 100-px face is 6 px at the detector's input: missed.
  PipelineOptions o;
  o.detector.min_face_px = 0;
  o.use_mesh = false;
  auto untiled = Pipeline::Open(o);
  ASSERT_TRUE(untiled.ok());
  auto none = (*untiled)->Detect(big);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->size(), 0u);
}

TEST(Pipeline, BadBytesAreAClearError) {
  REQUIRE_MODELS();
  std::vector<uint8_t> empty;
  EXPECT_EQ(Shared().ProcessBytes(empty).status().code(), Code::kInvalidArgument);
  std::vector<uint8_t> junk(1000, 0x42);
  EXPECT_EQ(Shared().ProcessBytes(junk).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Shared().ProcessFile(data / "no-such-file.jpg").status().code(), Code::kNotFound);
}

// The first `n` same-person and different-person pairs of LFW View 2, fold 1.
void FirstPairs(const std::filesystem::path& data, int n, std::vector<std::pair<std::string, std::string>>* same,
                std::vector<std::pair<std::string, std::string>>* diff) {
  auto pairs = eval::ParseLfwPairs(data / "faces/lfw-protocol/pairs.txt", /*max_folds=*/1);
  ASSERT_TRUE(pairs.ok()) << pairs.status().ToString();
  for (const eval::LfwPair& p : *pairs) {
    auto* out = p.genuine ? same : diff;
    if (static_cast<int>(out->size()) < n) out->emplace_back(p.a, p.b);
  }
}

void ExpectSameAboveDifferent(const std::string& embedder) {
  CANDOR_REQUIRE_DATA(data);
  std::vector<std::pair<std::string, std::string>> same, diff;
  FirstPairs(data, 8, &same, &diff);
  ASSERT_EQ(same.size(), 8u);
  const Pipeline& p = Shared(embedder);
  auto score = [&](const std::pair<std::string, std::string>& pr) {
    auto a = p.ProcessSingle(Read(data / "faces/lfw" / pr.first));
    auto b = p.ProcessSingle(Read(data / "faces/lfw" / pr.second));
    EXPECT_TRUE(a.ok() && b.ok());
    if (!a.ok() || !b.ok()) return -1.f;
    auto s = CompareTemplates(a->tmpl, b->tmpl);
    EXPECT_TRUE(s.ok());
    return s.ok() ? *s : -1.f;
  };
  std::vector<float> gs, is;
  for (const auto& pr : same) gs.push_back(score(pr));
  for (const auto& pr : diff) is.push_back(score(pr));
  int ordered = 0;
  for (float g : gs)
    for (float i : is) ordered += g > i;
  // On these pairs the descriptor should order (nearly) every genuine pair above every impostor.
  EXPECT_GE(ordered, 62) << "of 64 genuine/impostor orderings";
  EXPECT_GT(*std::min_element(gs.begin(), gs.end()), *std::max_element(is.begin(), is.end()) - 0.05f);
}

TEST(Pipeline, MobileFaceNetScoresSamePersonAboveDifferentPeople) {
  REQUIRE_MODELS();
  ExpectSameAboveDifferent(kMobileFaceNet);
}

TEST(Pipeline, FaceApiResNetScoresSamePersonAboveDifferentPeople) {
  REQUIRE_MODELS();
  CANDOR_REQUIRE_MODEL("faceapi-resnet.onnx");
  ExpectSameAboveDifferent(kFaceApiResNet);
}

TEST(Pipeline, FusionScoresSamePersonAboveDifferentPeople) {
  REQUIRE_MODELS();
  CANDOR_REQUIRE_MODEL("faceapi-resnet.onnx");
  ExpectSameAboveDifferent(kFusion);
}

// The fused template is the weighted concatenation of the two descriptors: its
// score is exactly the weighted sum of theirs, it is unit length, and its model
// hash is neither part's (a fused template never compares with a single one).
TEST(Pipeline, FusionScoreIsTheWeightedSumOfItsPartsScores) {
  REQUIRE_MODELS();
  CANDOR_REQUIRE_MODEL("faceapi-resnet.onnx");
  const std::string a = "faces/lfw/Aaron_Peirsol/Aaron_Peirsol_0001.jpg";
  const std::string b = "faces/lfw/Aaron_Peirsol/Aaron_Peirsol_0002.jpg";
  const std::string c = "faces/lfw/Abdullah_Gul/Abdullah_Gul_0001.jpg";
  auto tmpl = [&](const std::string& model, const std::string& path) {
    auto f = Shared(model).ProcessSingle(Read(data / path));
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? f->tmpl : Template{};
  };
  for (const auto& [x, y] : {std::pair{a, b}, std::pair{a, c}, std::pair{b, c}}) {
    const Template fx = tmpl(kFusion, x), fy = tmpl(kFusion, y);
    ASSERT_EQ(fx.values.size(), 320u);
    EXPECT_EQ(fx.model_id, "fusion");
    double n = 0;
    for (float v : fx.values) n += double(v) * v;
    EXPECT_NEAR(n, 1.0, 1e-5);
    auto fused = CompareTemplates(fx, fy);
    auto m = CompareTemplates(tmpl(kMobileFaceNet, x), tmpl(kMobileFaceNet, y));
    auto r = CompareTemplates(tmpl(kFaceApiResNet, x), tmpl(kFaceApiResNet, y));
    ASSERT_TRUE(fused.ok() && m.ok() && r.ok());
    EXPECT_NEAR(*fused, kFusionWeights[0] * *m + kFusionWeights[1] * *r, 1e-5)
        << x << " vs " << y;
    auto mixed = CompareTemplates(fx, tmpl(kMobileFaceNet, y));
    EXPECT_FALSE(mixed.ok()) << "a fused template must not compare with a single model's";
  }
  const ModelInfo& fused = Shared(kFusion).embedder_model();
  EXPECT_NE(fused.onnx_sha256, Shared(kMobileFaceNet).embedder_model().onnx_sha256);
  EXPECT_NE(fused.onnx_sha256, Shared(kFaceApiResNet).embedder_model().onnx_sha256);
  EXPECT_NE(fused.version.find("mobilefacenet"), std::string::npos);
  EXPECT_NE(fused.version.find("faceapi-resnet"), std::string::npos);
}

TEST(Pipeline, TemplatesCarryModelIdentityAndUnitNorm) {
  REQUIRE_MODELS();
  auto f = Shared().ProcessSingle(Read(data / "faces/lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->tmpl.model_id, "mobilefacenet");
  EXPECT_EQ(f->tmpl.values.size(), 192u);
  double n = 0;
  for (float v : f->tmpl.values) n += v * v;
  EXPECT_NEAR(n, 1.0, 1e-4);
  EXPECT_NE(f->tmpl.model_sha256, (std::array<uint8_t, 32>{}));
  EXPECT_TRUE(f->tmpl.flags & kTemplateFlipAveraged);
}

TEST(Pipeline, TwoThreadsGiveIdenticalTemplates) {
  REQUIRE_MODELS();
  const cv::Mat a = Read(data / "faces/lfw/George_W_Bush/George_W_Bush_0001.jpg");
  const cv::Mat b = Read(data / "faces/wild/couple.jpg");
  auto ref_a = Shared().Process(a);
  auto ref_b = Shared().Process(b);
  ASSERT_TRUE(ref_a.ok() && ref_b.ok());
  std::vector<std::vector<ProcessedFace>> out(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto r = Shared().Process(t % 2 ? b : a);
      if (r.ok()) out[t] = std::move(*r);
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < 4; ++t) {
    const auto& ref = t % 2 ? *ref_b : *ref_a;
    ASSERT_EQ(out[t].size(), ref.size());
    for (size_t i = 0; i < ref.size(); ++i) EXPECT_EQ(out[t][i].tmpl.values, ref[i].tmpl.values);
  }
}

}  // namespace
}  // namespace candor
