// Copyright 2026 The Candor Authors.
//
// Fingerprints over the API: POST /v1/galleries/{gallery}/subjects on a
// finger gallery (modality "finger") enrolls the finger in the "image" field
// (an image of one finger at "dpi", default 500, at ISO position
// "finger_position" 0..10); "append": true adds it to an enrolled subject
// (several fingers per subject). The same role, audit and refusal rules as a
// face enrollment (routes_accounts.cc); the image is kept, sealed, for
// examiners. A print with no usable ridge area is 422.

#include <sodium.h>

#include <cstdlib>
#include <cstring>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "candor/finger.h"
#include "candor/image.h"
#include "common/hash.h"
#include "server/probe_vault.h"
#include "server/service_internal.h"

namespace candor::server {

ApiResponse EnrollFinger(Ctx& c, const std::string& gallery, const json& body,
                         const std::string& image) {
  const char* action = "gallery.enroll";
  finger::ExtractOptions o;
  o.dpi = body.value("dpi", 500.0);
  o.finger_position = static_cast<int>(body.value("finger_position", int64_t{0}));
  if (o.finger_position < 0 || o.finger_position > finger::kMaxFingerPosition) {
    return Refuse(c, action, InvalidArgumentError("finger_position must be in [0, 10]"));
  }
  auto ex = finger::ExtractFinger(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(image.data()), image.size()), o);
  if (!ex.ok()) {
    if (ex.status().code() == Code::kFailedPrecondition) {
      return Refuse(c, action,
                    InvalidArgumentError("no usable fingerprint: " + ex.status().message()), 422);
    }
    return Refuse(c, action, ex.status(), ImageHttpStatus(ex.status()));
  }
  EnrollRequest er;
  er.subject_id = body["subject_id"];
  er.record_ref = body.value("record_ref", std::string());
  er.append_to_existing = body.value("append", false);
  if (er.append_to_existing && !er.record_ref.empty()) {
    return Refuse(c, action, InvalidArgumentError("record_ref only with a new subject"));
  }
  TemplateInput ti;
  ti.finger = ex->tmpl;
  ti.capture_date = body.value("capture_date", std::string());
  ti.quality = static_cast<float>(ex->quality.score);
  ti.image_sha256 = Sha256(std::string_view(image));
  if (image.size() <= kMaxStoredImageBytes) ti.image.assign(image.begin(), image.end());
  er.templates.push_back(std::move(ti));
  Status s = ServiceRoutes::GalleryStore(c).Enroll(gallery, std::span<const EnrollRequest>(&er, 1));
  if (!s.ok()) return Refuse(c, action, s);
  if (Status a = AuditAllowed(c, action,
                              er.append_to_existing ? "1 finger added to an enrolled subject"
                                                    : "1 subject enrolled with 1 finger",
                              gallery);
      !a.ok()) {
    return ErrorResponse(a);  // enrolled, but said so only by the error: as faces (AuditOk)
  }
  const finger::FingerQuality& q = ex->quality;
  return JsonResponse(201, {{"gallery", gallery},
                            {"subject_id", er.subject_id},
                            {"modality", kFingerModality},
                            {"finger_position", o.finger_position},
                            {"minutiae", ex->tmpl.minutiae.size()},
                            {"finger_quality",
                             {{"score", q.score},
                              {"issues", q.issues},
                              {"minutia_count", q.minutia_count},
                              {"usable_area_mm2", q.usable_area_mm2}}}});
}

}  // namespace candor::server

namespace candor::server {
namespace {

json MinutiaeJson(const std::vector<finger::Minutia>& ms) {
  json arr = json::array();
  for (const auto& m : ms) {
    arr.push_back({{"x", m.x},
                   {"y", m.y},
                   {"direction", m.direction},
                   {"type", m.type == finger::MinutiaType::kEnding        ? "ending"
                            : m.type == finger::MinutiaType::kBifurcation ? "bifurcation"
                                                                          : "other"},
                   {"quality", m.quality}});
  }
  return arr;
}

// The print in `bytes` as a grey PNG of width x height pixels (the template's
// 500-dpi frame, so minutiae coordinates fall on it), base64; empty if it
// cannot be decoded (the caller then draws the minutiae alone).
std::string PngBase64(std::span<const uint8_t> bytes, int width, int height) {
  auto mat = DecodeImage(bytes);
  if (!mat.ok() || width <= 0 || height <= 0) return "";
  cv::Mat grey, sized;
  if (mat->channels() == 3) {
    cv::cvtColor(*mat, grey, cv::COLOR_BGR2GRAY);
  } else {
    grey = *mat;
  }
  cv::resize(grey, sized, cv::Size(width, height), 0, 0, cv::INTER_AREA);
  std::vector<uint8_t> png;
  if (!cv::imencode(".png", sized, png)) return "";
  std::string out(sodium_base64_ENCODED_LEN(png.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), png.data(), png.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

}  // namespace

// GET /v1/searches/{id}/candidates/{rank}/minutiae: for an examiner of a
// fingerprint search, the probe's minutiae (re-extracted from the kept probe
// image at the `dpi` query parameter, default 500: the search's), the
// candidate's enrolled finger that pairs best with it, and the paired minutiae
// MCC chose (indices into each list) with their local similarity, to draw
// side by side over both prints (as PNG in the minutiae's 500-dpi frame; a
// kept TIFF cannot be shown by a browser). Same role checks and audit as viewing
// the candidates (Governance::GetSearchForReview). NOT_FOUND: no such rank,
// the candidate deleted, the probe purged; FAILED_PRECONDITION: a face search.
ApiResponse HandleGetCandidateMinutiae(Ctx& c) {
  auto rec = ServiceRoutes::Gov(c).GetSearchForReview(*c.who, c.params[0]);  // role + audit
  if (!rec.ok()) return ErrorResponse(rec.status());
  const Store& store = ServiceRoutes::GalleryStore(c);
  auto g = store.GetGallery(rec->gallery);
  if (!g.ok()) return ErrorResponse(g.status());
  if (g->modality != kFingerModality) {
    return ErrorResponse(FailedPreconditionError(
        "search '" + rec->id + "' is of a face gallery: minutiae exist only for fingerprints"));
  }
  const std::string& rank_text = c.params[1];
  if (rank_text.empty() || rank_text.size() > 4 ||
      rank_text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(rank_text) < 1) {
    return ErrorResponse(InvalidArgumentError("rank must be a positive integer"));
  }
  const size_t rank = std::stoul(rank_text);
  if (rank > rec->candidates.size()) {
    return ErrorResponse(
        NotFoundError("search '" + rec->id + "' has no candidate of rank " + rank_text));
  }
  const std::string& ref = rec->candidates[rank - 1].subject_ref;
  auto subject = store.SubjectIdForRef(rec->gallery, ref);
  if (!subject.ok()) {
    return ErrorResponse(
        NotFoundError("candidate " + rank_text + " is no longer in the gallery (deleted)"));
  }
  auto info = store.GetSubject(rec->gallery, *subject, /*with_values=*/true);
  if (!info.ok()) return ErrorResponse(info.status());
  auto image = ServiceRoutes::Vault(c).Get(rec->id);
  if (!image.ok()) return ErrorResponse(image.status());
  finger::ExtractOptions o;  // the probe's resolution as searched (?dpi=, default 500)
  if (auto q = c.req.query.find("dpi"); q != c.req.query.end()) {
    char* end = nullptr;
    o.dpi = std::strtod(q->second.c_str(), &end);
    if (end == q->second.c_str() || *end != '\0' || !(o.dpi >= 250 && o.dpi <= 1200)) {
      return ErrorResponse(InvalidArgumentError("dpi must be a number in [250, 1200]"));
    }
  }
  auto probe = finger::ExtractFinger(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(image->data()), image->size()), o);
  if (!probe.ok()) return ErrorResponse(probe.status());
  // The enrolled finger whose MCC comparison with the probe scores best.
  const finger::MccTemplate pm = finger::BuildMcc(probe->tmpl);
  const StoredTemplate* best = nullptr;
  finger::MatchResult best_match;
  for (const StoredTemplate& t : info->templates) {
    if (!t.finger) continue;
    finger::MatchResult m = finger::CompareMcc(pm, finger::BuildMcc(*t.finger));
    if (best == nullptr || m.score > best_match.score) {
      best = &t;
      best_match = std::move(m);
    }
  }
  if (best == nullptr) return ErrorResponse(NotFoundError("the candidate holds no finger"));
  json pairs = json::array();
  for (const auto& p : best_match.pairs) {
    pairs.push_back({{"probe", p.a}, {"candidate", p.b}, {"similarity", p.similarity}});
  }
  const finger::FingerTemplate& ct = *best->finger;
  const auto probe_bytes =
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(image->data()), image->size());
  std::string candidate_png;
  if (best->has_image) {
    auto img = store.GetImage(rec->gallery, *subject, best->template_id);
    if (img.ok()) candidate_png = PngBase64(*img, ct.width, ct.height);
  }
  json out = {{"search_id", rec->id},
            {"rank", static_cast<int64_t>(rank)},
            {"score", best_match.score},
            {"probe",
             {{"width", probe->tmpl.width},
              {"height", probe->tmpl.height},
              {"resolution_dpi", probe->tmpl.resolution_dpi},
              {"minutiae", MinutiaeJson(probe->tmpl.minutiae)}}},
            {"candidate",
             {{"template_id", best->template_id},
              {"finger_position", best->finger_position},
              {"image_kept", best->has_image},
              {"width", ct.width},
              {"height", ct.height},
              {"resolution_dpi", ct.resolution_dpi},
              {"minutiae", MinutiaeJson(ct.minutiae)}}},
            {"pairs", pairs},
            {"note",
             "minutiae paired by MCC for the examiner to check; a lead for review, not an "
             "identification"}};
  // The prints as PNG in the minutiae's frame (a kept TIFF cannot be shown by a browser).
  out["probe"]["image_png"] = PngBase64(probe_bytes, probe->tmpl.width, probe->tmpl.height);
  if (!candidate_png.empty()) out["candidate"]["image_png"] = std::move(candidate_png);
  return JsonResponse(200, out);
}

}  // namespace candor::server

namespace candor::server {

FingerProbeFactory MakeFingerProbe(const std::string& image, double dpi, int finger_position,
                                   bool* no_print, bool* image_failed) {
  return [&image, dpi, finger_position, no_print,
          image_failed]() -> StatusOr<std::vector<finger::FingerTemplate>> {
    finger::ExtractOptions o;
    o.dpi = dpi;
    o.finger_position = finger_position;
    auto ex = finger::ExtractFinger(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(image.data()), image.size()), o);
    if (!ex.ok()) {
      if (ex.status().code() == Code::kFailedPrecondition) {
        *no_print = true;
      } else {
        *image_failed = true;
      }
      return ex.status();
    }
    return std::vector<finger::FingerTemplate>{std::move(ex->tmpl)};
  };
}

StatusOr<FingerProbeFields> ParseFingerProbeFields(const json& body) {
  FingerProbeFields f;
  f.given = body.contains("finger_position") || body.contains("dpi");
  f.dpi = body.value("dpi", 500.0);
  f.finger_position = static_cast<int>(body.value("finger_position", int64_t{0}));
  if (f.finger_position < 0 || f.finger_position > finger::kMaxFingerPosition) {
    return InvalidArgumentError("finger_position must be in [0, 10]");
  }
  if (!(f.dpi >= 250 && f.dpi <= 1200)) return InvalidArgumentError("dpi must be in [250, 1200]");
  return f;
}

}  // namespace candor::server
